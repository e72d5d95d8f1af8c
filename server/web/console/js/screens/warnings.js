// Labour-dispute warnings: per month and level (ECharts), the month's map by grid, the list.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { gridMap } from '../map.js';
import { LEVEL_COLOURS, disposer, drawChart } from '../charts.js';
import { errorBox, heading, link } from '../ui.js';
import { myGrids } from '../data.js';

const LEVELS = ['blue', 'yellow', 'orange', 'red'];
const MAP_COLOURS = ['#f3f4f6', '#fde0c5', '#f9a65a', '#e4572e', '#a4161a'];

export async function warningsScreen({ view, query, navigate }) {
  const { items: months } = await api('/warnings/summary');
  const month = query.month || months.at(-1)?.month;
  const charts = disposer();
  if (!month) { replace(view, heading(t('warn.title')), h('p.empty', {}, t('warn.none_run'))); return null; }
  const level = query.level || '';
  const filter = new URLSearchParams({ month, limit: 200, ...(level && { level }), ...(query.grid && { grid: query.grid }) });
  const [grids, counts, warnings] = await Promise.all([myGrids(), api(`/warnings/map?month=${month}`), api(`/warnings?${filter}`)]);
  const picker = h('select', { 'aria-label': t('warn.month'), on: { change: (e) => navigate(`/warnings?month=${e.target.value}`) } },
    months.map((m) => h('option', { value: m.month, selected: m.month === month }, m.month)));
  const levelPicker = h('select', { 'aria-label': t('warn.level'), on: { change: (e) => navigate(`/warnings?month=${month}&level=${e.target.value}`) } },
    h('option', { value: '' }, t('all')), LEVELS.map((l) => h('option', { value: l, selected: l === level }, t(`level.${l}`))));
  const bars = h('div.chart', { id: 'warnings-by-month', role: 'img', 'aria-label': t('warn.by_month') });
  replace(view, heading(t('warn.title'), link('/economy', t('nav.economy')), picker, levelPicker),
    h('section.panel', {}, h('h2', {}, t('warn.by_month')), bars),
    h('div.split', {}, warningMap(grids, counts.items, month, navigate),
      h('aside.side', {}, h('section.panel', {}, h('h2', {}, t('warn.map', { month })), mapLegend()))),
    h('section.panel', {}, h('h2', {}, t('warn.list', { month, n: warnings.length }), query.grid ? ` · ${t('warn.grid')} ${query.grid}` : ''), warningTable(warnings)));
  charts.add(drawChart(bars, {
    tooltip: { trigger: 'axis' }, legend: { data: LEVELS.map((l) => t(`level.${l}`)) },
    xAxis: { type: 'category', data: months.map((m) => m.month) }, yAxis: { type: 'value', minInterval: 1 },
    series: LEVELS.map((l) => ({ name: t(`level.${l}`), type: 'bar', stack: 'all', color: LEVEL_COLOURS[l],
      data: months.map((m) => m[l]) })),
  }));
  return charts.run;
}

function weight(p) { return p.blue + 2 * p.yellow + 3 * p.orange + 4 * p.red; }

function warningMap(grids, counts, month, navigate) {
  const byGrid = new Map(counts.map((c) => [c.grid, c]));
  const features = grids.features.filter((f) => byGrid.has(f.id));
  const top = Math.max(1, ...counts.map(weight));
  const colour = (c) => MAP_COLOURS[c.total ? Math.min(4, 1 + Math.floor((3 * weight(c)) / top)) : 0];
  const box = h('div.map-frame');
  gridMap(box, features, {
    ariaLabel: t('warn.map', { month }), fill: (f) => colour(byGrid.get(f.id)),
    title: (f) => `${f.id} ${f.properties.name} · ` + LEVELS.map((l) => `${t(`level.${l}`)} ${byGrid.get(f.id)[l]}`).join(' · '),
    onSelect: (f) => navigate(`/warnings?month=${month}&grid=${encodeURIComponent(f.id)}`),
  }).catch((error) => replace(box, errorBox(error)));
  return box;
}

function mapLegend() {
  return h('ul.legend', {}, [['warn.map.none', 0], ['warn.map.few', 1], ['warn.map.many', 3], ['warn.map.most', 4]]
    .map(([key, i]) => h('li', {}, h('span.key', { style: `background:${MAP_COLOURS[i]}` }), t(key))));
}

function warningTable(warnings) {
  if (!warnings.length) return h('p.empty', {}, t('warn.none'));
  return h('div.table-wrap', {}, h('table.data', {},
    h('thead', {}, h('tr', {}, ['warn.enterprise', 'warn.grid', 'warn.level', 'warn.score', 'warn.signals', 'warn.event']
      .map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, warnings.map((w) => h('tr', { dataset: { level: w.level } },
      h('td', {}, link(`/warnings/enterprises/${w.enterprise.credit_code}`, w.enterprise.name || w.enterprise.credit_code),
        h('div.sub', {}, w.enterprise.credit_code)),
      h('td', {}, w.grid),
      h('td', {}, h(`span.badge.level-${w.level}`, {}, t(`level.${w.level}`))),
      h('td.num', {}, w.score),
      h('td', {}, h('ul.signals', {}, w.signals.map((s) => h('li', {}, s.reason)))),
      h('td', {}, w.event ? t(`dispatch.${w.dispatch}`) : '—'))))));
}
