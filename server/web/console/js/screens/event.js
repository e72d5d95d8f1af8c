// One event: what was reported, where it stands, its timeline, and the moves I may make now
// (register, reject, dispatch with a department, handle or return with a note, close).
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatTime, t } from '../i18n.js';
import { categoryLabel, eventForm, stateBadge } from '../events.js';
import { showValue, fieldLabel, fieldOrder } from '../forms.js';
import { errorBox, heading, link, toast } from '../ui.js';

export async function eventScreen({ view, params }) {
  const [id] = params;
  const [form, event, standard] = await Promise.all([eventForm(), api(`/events/${id}`),
    api('/events/standard').catch(() => null)]);
  const status = h('div.status');
  const refresh = () => eventScreen({ view, params });
  replace(view, heading(categoryLabel(form, event.category), link('/events', t('event.back'))),
    h('div.event-head', {}, stateBadge(event.state),
      event.overdue ? h('span.badge.overdue', {}, t('events.overdue')) : null,
      h('span', {}, t('event.where', { grid: event.grid, department: event.department_name || event.department || '—',
        deadline: formatTime(event.deadline) }))),
    facts(form, event), actions(event, standard, status, refresh), status,
    h('h2', {}, t('event.timeline')), timeline(event.timeline));
}

function facts(form, event) {
  const data = event.data || {};
  return h('dl.facts', {}, fieldOrder(form, data).map((name) => [
    h('dt', {}, fieldLabel(form, name)), h('dd', {}, showValue(form, name, data[name]) || '—')]));
}

function departmentsOf(standard, event) {
  const codes = Object.values(standard?.definition?.categories || {}).map((c) => c.department).filter(Boolean);
  return [...new Set([event.usual_department, event.department, ...codes].filter(Boolean))];
}

function actions(event, standard, status, refresh) {
  if (!event.allowed.length) return h('p.sub', {}, t('event.no_action'));
  const note = h('textarea', { name: 'note', rows: 2, placeholder: t('event.note') });
  const department = h('select', { name: 'department' }, departmentsOf(standard, event).map((code) =>
    h('option', { value: code, selected: code === event.usual_department }, code)));
  const act = async (action) => {
    const body = { action };
    if (note.value.trim()) body.note = note.value.trim();
    if (action === 'dispatch') body.department = department.value;
    try {
      await api(`/events/${event.id}/transitions`, { method: 'POST', body });
      toast(t(`event.done.${action}`));
      await refresh();
    } catch (error) {
      replace(status, errorBox(error));
    }
  };
  return h('div.event-actions', {},
    event.allowed.includes('dispatch') ? h('label', {}, t('events.department'), department) : null,
    note, h('div.buttons', {}, event.allowed.map((action) => h(`button${action === 'reject' || action === 'return' ? '.secondary' : ''}`,
      { type: 'button', dataset: { action }, on: { click: () => act(action) } }, t(`event.action.${action}`)))));
}

function timeline(rows) {
  return h('ol.timeline', {}, rows.map((row) => h('li', { dataset: { action: row.action } },
    h('strong', {}, t(`event.action.${row.action}`)), ' ',
    h('span.sub', {}, `${formatTime(row.at)} · ${row.by_name || row.by || t('event.system')}`),
    row.department ? h('div', {}, `→ ${row.department_name || row.department}` +
      (row.deadline ? ` (${t('events.deadline')} ${formatTime(row.deadline)})` : '')) : null,
    row.result ? h('div', {}, t(`event.result.${row.result}`)) : null,
    row.note ? h('div.note', {}, row.note) : null)));
}
