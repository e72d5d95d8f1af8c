// 三防预警: the warnings in force, declaring one (duty officers and administrators), and a
// warning's situation — map of activated facilities by task state, progress, shelters — with a
// printable summary. Figures refresh every 15 seconds while the page is open.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatTime, label, t } from '../i18n.js';
import { gridMap } from '../map.js';
import { latestForms, myGrids } from '../data.js';
import { errorBox, heading, link, toast } from '../ui.js';

const LEVELS = { typhoon: ['white', 'blue', 'yellow', 'orange', 'red'], rainstorm: ['yellow', 'orange', 'red'] };
const REFRESH_MS = 15000;

/** Whether this account declares warnings (administrators, the duty department's staff). */
export function declares(me) {
  const department = me.department?.code || me.department;
  return me.role === 'admin' || (me.role === 'viewer' && department === 'emergency');
}

const levelBadge = (e) => h(`span.badge.level-${e.level}`, {}, t(`em.hazard.${e.hazard}`), ' ', t(`em.level.${e.level}`));

export async function emergenciesScreen({ view, me, navigate }) {
  const { items } = await api('/emergencies', { query: { active: 'false' } });
  const list = items.length ? h('ul.emergency-list', {}, items.map((e) => h('li', { dataset: { emergency: e.id } },
    link(`/emergencies/${e.id}`, levelBadge(e), ' ', e.area_name), ' · ',
    t(e.active ? 'em.active' : 'em.inactive'), ' · ', `${t('em.open')} ${e.tasks.open} / ${t('em.done')} ${e.tasks.done}`)))
    : h('p', {}, t('em.none'));
  replace(view, heading(t('em.title')), declares(me) ? declareForm(navigate) : null, list);
}

function declareForm(navigate) {
  const hazard = h('select#em-hazard', { on: { change: () => fillLevels() } },
    Object.keys(LEVELS).map((k) => h('option', { value: k }, t(`em.hazard.${k}`))));
  const level = h('select#em-level', {});
  const area = h('input#em-area', { placeholder: t('em.area.placeholder'), maxlength: '32' });
  const fillLevels = () => replace(level, ...LEVELS[hazard.value].map((l) => h('option', { value: l }, t(`em.level.${l}`))));
  fillLevels();
  const submit = async (event) => {
    event.preventDefault();
    try {
      const done = await api('/emergencies', { method: 'POST', body: {
        hazard: hazard.value, level: level.value, ...(area.value.trim() ? { area: area.value.trim() } : {}) } });
      toast(t('em.declared', { n: done.facilities, tasks: done.tasks }));
      navigate(`/emergencies/${done.id}`);
    } catch (error) { toast(error?.body?.detail || String(error)); }
  };
  return h('form.card.declare', { on: { submit } }, h('h2', {}, t('em.declare')),
    h('label', {}, t('em.hazard'), ' ', hazard), h('label', {}, t('em.level'), ' ', level),
    h('label', {}, t('em.area'), ' ', area), h('button.primary', { type: 'submit', id: 'em-declare' }, t('em.declare')));
}

export async function emergencyScreen({ view, params, me, navigate }) {
  const id = params[0];
  const [grids, forms] = await Promise.all([myGrids(), latestForms()]);
  const kindTitle = (kind) => label(forms.find((f) => f.kind === kind)?.title) || kind;
  const figures = h('div.em-figures');
  const mapBox = h('div.map-frame');
  let map = null;
  const draw = async () => {
    const [body, situation] = await Promise.all([api(`/emergencies/${id}`), api(`/emergencies/${id}/situation`)]);
    replace(figures, ...situationParts(body, kindTitle, me, navigate, draw));
    const points = situation.features.map((f) => ({ lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1],
      className: `task-${stateOf(f.properties)} kind-${f.properties.kind}`,
      title: `${f.properties.name || ''} · ${kindTitle(f.properties.kind)} · ${t(`em.legend.${stateOf(f.properties)}`)}` }));
    const shelters = body.shelters.map((s) => ({ lon: s.geometry.coordinates[0], lat: s.geometry.coordinates[1],
      className: 'shelter', title: `${s.name} · ${t('em.capacity')} ${s.capacity ?? '—'} · ${t('em.sheltered')} ${s.sheltered ?? '—'}` }));
    const options = { points: [...shelters, ...points], ariaLabel: t('em.map') };
    if (map) map.update(options);
    else {
      const concerned = new Set(situation.features.map((f) => f.properties.grid));
      const fit = grids.features.filter((g) => concerned.has(g.id ?? g.properties?.code));
      map = await gridMap(mapBox, grids.features, { ...options, fit: fit.length ? fit : grids.features });
    }
    view.dataset.done = String(body.tasks.done);
  };
  replace(view, h('p', {}, link('/emergencies', t('em.back'))), figures, h('h2', {}, t('em.map')), legend(), mapBox);
  await draw();
  const timer = setInterval(() => draw().catch(() => {}), REFRESH_MS);
  return () => clearInterval(timer);
}

function stateOf(p) {
  if (p.state === 'open') return p.overdue ? 'overdue' : 'open';
  return p.result === 'hazard' ? 'hazard' : 'done';
}

function legend() {
  return h('div.em-legend', {}, ['open', 'overdue', 'done', 'hazard'].map((s) =>
    h('span', {}, h(`span.dot.task-${s}`, {}), ' ', t(`em.legend.${s}`))));
}

