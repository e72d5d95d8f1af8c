// One grid: its outline with the records on it, its coverage, and its records (searchable).
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatAge, formatTime, t } from '../i18n.js';
import { gridMap } from '../map.js';
import { gridFeature } from '../data.js';
import { errorBox, heading, link, loading } from '../ui.js';

const KINDS = ['', 'resident', 'rental', 'fixture'];

export async function gridScreen({ view, params, query, navigate }) {
  const code = params[0];
  const [feature, coverage] = await Promise.all([gridFeature(code), api('/coverage')]);
  if (!feature) { replace(view, h('div.error', {}, t('grid.not_found', { code }))); return; }
  const info = coverage.items.find((i) => i.grid === code);
  const q = h('input', { type: 'search', name: 'q', value: query.q || '', placeholder: t('grid.search.placeholder') });
  const kind = h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k, selected: (query.kind || '') === k },
    k ? t(`record_kind.${k}`) : t('all'))));
  const results = h('div', {}, loading());
  const mapBox = h('div.map-frame.small');
  const form = h('form.filters', { role: 'search', on: { submit: (e) => {
    e.preventDefault();
    const search = new URLSearchParams(Object.entries({ q: q.value.trim(), kind: kind.value }).filter(([, v]) => v));
    navigate(`/grids/${encodeURIComponent(code)}${search.toString() ? `?${search}` : ''}`, { replace: true });
  } } }, h('label', {}, t('grid.search'), q), h('label', {}, t('grid.kind'), kind),
  h('button.secondary', { type: 'submit' }, t('grid.search.go')));

  replace(view, heading([code, ' ', feature.properties.name], link('/coverage', t('grid.back'))),
    h('p.sub', {}, [feature.properties.street_name, feature.properties.community_name].filter(Boolean).join(' · ')),
    info ? summary(info) : null,
    h('div.split', {}, h('section.panel', {}, h('h2', {}, t('grid.records')), form, results), mapBox));

  try {
    const { items } = await api('/records', { query: { grid: code, q: query.q, kind: query.kind, limit: 200 } });
    gridMap(mapBox, [feature], { ariaLabel: t('grid.map'), title: () => `${code} ${feature.properties.name}`,
      className: () => 'focus',
      records: items.filter((r) => r.geometry?.type === 'Point').map((r) => ({ id: r.id, kind: r.kind,
        lon: r.geometry.coordinates[0], lat: r.geometry.coordinates[1],
        title: `${r.data?.name || r.data?.address || r.key} (${t(`record_kind.${r.kind}`)})` })),
      onRecord: (id) => navigate(`/records/${id}`) }).catch((error) => replace(mapBox, errorBox(error)));
    replace(results, items.length ? recordTable(items) : h('p.empty', {}, t('grid.no_records')));
  } catch (error) {
    replace(results, errorBox(error));
  }
}

function summary(info) {
  const item = (key, value) => h('div', {}, h('dt', {}, t(key)), h('dd', {}, value));
  return h('dl.facts.inline', {},
    Object.entries(info.records).map(([k, n]) => item(`record_kind.${k}`, n)),
    item('coverage.last', h('span', { title: formatTime(info.last_collected_at) }, formatAge(info.last_collected_at))),
    item('coverage.open', info.open_conflicts ? link(`/review?grid=${info.grid}`, String(info.open_conflicts)) : '0'),
    item('coverage.primary', info.primary_collector ? `${info.primary_collector.display_name} (${info.primary_collector.username})` : '—'));
}

function recordTable(items) {
  return h('div.table-wrap', {}, h('table.data.records', {},
    h('thead', {}, h('tr', {}, [t('record.name'), t('record.key'), t('record.kind'), t('record.version'), t('record.updated')]
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, items.map((r) => h('tr', { dataset: { record: r.id } },
      h('td', {}, link(`/records/${r.id}`, r.data?.name || r.data?.address || r.key)),
      h('td.mono', {}, r.key),
      h('td', {}, t(`record_kind.${r.kind}`)),
      h('td.num', {}, r.version),
      h('td', { title: formatTime(r.updated_at) }, formatAge(r.updated_at), h('div.sub', {}, r.updated_by || '')))))));
}
