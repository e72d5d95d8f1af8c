// The window clerk's screen (and a supervisor's, over its whole scope): one box for a name, an
// ID-card or a phone number, results as you type, each record as the API shows it to this
// account (sensitive fields masked for department staff), one click to the record and its history.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatAge, formatTime, t } from '../i18n.js';
import { errorBox, heading, link } from '../ui.js';

const KINDS = ['', 'resident', 'rental', 'fixture'];
const DEBOUNCE_MS = 180;
const LIMIT = 50;

export async function searchScreen({ view, query, me }) {
  const box = h('input.search-box', { type: 'search', name: 'q', value: query.q || '', autocomplete: 'off',
    placeholder: t('search.placeholder'), 'aria-label': t('search.placeholder') });
  const kind = h('select', { name: 'kind', 'aria-label': t('grid.kind') }, KINDS.map((k) =>
    h('option', { value: k, selected: (query.kind || '') === k }, k ? t(`record_kind.${k}`) : t('all'))));
  const results = h('div.results', { 'aria-live': 'polite' });
  const scope = me.role === 'supervisor' ? t('search.scope.supervisor') : me.role === 'viewer'
    ? t('search.scope.viewer') : t('search.scope.district');
  replace(view, heading(t('search.title')),
    h('form.search-bar', { role: 'search', on: { submit: (e) => { e.preventDefault(); run(); } } },
      box, kind),
    h('p.sub', {}, scope), results);

  let timer = null;
  let asked = 0;
  const run = async () => {
    const q = box.value.trim();
    const wanted = ++asked;
    const params = new URLSearchParams(Object.entries({ q, kind: kind.value }).filter(([, v]) => v));
    history.replaceState(null, '', `/console/search${params.toString() ? `?${params}` : ''}`);
    if (!q) { replace(results, h('p.sub', {}, t('search.hint'))); return; }
    try {
      const { items } = await api('/records', { query: { q, kind: kind.value, limit: LIMIT } });
      if (wanted !== asked) return; // an older answer arriving late never replaces a newer one
      replace(results, items.length ? table(items) : h('p.empty', {}, t('search.none', { q })));
    } catch (error) {
      if (wanted === asked) replace(results, errorBox(error));
    }
  };
  box.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, DEBOUNCE_MS); });
  kind.addEventListener('change', run);
  box.focus();
  await run();
  return () => clearTimeout(timer);
}

function summary(r) {
  const d = r.data || {};
  return [d.phone, d.current_address || d.address || d.location_description].filter(Boolean).join(' · ');
}

function table(items) {
  return h('div.table-wrap', {}, h('table.data.found', {},
    h('thead', {}, h('tr', {}, [t('record.name'), t('record.key'), t('record.kind'), t('search.details'),
      t('record.grid'), t('record.updated')].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, items.map((r) => h('tr', { dataset: { record: r.id } },
      h('td', {}, link(`/records/${r.id}`, r.data?.name || r.data?.address || r.key)),
      h('td.mono', {}, r.key),
      h('td', {}, t(`record_kind.${r.kind}`)),
      h('td', {}, summary(r) || '—'),
      h('td', {}, r.grid),
      h('td', { title: formatTime(r.updated_at) }, formatAge(r.updated_at)))))));
}
