// Base, current and incoming side by side, changed fields highlighted, a choice per field to merge.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { fieldLabel, fieldOrder, sameValue, showValue } from '../forms.js';

/**
 * The comparison table of a conflict. Returns {element, mergedData(), showErrors(errors)}.
 * With `choosing`, every field where current and incoming differ gets a current/incoming choice,
 * preset to the side that changed it since the base (the incoming side when there is no base);
 * `chosen` (field → side) holds the choices made so far.
 */
export function comparison(detail, def, { choosing, chosen = new Map(), makers = new Map() }) {
  const base = detail.base?.data ?? null;
  const current = detail.current?.data ?? null;
  const incoming = detail.incoming?.data ?? {};
  const conflicting = new Set(detail.changed_fields || []);
  const names = fieldOrder(def, base, current, incoming);
  const sides = [['base', base], ['current', current], ['incoming', incoming]].filter(([, d]) => d !== null);
  const choices = chosen; // kept by the caller, so choices survive a re-render (e.g. after a 422)
  const errorCells = new Map();

  const cell = (side, data, name) => {
    const value = data?.[name];
    const reference = side === 'base' ? null : (base ?? (side === 'incoming' ? current : null));
    const differs = reference !== null && !sameValue(reference?.[name], value);
    return h('td', { class: `side-${side}${differs ? ' differs' : ''}`, dataset: { side } },
      showValue(def, name, value) || h('span.none', {}, '—'));
  };

  const choiceCell = (name) => {
    if (!current || sameValue(current[name], incoming[name])) return h('td.choice', {}, h('span.sub', {}, t('compare.same')));
    const preset = choices.get(name) ?? (base && sameValue(base[name], incoming[name]) ? 'current' : 'incoming');
    choices.set(name, preset);
    const radio = (side) => h('label.radio', {}, h('input', {
      type: 'radio', name: `keep-${name}`, value: side, checked: preset === side,
      on: { change: () => choices.set(name, side) } }), t(`compare.${side}`));
    const error = h('div.field-error', { role: 'alert', hidden: true });
    errorCells.set(name, error);
    return h('td.choice', {}, radio('current'), radio('incoming'), error);
  };

  const rows = names.map((name) => h('tr', {
    class: conflicting.has(name) ? 'conflicting' : '', dataset: { field: name } },
  h('th', { scope: 'row' }, fieldLabel(def, name), conflicting.has(name) ? h('span.flag', { title: t('compare.conflicting') }, ' ●') : null,
    h('div.sub', {}, name)),
  sides.map(([side, data]) => cell(side, data, name)),
  choosing ? choiceCell(name) : null));

  const head = h('tr', {}, h('th', { scope: 'col' }, t('compare.field')),
    sides.map(([side]) => h('th', { scope: 'col', class: `side-${side}` }, sideTitle(side, detail, makers))),
    choosing ? h('th', { scope: 'col' }, t('compare.keep')) : null);
  const element = h('div.table-wrap', {}, h('table.data.compare', {}, h('thead', {}, head), h('tbody', {}, rows)));

  return {
    element,
    /** The full field values to store for a merge. */
    mergedData() {
      const merged = {};
      for (const name of names) {
        const side = choices.get(name) || (current && name in current && !(name in incoming) ? 'current' : 'incoming');
        const value = (side === 'current' ? current : incoming)?.[name];
        if (value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && !value.length)) merged[name] = value;
      }
      return merged;
    },
    /** Show field errors of a 422 ({field: 'data.phone', message}) next to their rows. */
    showErrors(errors) {
      for (const box of errorCells.values()) box.hidden = true;
      const unplaced = [];
      for (const e of errors || []) {
        const name = String(e.field || '').replace(/^data\./, '');
        const box = errorCells.get(name);
        if (box) { box.textContent = e.message; box.hidden = false; } else unplaced.push(`${fieldLabel(def, name)}: ${e.message}`);
      }
      return unplaced;
    },
  };
}

function sideTitle(side, detail, makers) {
  const by = (version) => (makers.get(version) ? h('div.sub.made-by', {}, t('compare.made_by', { who: makers.get(version) })) : null);
  if (side === 'base') return [t('compare.base', { v: detail.base?.version ?? '' }), by(detail.base?.version)];
  if (side === 'current') return [t('compare.current_v', { v: detail.current?.version ?? '' }), by(detail.current?.version)];
  return t('compare.incoming_by', { who: detail.collector_name || detail.collector || '' });
}
