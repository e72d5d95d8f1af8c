// One conflict: who holds it, the three sides, the map for a location conflict, the decision.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatClock, formatTime, t } from '../i18n.js';
import { formDefinition } from '../forms.js';
import { errorBox, heading, kindBadge, link, loading } from '../ui.js';
import { comparison } from './compare.js';
import { isLocationConflict, locationPanel } from './location.js';

export async function conflictScreen({ view, params, me }) {
  const id = Number(params[0]);
  const state = { detail: await api(`/conflicts/${id}`), notice: null, chosen: new Map() };
  const rerender = async () => {
    const def = await formDefinition(state.detail.submission.form, state.detail.submission.form_version);
    state.makers = await makers(state.detail);
    if (state.map === undefined) state.map = isLocationConflict(state.detail) ? await locationPanel(state.detail) : null;
    replace(view, ...screen(state, def, state.map, me, act));
  };
  // Every action answers with the conflict as it is now, or a problem that explains why not.
  const act = async (action) => {
    for (const button of view.querySelectorAll('button')) button.disabled = true; // no double submit
    try {
      state.notice = await action();
    } catch (error) {
      state.notice = { error };
      if (error.status === 409 || error.status === 404) {
        state.detail = await api(`/conflicts/${id}`).catch(() => state.detail);
      }
    }
    await rerender();
  };
  act.claim = () => act(async () => { state.detail = await api(`/conflicts/${id}/claim`, { method: 'POST' }); return null; });
  act.release = () => act(async () => { state.detail = await api(`/conflicts/${id}/release`, { method: 'POST' }); return null; });
  act.resolve = (body) => act(async () => {
    state.draft = body; // the note survives a refusal
    try {
      const outcome = await api(`/conflicts/${id}/resolve`, { method: 'POST', body });
      state.detail = await api(`/conflicts/${id}`);
      state.draft = null;
      return { outcome };
    } catch (error) {
      if (error.status === 422) state.fieldErrors = error.body.errors || [];
      throw error;
    }
  });
  replace(view, loading());
  await rerender();
}

function screen(state, def, map, me, act) {
  const { detail } = state;
  const open = detail.status === 'open';
  const now = new Date();
  const held = detail.claimed_by && detail.claim_expires_at && new Date(detail.claim_expires_at) > now;
  const mine = open && held && detail.claimed_by === me.username;
  const table = comparison(detail, def, { choosing: mine && Boolean(detail.current), chosen: state.chosen,
    makers: state.makers });
  const unplaced = state.fieldErrors ? table.showErrors(state.fieldErrors) : [];
  state.fieldErrors = null;
  return [
    heading([t('conflict.title', { id: detail.id }), ' ', kindBadge(detail.kind)], link('/review', t('conflict.back'))),
    h('p.explain', {}, t(`kind.${detail.kind}.explain`)),
    facts(detail),
    claimBar(detail, held, mine, act),
    notice(state.notice, unplaced),
    map,
    h('section.panel', { 'aria-label': t('compare.title') }, h('h2', {}, t('compare.title')),
      h('p.legend', {}, h('span.key.differs', {}), t('compare.legend.differs'), h('span.key.conflicting', {}), t('compare.legend.conflicting')),
      table.element),
    open ? decision(detail, mine, held, table, act, state.draft) : resolved(detail),
  ];
}

/** Who made each version of the record (version -> name), to say who made the current side. */
async function makers(detail) {
  if (!detail.record || !detail.current) return new Map();
  try {
    const { versions } = await api(`/records/${detail.record.id}/history`);
    return new Map(versions.map((v) => [v.version, v.made_by_name || v.made_by]));
  } catch { return new Map(); }
}

function facts(detail) {
  const s = detail.submission;
  const item = (key, value) => h('div', {}, h('dt', {}, t(key)), h('dd', {}, value ?? '—'));
  return h('dl.facts.inline', {},
    item('conflict.grid', detail.grid ? link(`/grids/${detail.grid}`, detail.grid) : null),
    item('conflict.collector', detail.collector_name ? `${detail.collector_name}（${detail.collector}）` : detail.collector),
    item('conflict.form', `${s.form} v${s.form_version}`),
    item('conflict.captured', formatTime(s.captured_at)),
    item('conflict.received', formatTime(s.received_at)),
    item('conflict.record', detail.record ? link(`/records/${detail.record.id}`, `${detail.record.key} · v${detail.record.version}`)
      : t('conflict.new_record')));
}

function claimBar(detail, held, mine, act) {
  if (detail.status !== 'open') return null;
  if (mine) {
    return h('div.claim.mine', { role: 'status' }, t('claim.mine', { until: formatClock(detail.claim_expires_at) }),
      h('button.secondary', { type: 'button', on: { click: act.release } }, t('claim.release')));
  }
  if (held) {
    return h('div.claim.held', { role: 'status' },
      t('claim.held', { who: detail.claimed_by_name || detail.claimed_by, user: detail.claimed_by,
        until: formatClock(detail.claim_expires_at) }));
  }
  return h('div.claim.free', {}, t('claim.free'),
    h('button', { type: 'button', on: { click: act.claim } }, t('claim.take')));
}

function notice(note, unplaced) {
  if (!note) return null;
  if (note.outcome) {
    const o = note.outcome;
    return h('div.success', { role: 'status' }, t(`resolved.${o.resolution}`),
      o.record_id ? [' ', link(`/records/${o.record_id}`, t('resolved.see_history'))] : null,
      ' ', link('/review', t('resolved.next')));
  }
  const body = note.error.body || {};
  if (note.error.status === 409 && body.claimed_by) {
    return h('div.error', { role: 'alert' }, t('claim.refused', { who: body.claimed_by_name || body.claimed_by,
      user: body.claimed_by, until: formatClock(body.claim_expires_at) }));
  }
  return h('div', {}, errorBox(note.error), unplaced.length ? h('ul.error', {}, unplaced.map((u) => h('li', {}, u))) : null);
}

function decision(detail, mine, held, table, act, draft) {
  const noteBox = h('textarea', { name: 'note', rows: 2, maxlength: 2000, placeholder: t('decision.note.placeholder'),
    disabled: !mine }, draft?.note || '');
  const resolve = (action) => () => {
    const body = { action, ...(noteBox.value.trim() ? { note: noteBox.value.trim() } : {}) };
    if (action === 'merge') body.data = table.mergedData();
    act.resolve(body);
  };
  const button = (action, cls = '') => h(`button${cls}`, { type: 'button', disabled: !mine, dataset: { action },
    on: { click: resolve(action) } }, t(`decision.${action}`));
  return h('section.panel.decision', { 'aria-label': t('decision.title') }, h('h2', {}, t('decision.title')),
    mine ? null : h('p.sub', {}, t(held ? 'decision.held' : 'decision.claim_first')),
    h('label', {}, t('decision.note'), noteBox),
    // Merging field by field needs two sides; a new registration has only the incoming one.
    h('div.actions', {}, button('accept'), detail.current ? button('merge', '.secondary') : null,
      button('reject', '.danger')),
    h('p.sub', {}, t('decision.help')));
}

function resolved(detail) {
  return h('section.panel.decision', {}, h('h2', {}, t('resolved.title')),
    h('p', {}, t(`resolution.${detail.resolution}`), ' · ', detail.resolved_by, ' · ', formatTime(detail.resolved_at)),
    detail.note ? h('blockquote', {}, detail.note) : null,
    detail.record ? link(`/records/${detail.record.id}`, t('resolved.see_history')) : null);
}
