// Coverage of my grids: a map coloured by how fresh each grid's data is, and a sortable table.
import { api } from '../api.js';
import { append, h, replace } from '../dom.js';
import { formatAge, formatTime, t } from '../i18n.js';
import { gridMap } from '../map.js';
import { latestForms, myGrids } from '../data.js';
import { errorBox, heading, link, sortableTable } from '../ui.js';

const DAY = 86400000;
export const FRESHNESS = [
  ['day', 1, '#1a9850'], ['week', 7, '#91cf60'], ['month', 30, '#fdae61'], ['stale', Infinity, '#d73027']];
const NEVER = '#d1d5db';

/** The freshness class of a last collection time: day, week, month, stale or never. */
export function freshness(iso, now = Date.now()) {
  if (!iso) return ['never', NEVER];
  const days = (now - new Date(iso).getTime()) / DAY;
  const [name, , colour] = FRESHNESS.find(([, limit]) => days <= limit);
  return [name, colour];
}

export async function coverageScreen({ view, navigate }) {
  const [collection, { items }, forms] = await Promise.all([myGrids(), api('/coverage'), latestForms()]);
  const byGrid = new Map(items.map((i) => [i.grid, i]));
  const kinds = [...new Set([...forms.map((f) => f.kind), ...items.flatMap((i) => Object.keys(i.records))])].sort();
  const state = { sortKey: 'grid', ascending: true };
  const tableBox = h('div');
  const total = (i) => Object.values(i.records).reduce((a, b) => a + b, 0);

  const columns = [
    { key: 'grid', title: t('coverage.grid'), render: (i) => [link(`/grids/${i.grid}`, i.grid), h('div.sub', {}, i.name)] },
    { key: 'community_name', title: t('coverage.community') },
    ...kinds.map((k) => ({ key: `kind:${k}`, title: t(`record_kind.${k}`), value: (i) => i.records[k] || 0, className: 'num' })),
    { key: 'total', title: t('coverage.total'), value: total, className: 'num' },
    { key: 'last_collected_at', title: t('coverage.last'), value: (i) => i.last_collected_at,
      render: (i) => h('span', { title: formatTime(i.last_collected_at) },
        h(`span.dot.fresh-${freshness(i.last_collected_at)[0]}`, {}), ' ', formatAge(i.last_collected_at)) },
    { key: 'open_conflicts', title: t('coverage.open'), className: 'num',
      render: (i) => (i.open_conflicts ? link(`/review?grid=${i.grid}`, String(i.open_conflicts)) : '0') },
    { key: 'primary', title: t('coverage.primary'), value: (i) => i.primary_collector?.username || null,
      render: (i) => i.primary_collector ? [i.primary_collector.display_name, h('div.sub', {}, i.primary_collector.username)] : '—' },
  ];
  const drawTable = () => replace(tableBox, sortableTable(items, columns, {
    sortKey: state.sortKey, ascending: state.ascending,
    onSort: (key, ascending) => { Object.assign(state, { sortKey: key, ascending }); drawTable(); },
    rowProps: (i) => ({ dataset: { grid: i.grid } }),
  }));

  const mapBox = h('div.map-frame');
  gridMap(mapBox, collection.features, {
    ariaLabel: t('coverage.map'),
    fill: (f) => freshness(byGrid.get(f.id)?.last_collected_at)[1],
    title: (f) => {
      const i = byGrid.get(f.id);
      return `${f.id} ${f.properties.name} · ${t('coverage.last')}: ${formatAge(i?.last_collected_at)} · ` +
        `${t('coverage.total')}: ${i ? total(i) : 0} · ${t('coverage.open')}: ${i?.open_conflicts || 0}`;
    },
    onSelect: (f) => navigate(`/grids/${encodeURIComponent(f.id)}`),
  }).catch((error) => replace(mapBox, errorBox(error)));
  const legend = h('ul.legend.fresh', {}, [...FRESHNESS.map(([name, , colour]) => [name, colour]), ['never', NEVER]]
    .map(([name, colour]) => h('li', {}, h('span.key', { style: `background:${colour}` }), t(`fresh.${name}`))));
  const sums = h('dl.facts.inline', {},
    h('div', {}, h('dt', {}, t('coverage.grids')), h('dd', {}, items.length)),
    kinds.map((k) => h('div', {}, h('dt', {}, t(`record_kind.${k}`)), h('dd', {}, items.reduce((a, i) => a + (i.records[k] || 0), 0)))),
    h('div', {}, h('dt', {}, t('coverage.open')), h('dd', {}, items.reduce((a, i) => a + i.open_conflicts, 0))));
  replace(view, heading(t('coverage.title')), sums,
    h('div.split', {}, mapBox, h('aside.side', {}, h('section.panel', {}, h('h2', {}, t('coverage.freshness')), legend,
      h('p.sub', {}, t('coverage.help'))), attention(items, total))),
    h('section.panel', { 'aria-label': t('coverage.table') }, h('h2', {}, t('coverage.table')), tableBox));
  drawTable();
}

/** The grids that need a look first: the most open conflicts, and the stalest of those visited. */
function attention(items, total) {
  const top = (rows) => rows.slice(0, 5).map((i) => h('li', {}, link(`/grids/${i.grid}`, i.grid), ' ', h('span.sub', {}, i.name)));
  const conflicts = items.filter((i) => i.open_conflicts).sort((a, b) => b.open_conflicts - a.open_conflicts);
  const stale = items.filter((i) => i.last_collected_at && total(i))
    .sort((a, b) => a.last_collected_at.localeCompare(b.last_collected_at));
  return h('section.panel', {}, h('h2', {}, t('coverage.attention')),
    h('h3', {}, t('coverage.most_conflicts')),
    conflicts.length ? h('ol.attention', {}, top(conflicts).map((li, n) => append(li, [' · ', t('coverage.n_open', { n: conflicts[n].open_conflicts })])))
      : h('p.empty', {}, t('coverage.none')),
    h('h3', {}, t('coverage.stalest')),
    stale.length ? h('ol.attention', {}, top(stale).map((li, n) => append(li, [' · ', formatAge(stale[n].last_collected_at)])))
      : h('p.empty', {}, t('coverage.none')));
}
