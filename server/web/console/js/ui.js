// Small shared pieces of the screens: headings, errors, toasts, badges, loading states.
import { h } from './dom.js';
import { t } from './i18n.js';

/** A link inside the console (handled by the router, a real href for new tabs). */
export function link(path, ...children) {
  return h('a', { href: `/console${path}` }, ...children);
}

/** A screen's heading row with optional actions on the right. */
export function heading(title, ...actions) {
  return h('div.heading', {}, h('h1', {}, title), h('div.heading-actions', {}, ...actions));
}

export function loading() {
  return h('p.loading', { role: 'status' }, t('loading'));
}

/** An error as a readable message (problem+json detail when there is one). */
export function errorBox(error) {
  const detail = error?.body?.detail || error?.message || String(error);
  return h('div.error', { role: 'alert' }, detail);
}

let toastTimer = null;

/** A short message at the bottom of the screen, with an optional action button. */
export function toast(message, action) {
  document.querySelector('.toast')?.remove();
  const box = h('div.toast', { role: 'status' }, h('span', {}, message),
    action ? h('button.link', { type: 'button', on: { click: () => { box.remove(); action.run(); } } },
      action.label) : null);
  document.body.append(box);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.remove(), 8000);
}

/** The kind of a conflict as a coloured badge. */
export function kindBadge(kind) {
  return h(`span.badge.kind-${kind}`, {}, t(`kind.${kind}`));
}

/** A table with clickable, sortable headers: columns [{key, title, value(row), render(row)}]. */
export function sortableTable(rows, columns, { sortKey, ascending = true, onSort, rowProps } = {}) {
  const column = columns.find((c) => c.key === sortKey) || columns[0];
  const value = column.value || ((row) => row[column.key]);
  const sorted = [...rows].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    const order = x === y ? 0 : x === null || x === undefined ? 1 : y === null || y === undefined ? -1
      : x < y ? -1 : 1;
    return ascending || x === null || y === null ? order : -order;
  });
  const header = h('tr', {}, columns.map((c) => h('th', {
    scope: 'col', class: c.className || '', 'aria-sort': c === column ? (ascending ? 'ascending' : 'descending') : 'none',
  }, h('button.sort', { type: 'button', dataset: { key: c.key },
    on: { click: () => onSort(c.key, c === column ? !ascending : true) } },
  c.title, c === column ? (ascending ? ' ▲' : ' ▼') : ''))));
  const body = sorted.map((row) => h('tr', rowProps ? rowProps(row) : {},
    columns.map((c) => h('td', { class: c.className || '' }, c.render ? c.render(row) : (c.value || ((r) => r[c.key]))(row)))));
  return h('div.table-wrap', {}, h('table.data', {}, h('thead', {}, header), h('tbody', {}, body)));
}
