// Department performance (综合评价): per month, events handled, on time, returned, median time.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { heading, link } from '../ui.js';

export async function performanceScreen({ view, query }) {
  const page = await api('/events/performance', { query: { department: query.department || '' } });
  const percent = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 1000) / 10}%`);
  const hours = (x) => (x === null || x === undefined ? '—' : t('perf.hours', { n: Math.round(x * 10) / 10 }));
  const head = [t('perf.month'), t('events.department'), t('perf.handled'), t('perf.on_time'),
    t('perf.on_time_rate'), t('perf.returned'), t('perf.median')];
  replace(view, heading(t('perf.title'), link('/events', t('event.back'))),
    page.items.length ? h('div.table-wrap', {}, h('table.data.performance', {},
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, page.items.map((m) => h('tr', {},
        [m.month, m.department_name || m.department || '—', m.handled, m.on_time, percent(m.on_time_rate),
          m.returned, hours(m.median_handling_hours)].map((c) => h('td', {}, String(c))))))))
      : h('p.empty', {}, t('perf.empty')));
}
