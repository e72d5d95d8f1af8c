// One record and its full history: who changed what, when, from which submission or review.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatTime, t } from '../i18n.js';
import { fieldLabel, fieldOrder, formDefinition, showValue } from '../forms.js';
import { gridMap } from '../map.js';
import { gridFeature } from '../data.js';
import { heading, link } from '../ui.js';

const REVIEWERS = ['supervisor', 'admin'];

export async function recordScreen({ view, params, me }) {
  const id = params[0];
  const [record, history] = await Promise.all([api(`/records/${id}`), api(`/records/${id}/history`)]);
  const defs = new Map();
  for (const v of [record, ...history.versions]) {
    const key = `${v.form}@${v.form_version}`;
    if (!defs.has(key)) defs.set(key, await formDefinition(v.form, v.form_version));
  }
  const def = defs.get(`${record.form}@${record.form_version}`);
  const feature = await gridFeature(record.grid);
  const point = record.geometry?.coordinates;
  const map = feature ? gridMap([feature], { ariaLabel: t('record.map'), title: (f) => `${f.id} ${f.properties.name}`,
    points: point ? [{ lon: point[0], lat: point[1], className: 'incoming', title: record.key }] : [] }) : null;

  const fact = (key, value) => h('div', {}, h('dt', {}, t(key)), h('dd', {}, value));
  // Department staff have the search, not the grids' pages.
  const reviewer = REVIEWERS.includes(me.role);
  const latest = history.versions.find((v) => v.version === record.version);
  replace(view,
    heading([t(`record_kind.${record.kind}`), ' ', record.data?.name || record.key],
      reviewer ? link(`/grids/${record.grid}`, t('record.back', { grid: record.grid }))
        : h('a', { href: '/console/search', on: { click: (e) => { if (window.history.length > 1) { e.preventDefault(); window.history.back(); } } } },
          t('record.back_search'))),
    h('dl.facts.inline', {}, fact('record.key', record.key),
      fact('record.grid', reviewer ? link(`/grids/${record.grid}`, record.grid) : record.grid),
      fact('record.version', `v${record.version}`),
      fact('record.updated', `${formatTime(record.updated_at)} · ${person(latest) || record.updated_by || ''}`),
      fact('record.form', `${record.form} v${record.form_version}`), record.retired ? fact('record.retired', t('yes')) : null),
    h('div.split', {},
      h('section.panel', {}, h('h2', {}, t('record.data')), dataTable(def, record.data)),
      map ? h('div.map-frame.small', {}, map) : null),
    h('section.panel', { 'aria-label': t('record.history') }, h('h2', {}, t('record.history')),
      h('ol.history', { reversed: true }, [...history.versions].reverse().map((v) => {
        const previous = history.versions.find((p) => p.version === v.version - 1);
        return versionItem(v, previous, defs.get(`${v.form}@${v.form_version}`));
      }))));
}

function dataTable(def, data) {
  return h('div.table-wrap', {}, h('table.data.fields', {}, h('tbody', {}, fieldOrder(def, data).map((name) =>
    h('tr', {}, h('th', { scope: 'row' }, fieldLabel(def, name)), h('td', {}, showValue(def, name, data[name]) || '—'))))));
}

/** Who made a version: the display name, the username beside it. */
function person(v) {
  if (!v?.made_by) return null;
  return v.made_by_name && v.made_by_name !== v.made_by ? t('history.by', { name: v.made_by_name, user: v.made_by })
    : v.made_by;
}

// The offline editing branch (a device's UUID) means nothing to a reader: it is left out.
function source(v) {
  if (v.conflict_id) return [t('history.review'), ' ', link(`/review/${v.conflict_id}`, `#${v.conflict_id}`)];
  if (v.submission_id) return [t('history.submission'), ' ', h('code', { title: v.submission_id }, v.submission_id.slice(0, 8))];
  return t('history.unknown');
}

function versionItem(v, previous, def) {
  // Fields in the form's order, as the data table shows them.
  const changed = fieldOrder(def, Object.fromEntries((v.changed_fields || []).map((n) => [n, true])));
  const changes = changed.map((name) => h('tr', {},
    h('th', { scope: 'row' }, fieldLabel(def, name)),
    h('td.old', {}, previous ? showValue(def, name, previous.data?.[name]) || '—' : ''),
    h('td.new', {}, showValue(def, name, v.data?.[name]) || '—')));
  return h('li', { dataset: { version: v.version } },
    h('div.version-head', {}, h('strong', {}, `v${v.version}`), ' · ', formatTime(v.made_at), ' · ',
      h('span.who', {}, person(v) || '—'), ' · ', source(v)),
    v.note ? h('blockquote.note', {}, v.note) : null,
    v.auto_merged_fields?.length ? h('p.sub', {}, t('history.auto_merged', {
      fields: v.auto_merged_fields.map((n) => fieldLabel(def, n)).join(t('list.separator')) })) : null,
    changes.length ? h('table.data.changes', {}, h('thead', {}, h('tr', {}, h('th', {}, t('compare.field')),
      h('th', {}, previous ? t('history.before') : ''), h('th', {}, previous ? t('history.after') : t('history.created')))),
    h('tbody', {}, changes)) : h('p.sub', {}, t('history.no_changes')));
}
