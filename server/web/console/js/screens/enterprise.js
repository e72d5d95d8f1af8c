// One enterprise: its eight indicator series, the months its signals fired marked on them.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { LEVEL_COLOURS, disposer, drawChart } from '../charts.js';
import { heading, link } from '../ui.js';

const INDICATORS = ['wages_unpaid', 'complaints', 'water', 'electricity', 'tax', 'headcount',
  'social_insurance', 'capacity_exit'];

export async function enterpriseScreen({ view, params: [code] }) {
  const page = await api(`/warnings/enterprises/${encodeURIComponent(code)}`);
  const charts = disposer();
  const fired = {};
  for (const w of page.warnings) {
    for (const s of w.signals) (fired[s.indicator] ||= []).push({ month: w.month, level: w.level, reason: s.reason });
  }
  const boxes = INDICATORS.map((i) => [i, h('div.chart.small', { id: `series-${i}`, role: 'img', 'aria-label': t(`indicator.${i}`) })]);
  replace(view, heading(page.enterprise.name || code, link('/warnings', t('warn.back'))),
    h('p.sub', {}, `${page.enterprise.credit_code} · ${t('warn.grid')} ${page.enterprise.grid}`),
    h('section.panel', {}, h('h2', {}, t('warn.history')), page.warnings.length
      ? h('ul.warning-history', {}, page.warnings.map((w) => h('li', {},
        h(`span.badge.level-${w.level}`, {}, t(`level.${w.level}`)), ` ${w.month} · ${t('warn.score')} ${w.score} · `,
        w.signals.map((s) => s.reason).join('；'))))
      : h('p.empty', {}, t('warn.none'))),
    h('div.chart-grid', {}, boxes.map(([i, box]) => h('section.panel', {}, h('h2', {}, t(`indicator.${i}`),
      fired[i] ? h('span.sub', {}, ' · ', t('warn.fired', { n: fired[i].length })) : null), box))));
  for (const [indicator, box] of boxes) {
    const points = page.series[indicator] || [];
    charts.add(drawChart(box, {
      grid: { left: 60, right: 16, top: 16, bottom: 28 }, tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: points.map(([m]) => m) }, yAxis: { type: 'value', scale: true },
      series: [{ type: 'line', name: t(`indicator.${indicator}`), data: points.map(([, v]) => v), showSymbol: false,
        markPoint: { symbolSize: 34, data: (fired[indicator] || []).map((f) => ({
          coord: [f.month, (points.find(([m]) => m === f.month) || [])[1]], value: '!',
          itemStyle: { color: LEVEL_COLOURS[f.level] }, name: f.reason })) } }],
    }));
  }
  return charts.run;
}
