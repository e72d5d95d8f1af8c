// The district's economy: energy, activity and the growth index per area, against a year before.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { myGrids } from '../data.js';
import { disposer, drawChart } from '../charts.js';
import { heading, link } from '../ui.js';

const MEASURES = [['energy', 1], ['activity', 100], ['growth_index', 1]];

export async function economyScreen({ view, query, navigate, me }) {
  const area = query.area || (me.role === 'admin' || (me.role === 'viewer' && !query.area) ? 'district' : null);
  const options = await areaOptions(me);
  const chosen = area || options[0]?.[0] || 'district';
  const { items } = await api(`/economy?area=${encodeURIComponent(chosen)}`);
  const charts = disposer();
  const picker = h('select', { 'aria-label': t('econ.area'), on: { change: (e) => navigate(`/economy?area=${encodeURIComponent(e.target.value)}`) } },
    options.map(([code, name]) => h('option', { value: code, selected: code === chosen }, name)));
  const boxes = MEASURES.map(([m]) => [m, h('div.chart', { id: `economy-${m}`, role: 'img', 'aria-label': t(`econ.${m}`) })]);
  const turns = items.filter((i) => i.trend_down).map((i) => i.month);
  replace(view, heading(t('econ.title'), link('/warnings', t('nav.warnings')), picker),
    turns.length ? h('div.notice', { role: 'status' }, t('econ.turns', { months: turns.join('、') })) : null,
    items.length ? null : h('p.empty', {}, t('econ.none')),
    boxes.map(([m, box]) => h('section.panel', {}, h('h2', {}, t(`econ.${m}`)), h('p.sub', {}, t(`econ.${m}.help`)), box)));
  for (const [measure, scale] of MEASURES) {
    const value = (v) => (v === null || v === undefined ? null : +(v * scale).toFixed(2));
    charts.add(drawChart(boxes.find(([m]) => m === measure)[1], {
      tooltip: { trigger: 'axis' }, legend: { data: [t('econ.this_year'), t('econ.year_before')] },
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: items.map((i) => i.month) }, yAxis: { type: 'value', scale: true },
      series: [
        { name: t('econ.this_year'), type: 'line', data: items.map((i) => value(i[measure])),
          markPoint: measure === 'growth_index' ? { data: items.filter((i) => i.trend_down)
            .map((i) => ({ coord: [i.month, value(i.growth_index)], value: '↘' })) } : undefined },
        { name: t('econ.year_before'), type: 'line', lineStyle: { type: 'dashed' },
          data: items.map((i) => value(i.year_ago?.[measure])) }],
    }));
  }
  return charts.run;
}

/** The areas to choose from: the district, then the streets and communities of my grids. */
async function areaOptions(me) {
  const { features } = await myGrids();
  const areas = new Map();
  if (me.role === 'admin' || me.role === 'viewer') areas.set('district', t('econ.district'));
  for (const f of features) {
    const p = f.properties;
    if (p.street_code) areas.set(p.street_code, `${t('econ.street')} ${p.street_name || p.street_code}`);
  }
  for (const f of features) {
    const p = f.properties;
    if (p.community_code) areas.set(p.community_code, `${t('econ.community')} ${p.community_name || p.community_code}`);
  }
  return [...areas];
}
