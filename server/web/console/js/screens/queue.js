// The review queue: open conflicts of my grids, oldest first, filtered by kind, grid, collector, age.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatAge, formatClock, formatTime, t } from '../i18n.js';
import { anyFieldLabel, myGrids } from '../data.js';
import { errorBox, heading, kindBadge, link, loading } from '../ui.js';

const KINDS = ['stale_edit', 'possible_duplicate', 'outside_assigned_grid', 'outside_district', 'record_retired'];
const AGES = ['', '1', '24', '72', '168'];
const PAGE = 50;

export async function queueScreen({ view, query, me, navigate }) {
  const filters = { status: query.status || 'open', kind: query.kind || '', grid: query.grid || '',
    collector: query.collector || '', older_than_hours: query.older_than_hours || '' };
  const [collection, labelOf] = await Promise.all([myGrids(), anyFieldLabel()]);
  const gridNames = new Map(collection.features.map((f) => [f.id, f.properties.name]));
  const rows = h('tbody');
  const more = h('button.secondary', { type: 'button', hidden: true }, t('queue.more'));
  const count = h('span.count');
  const status = h('div');

  const apply = () => {
    const search = new URLSearchParams(Object.entries(filters).filter(([k, v]) => v && !(k === 'status' && v === 'open')));
    navigate(`/review${search.toString() ? `?${search}` : ''}`, { replace: true });
  };
  const select = (name, options) => h('select', { name, on: { change: (e) => { filters[name] = e.target.value; apply(); } } },
    options.map(([value, text]) => h('option', { value, selected: filters[name] === value }, text)));
  const collector = h('input', { name: 'collector', value: filters.collector, placeholder: t('queue.collector.placeholder'),
    size: 14 });
  const bar = h('form.filters', { on: { submit: (e) => { e.preventDefault(); filters.collector = collector.value.trim(); apply(); } } },
    h('label', {}, t('queue.status'), select('status', ['open', 'resolved', 'all'].map((s) => [s, t(`status.${s}`)]))),
    h('label', {}, t('queue.kind'), select('kind', [['', t('all')], ...KINDS.map((k) => [k, t(`kind.${k}`)])])),
    h('label', {}, t('queue.grid'), select('grid', [['', t('all')], ...collection.features.map((f) => [f.id, `${f.id} ${f.properties.name}`])])),
    h('label', {}, t('queue.collector'), collector),
    h('label', {}, t('queue.age'), select('older_than_hours', AGES.map((a) => [a, a ? t('queue.age.older', { n: a }) : t('all')]))),
    h('button.secondary', { type: 'submit' }, t('queue.apply')));

  const table = h('div.table-wrap', {}, h('table.data.queue', {},
    h('thead', {}, h('tr', {}, ['#', t('queue.kind'), t('queue.grid'), t('queue.collector'), t('queue.received'),
      t('queue.changed'), t('queue.state')].map((c) => h('th', { scope: 'col' }, c)))), rows));
  replace(view, heading(t('queue.title'), count), bar, status, table, h('div.more', {}, more));

  let after = 0;
  let shown = 0;
  const load = async () => {
    more.disabled = true;
    try {
      const page = await api('/conflicts', { query: { ...filters, after, limit: PAGE } });
      for (const item of page.items) rows.append(row(item, me, gridNames, labelOf));
      shown += page.items.length;
      after = page.next_after;
      more.hidden = !after;
      count.textContent = t('queue.count', { n: shown, more: after ? '+' : '' });
      if (!shown) replace(status, h('p.empty', {}, t('queue.empty')));
    } catch (error) {
      replace(status, errorBox(error));
    }
    more.disabled = false;
  };
  more.addEventListener('click', load);
  replace(status, loading());
  await load();
  if (shown) status.replaceChildren();
}

function holderCell(item, me) {
  if (item.status === 'resolved') return h('span.state.resolved', {}, t(`resolution.${item.resolution}`));
  const live = item.claimed_by && item.claim_expires_at && new Date(item.claim_expires_at) > new Date();
  if (!live) return h('span.state.free', {}, t('queue.unclaimed'));
  if (item.claimed_by === me.username) return h('span.state.mine', {}, t('queue.mine', { until: formatClock(item.claim_expires_at) }));
  return h('span.state.held', {}, t('queue.held', { who: item.claimed_by, until: formatClock(item.claim_expires_at) }));
}

function row(item, me, gridNames, labelOf) {
  return h('tr', { dataset: { conflict: item.id } },
    h('td', {}, link(`/review/${item.id}`, `#${item.id}`)),
    h('td', {}, kindBadge(item.kind)),
    h('td', {}, item.grid ? link(`/grids/${item.grid}`, item.grid) : '—',
      h('div.sub', {}, gridNames.get(item.grid) || '')),
    h('td', {}, item.collector_name || item.collector, h('div.sub', {}, item.collector)),
    h('td', { title: formatTime(item.created_at) }, formatAge(item.created_at)),
    h('td', {}, (item.changed_fields || []).map(labelOf).join(t('list.separator')) || '—'),
    h('td', {}, holderCell(item, me)));
}
