// My grids coloured by primary collector, the roving staff and where each works now;
// reassigning a roving collector takes two clicks: the collector, then the grid on the map.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatTime, t } from '../i18n.js';
import { anchor, colourFor, gridMap } from '../map.js';
import { myGrids } from '../data.js';
import { errorBox, heading, loading, toast } from '../ui.js';

function isActive(a, now = new Date()) {
  return new Date(a.valid_from) <= now && (!a.valid_to || new Date(a.valid_to) > now);
}

export async function assignmentsScreen({ view }) {
  const collection = await myGrids();
  const state = { picking: null, selectedGrid: null, history: null, error: null, all: [] };
  const byCode = new Map(collection.features.map((f) => [f.id, f]));
  const mapBox = h('div.map-frame');
  const side = h('aside.side');
  const banner = h('div.pick', { role: 'status', hidden: true });

  const load = async () => { state.all = await api('/assignments'); };
  let map = null; // a promise of the screen's one map
  const draw = () => {
    const primaries = new Map(state.all.filter((a) => a.kind === 'primary' && isActive(a)).map((a) => [a.grid, a]));
    const roving = rovingStaff(state.all);
    const mapOptions = {
      ariaLabel: t('assign.map'),
      fill: (f) => (primaries.has(f.id) ? colourFor(primaries.get(f.id).username) : '#e5e7eb'),
      className: (f) => [state.selectedGrid === f.id ? 'selected' : '', state.picking ? 'pickable' : ''].join(' '),
      title: (f) => `${f.id} ${f.properties.name} · ${primaries.get(f.id)?.display_name || t('assign.no_primary')}`,
      onSelect: (f) => (state.picking ? reassign(state.picking, f.id) : selectGrid(f.id)),
      labels: roving.filter((r) => r.current && byCode.has(r.current.grid)).map((r) => {
        const [lon, lat] = anchor(byCode.get(r.current.grid));
        return { lon, lat, text: `▲${r.display_name}`, className: 'roving' };
      }),
    };
    if (map) map.then((shown) => shown?.update(mapOptions)); // one map: restyled, its view kept
    else map = gridMap(mapBox, collection.features, mapOptions).catch((error) => replace(mapBox, errorBox(error)));
    banner.hidden = !state.picking;
    if (state.picking) {
      const who = roving.find((r) => r.username === state.picking);
      const choose = h('select', { 'aria-label': t('assign.pick.select') },
        h('option', { value: '' }, t('assign.pick.select')),
        collection.features.map((f) => h('option', { value: f.id }, `${f.id} ${f.properties.name}`)));
      replace(banner, t('assign.pick', { who: who?.display_name || state.picking }), ' ', choose,
        h('button.secondary', { type: 'button', on: { click: () => choose.value && reassign(state.picking, choose.value) } }, t('assign.pick.go')),
        h('button.link', { type: 'button', on: { click: () => { state.picking = null; draw(); } } }, t('cancel')));
    }
    replace(side, state.error ? errorBox(state.error) : null,
      rovingPanel(roving, byCode, state, { pick, showHistory }),
      state.selectedGrid ? gridPanel(state.selectedGrid, byCode, state.all, roving, showHistory) : null,
      state.history ? historyPanel(state.history) : null);
  };
  const pick = (username) => { state.picking = state.picking === username ? null : username; state.error = null; draw(); };
  const selectGrid = (code) => { state.selectedGrid = code; draw(); };
  const showHistory = async (username, name) => {
    state.history = { username, name, items: null };
    draw();
    try { state.history.items = await api('/assignments', { query: { user: username } }); } catch (error) { state.history.error = error; }
    draw();
  };
  const reassign = async (username, grid) => {
    const before = rovingStaff(state.all).find((r) => r.username === username)?.current?.grid;
    state.picking = null;
    try {
      await api('/assignments', { method: 'POST', body: { username, grid, kind: 'roving' } });
      state.error = null;
      await load();
      state.selectedGrid = grid;
      if (state.history?.username === username) await showHistory(username, state.history.name);
      const undo = before && byCode.has(before) && before !== grid
        ? { label: t('undo'), run: () => reassign(username, before) } : null;
      toast(t('assign.done', { who: username, grid }), undo);
    } catch (error) {
      state.error = error;
    }
    draw();
  };

  replace(view, loading());
  await load();
  replace(view, heading(t('assign.title')), banner, h('div.split', {}, mapBox, side));
  draw();
}

