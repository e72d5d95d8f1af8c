// The event board (事件看板): supervisors see their grids' events, department staff the events
// dispatched to them; by state, overdue first, filtered by grid, category class and department.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatTime, t } from '../i18n.js';
import { categoryLabel, eventForm, stateBadge } from '../events.js';
import { errorBox, heading, link, loading } from '../ui.js';

const STATES = ['open', 'reported', 'registered', 'dispatched', 'returned', 'handled', 'verified',
  'closed', 'rejected', 'all'];
const PAGE = 50;

export async function eventsScreen({ view, query, navigate }) {
  const filters = { state: query.state || 'open', grid: query.grid || '', category: query.category || '',
    department: query.department || '', overdue: query.overdue || '' };
  const [form, page] = await Promise.all([eventForm(), api('/events', { query: { ...filters, limit: PAGE } })]);
  const apply = () => {
    const search = new URLSearchParams(Object.entries(filters).filter(([k, v]) => v && !(k === 'state' && v === 'open')));
    navigate(`/events${search.toString() ? `?${search}` : ''}`, { replace: true });
  };
  replace(view, heading(t('events.title'), link('/events/performance', t('events.performance'))),
    stateTabs(page.counts, filters, apply), filterBar(form, filters, apply), h('div.status'),
    page.items.length ? board(page.items, form) : h('p.empty', {}, t('events.empty')));
}

function stateTabs(counts, filters, apply) {
  return h('div.state-tabs', { role: 'tablist' }, STATES.map((s) => h('button', {
    type: 'button', role: 'tab', class: filters.state === s ? 'active' : '', dataset: { state: s },
    'aria-selected': String(filters.state === s),
    on: { click: () => { filters.state = s; apply(); } },
  }, t(`event.state.${s}`), counts?.[s] !== undefined ? h('span.n', {}, ` ${counts[s]}`) : null)),
  counts?.overdue ? h('span.badge.overdue', {}, t('events.overdue_count', { n: counts.overdue })) : null);
}

function filterBar(form, filters, apply) {
  const categories = (form?.choice_lists?.event_category || []).map((c) => c.value.split('.')[0]);
  const classes = [...new Set(categories)];
  const text = (name, size) => h('input', { name, value: filters[name], size });
  const inputs = { grid: text('grid', 8), department: text('department', 10) };
  const category = h('select', { name: 'category' }, h('option', { value: '' }, t('all')),
    classes.map((c) => h('option', { value: c, selected: filters.category === c }, categoryLabel(form, c))));
  const overdue = h('input', { type: 'checkbox', name: 'overdue', checked: filters.overdue === 'true' });
  return h('form.filters', { on: { submit: (e) => {
    e.preventDefault();
    Object.assign(filters, { grid: inputs.grid.value.trim(), department: inputs.department.value.trim(),
      category: category.value, overdue: overdue.checked ? 'true' : '' });
    apply();
  } } },
  h('label', {}, t('queue.grid'), inputs.grid), h('label', {}, t('events.category'), category),
  h('label', {}, t('events.department'), inputs.department), h('label', {}, overdue, t('events.overdue_only')),
  h('button.secondary', { type: 'submit' }, t('queue.apply')));
}

function board(items, form) {
  const head = [t('events.category'), t('queue.grid'), t('events.state'), t('events.department'),
    t('events.deadline'), t('events.reported')];
  return h('div.table-wrap', {}, h('table.data.events', {},
    h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, items.map((e) => h('tr', { dataset: { event: e.id }, class: e.overdue ? 'overdue' : '' },
      h('td', {}, link(`/events/${e.id}`, categoryLabel(form, e.category)),
        h('div.sub', {}, e.data?.description || '')),
      h('td', {}, e.grid), h('td', {}, stateBadge(e.state), e.overdue ? h('span.badge.overdue', {}, t('events.overdue')) : null),
      h('td', {}, e.department_name || e.department || '—'),
      h('td', {}, formatTime(e.deadline)), h('td', {}, formatTime(e.reported_at), h('div.sub', {}, e.reported_by || '')))))));
}
