// Chinese by default, English on request; the choice is remembered in this browser.
import { zh as zhBase, en as enBase } from './messages.js';
import { enEmergency, zhEmergency } from './emergency-messages.js';

const zh = { ...zhBase, ...zhEmergency };
const en = { ...enBase, ...enEmergency };
const KEY = 'zhiwang.console.lang';
const TABLES = { zh, en };
let current = localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';

export function lang() { return current; }

/** Switch language; listeners (the shell) re-render. */
export function setLang(next) {
  current = next === 'en' ? 'en' : 'zh';
  localStorage.setItem(KEY, current);
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  window.dispatchEvent(new CustomEvent('zhiwang:lang'));
}

/** The message for key, with {name} placeholders filled from vars. */
export function t(key, vars = {}) {
  const text = TABLES[current][key] ?? zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? ''));
}

/** A {zh, en} label from a form definition, in the current language. */
export function label(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return value[current] || value.zh || value.en || '';
}

const LOCALES = { zh: 'zh-CN', en: 'en-GB' };

/** A timestamp as local date and time. */
export function formatTime(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(LOCALES[current], {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
}

/** Only the clock time (for claim expiries). */
export function formatClock(iso) {
  return iso ? new Date(iso).toLocaleTimeString(LOCALES[current], { hour: '2-digit', minute: '2-digit' }) : '';
}

/** How long ago, in the largest sensible unit. */
export function formatAge(iso, now = Date.now()) {
  if (!iso) return t('never');
  const minutes = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60000));
  if (minutes < 1) return t('age.now');
  if (minutes < 60) return t('age.minutes', { n: minutes });
  const hours = Math.round(minutes / 60);
  if (hours < 48) return t('age.hours', { n: hours });
  return t('age.days', { n: Math.round(hours / 24) });
}

document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
