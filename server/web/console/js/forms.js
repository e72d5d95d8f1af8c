// Form definitions drive how record data is shown: field order, labels, choice labels.
import { api } from './api.js';
import { label, t } from './i18n.js';
import { photoStrip } from './photos.js'; // issue 17

const definitions = new Map();

/** One immutable form version (cached: published versions never change). */
export function formDefinition(id, version) {
  const key = `${id}@${version}`;
  if (!definitions.has(key)) {
    const loading = api(`/forms/${encodeURIComponent(id)}/versions/${version}`)
      .catch((error) => { definitions.delete(key); throw error; });
    definitions.set(key, loading);
  }
  return definitions.get(key);
}

function field(def, name) {
  return def?.fields?.find((f) => f.name === name);
}

/** A field's label in the current language (its name when the form does not know it). */
export function fieldLabel(def, name) {
  const f = field(def, name);
  return f ? label(f.label) : name;
}

/** The fields to show for some data sets: the form's order first, then anything else. */
export function fieldOrder(def, ...datas) {
  const present = new Set(datas.flatMap((d) => Object.keys(d || {})));
  const ordered = (def?.fields || []).map((f) => f.name).filter((n) => present.has(n));
  return [...ordered, ...[...present].filter((n) => !ordered.includes(n)).sort()];
}

function choiceLabel(def, f, value) {
  const list = typeof f.choices === 'string' ? def.choice_lists?.[f.choices] : f.choices;
  const choice = (list || []).find((c) => c.value === value);
  return choice ? label(choice.label) : value;
}

/** A value as a reader sees it: choice labels instead of codes, lists joined. */
export function showValue(def, name, value) {
  if (value === undefined || value === null || value === '' ||
      (Array.isArray(value) && value.length === 0)) return '';
  const f = field(def, name);
  if (f?.type === 'photo' && Array.isArray(value)) return photoStrip(value); // issue 17: thumbnails
  if (f && (f.type === 'select_one' || f.type === 'select_multiple')) {
    const values = Array.isArray(value) ? value : [value];
    return values.map((v) => choiceLabel(def, f, v)).join(t('list.separator'));
  }
  return Array.isArray(value) ? value.join(t('list.separator')) : String(value);
}

/** Whether two field values are the same (lists compared in order, empty equals absent). */
export function sameValue(a, b) {
  const norm = (v) => (v === undefined || v === null || v === '' ||
    (Array.isArray(v) && v.length === 0) ? null : JSON.stringify(v));
  return norm(a) === norm(b);
}