/** Roving collectors with their current post (if any), from all the assignments I may see. */
function rovingStaff(all) {
  const staff = new Map();
  for (const a of all.filter((x) => x.kind === 'roving')) {
    if (!staff.has(a.username)) staff.set(a.username, { username: a.username, display_name: a.display_name, current: null });
    if (isActive(a)) staff.get(a.username).current = a;
  }
  return [...staff.values()].sort((a, b) => a.username.localeCompare(b.username, 'en', { numeric: true }));
}

function rovingPanel(roving, byCode, state, { pick, showHistory }) {
  return h('section.panel', { 'aria-label': t('assign.roving') }, h('h2', {}, t('assign.roving')),
    roving.length ? h('ul.staff', {}, roving.map((r) => h('li', { dataset: { username: r.username },
      class: state.picking === r.username ? 'picking' : '' },
    h('div', {}, h('strong', {}, r.display_name), ' ', h('span.sub', {}, r.username)),
    h('div.sub', { dataset: { role: 'post' } }, r.current
      ? [r.current.grid, ' ', r.current.grid_name, byCode.has(r.current.grid) ? '' : ` · ${t('assign.elsewhere')}`]
      : t('assign.unassigned')),
    h('div.row-actions', {},
      h('button', { type: 'button', dataset: { action: 'reassign' }, 'aria-pressed': String(state.picking === r.username),
        on: { click: () => pick(r.username) } }, t('assign.reassign')),
      h('button.link', { type: 'button', dataset: { action: 'history' }, on: { click: () => showHistory(r.username, r.display_name) } },
        t('assign.history')))))) : h('p.empty', {}, t('assign.no_roving')));
}

function gridPanel(code, byCode, all, roving, showHistory) {
  const feature = byCode.get(code);
  const here = all.filter((a) => a.grid === code && isActive(a) && a.kind !== 'supervises');
  return h('section.panel', { 'aria-label': code }, h('h2', {}, code, ' ', feature?.properties.name || ''),
    h('p.sub', {}, feature?.properties.community_name || ''),
    here.length ? h('ul.staff', {}, here.map((a) => h('li', {},
      h('span.swatch', { style: `background:${colourFor(a.username)}` }),
      h('strong', {}, a.display_name), ' ', h('span.sub', {}, `${a.username} · ${t(`assignment.${a.kind}`)}`),
      ' ', h('button.link', { type: 'button', on: { click: () => showHistory(a.username, a.display_name) } }, t('assign.history')))))
      : h('p.empty', {}, t('assign.no_primary')),
    h('a', { href: `/console/grids/${code}` }, t('assign.open_grid')));
}

function historyPanel(history) {
  return h('section.panel.history', { 'aria-label': t('assign.history_of', { who: history.name }) },
    h('h2', {}, t('assign.history_of', { who: history.name })),
    history.error ? errorBox(history.error) : !history.items ? loading()
      : h('div.table-wrap', {}, h('table.data', {},
        h('thead', {}, h('tr', {}, [t('assign.grid'), t('assign.kind'), t('assign.from'), t('assign.to')].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, history.items.map((a) => h('tr', { class: isActive(a) ? 'active' : '' },
          h('td', {}, a.grid, h('div.sub', {}, a.grid_name)), h('td', {}, t(`assignment.${a.kind}`)),
          h('td', {}, formatTime(a.valid_from)), h('td', {}, a.valid_to ? formatTime(a.valid_to) : t('assign.now'))))))));
}