function situationParts(body, kindTitle, me, navigate, redraw) {
  const counts = h('dl.em-counts', {}, [['facilities', body.facilities], ['open', body.tasks.open],
    ['done', body.tasks.done], ['overdue', body.overdue], ['evacuated', body.evacuated]].map(([k, v]) =>
    h('div', { dataset: { count: k } }, h('dt', {}, t(`em.${k}`)), h('dd', {}, String(v)))));
  const classes = h('table.em-classes.data', {}, h('thead', {}, h('tr', {}, h('th', {}, t('em.class')),
    h('th', {}, t('em.open')), h('th', {}, t('em.done')), h('th', {}, t('em.closed')))),
  h('tbody', {}, Object.entries(body.by_class).map(([k, c]) => h('tr', { dataset: { kind: k } },
    h('td', {}, kindTitle(k)), h('td.num', {}, String(c.open)), h('td.num', {}, String(c.done)), h('td.num', {}, String(c.closed))))));
  const shelters = h('table.em-shelters.data', {}, h('thead', {}, h('tr', {}, h('th', {}, t('em.shelters')),
    h('th', {}, t('em.grid')), h('th', {}, t('em.capacity')), h('th', {}, t('em.sheltered')))),
  h('tbody', {}, body.shelters.map((s) => h('tr', {}, h('td', {}, s.name || ''), h('td', {}, s.grid),
    h('td.num', {}, String(s.capacity ?? '—')), h('td.num', {}, String(s.sheltered ?? '—'))))));
  return [heading([levelBadge(body), ' ', body.area_name], link(`/emergencies/${body.id}/summary`, t('em.summary')),
    body.active && declares(me) ? controls(body, navigate, redraw) : null),
  h('p.sub', {}, t('em.declared_at', { time: formatTime(body.declared_at), who: body.declared_by || '' }),
    body.active ? '' : ` · ${t('em.inactive')}`),
  counts, h('h2', {}, t('em.by_class')), classes, h('h2', {}, t('em.shelters')), shelters];
}

function controls(body, navigate, redraw) {
  const level = h('select#em-new-level', { 'aria-label': t('em.level') }, LEVELS[body.hazard].map((l) =>
    h('option', { value: l, selected: l === body.level }, t(`em.level.${l}`))));
  const change = async () => {
    try {
      const done = await api(`/emergencies/${body.id}/level`, { method: 'POST', body: { level: level.value } });
      toast(t('em.changed', { tasks: done.tasks, ext: done.tasks_extended }));
      await redraw();
    } catch (error) { toast(error?.body?.detail || String(error)); }
  };
  const standDown = async () => {
    if (!window.confirm(t('em.confirm_stand_down'))) return;
    await api(`/emergencies/${body.id}/stand-down`, { method: 'POST' });
    toast(t('em.stood_down'));
    await redraw();
  };
  return h('span.em-controls', {}, level, h('button', { type: 'button', id: 'em-change', on: { click: change } }, t('em.change')),
    h('button.secondary', { type: 'button', id: 'em-stand-down', on: { click: standDown } }, t('em.stand_down')));
}

export async function summaryScreen({ view, params }) {
  const [body, forms] = await Promise.all([api(`/emergencies/${params[0]}/summary`), latestForms()]);
  const kindTitle = (kind) => label(forms.find((f) => f.kind === kind)?.title) || kind;
  const plan = h('table.em-plan.data', {}, h('thead', {}, h('tr', {}, h('th', {}, t('em.class')),
    h('th', {}, t('em.actions')), h('th', {}, t('em.departments')), h('th', {}, t('em.open')), h('th', {}, t('em.done')))),
  h('tbody', {}, Object.entries(body.plan.classes).map(([k, a]) => h('tr', {}, h('td', {}, kindTitle(k)),
    h('td', {}, a.actions.map((x) => t(`em.action.${x}`)).join('、')), h('td', {}, a.departments.join('、')),
    h('td.num', {}, String(body.by_class[k]?.open ?? 0)), h('td.num', {}, String(body.by_class[k]?.done ?? 0))))));
  const streets = h('table.em-streets.data', {}, h('thead', {}, h('tr', {}, h('th', {}, t('em.street')),
    h('th', {}, t('em.open')), h('th', {}, t('em.done')))), h('tbody', {}, body.streets.map((s) => h('tr', {},
    h('td', {}, s.name || s.street || ''), h('td.num', {}, String(s.open)), h('td.num', {}, String(s.done))))));
  const late = body.grids.filter((g) => g.open);
  const grids = h('table.em-late.data', {}, h('thead', {}, h('tr', {}, h('th', {}, t('em.grid')),
    h('th', {}, t('em.open')), h('th', {}, t('em.not_reported')))), h('tbody', {}, late.map((g) =>
    h('tr', { dataset: { grid: g.grid } }, h('td', {}, `${g.grid} ${g.name}`), h('td.num', {}, String(g.open)),
      h('td', {}, g.not_reported.join('、'))))));
  replace(view, h('div.summary', {},
    heading([label(body.plan.title), ' · ', t(`em.hazard.${body.hazard}`), t(`em.level.${body.level}`), ' · ', body.area_name],
      h('button.secondary.no-print', { type: 'button', on: { click: () => window.print() } }, t('em.print'))),
    h('p', {}, t('em.declared_at', { time: formatTime(body.declared_at), who: body.declared_by || '' })),
    h('p', {}, `${t('em.facilities')} ${body.facilities} · ${t('em.open')} ${body.tasks.open} · ${t('em.done')} ${body.tasks.done}`
      + ` · ${t('em.overdue')} ${body.overdue} · ${t('em.evacuated')} ${body.evacuated}`),
    h('h2', {}, t('em.plan')), plan, h('h2', {}, t('em.streets')), streets,
    h('h2', {}, t('em.not_reported')), grids,
    h('h2', {}, t('em.notices')), h('ul', {}, body.notices.map((n) => h('li', {},
      `${formatTime(n.at)} ${n.department_name || n.department} · ${t(`em.notice.${n.kind}`)} ${t(`em.level.${n.level}`)}`)))));
}
