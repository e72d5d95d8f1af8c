// The console's shell: sign-in gate, top bar, language switch and a small history router.
import { api, logout, signedIn } from './api.js';
import { h, replace } from './dom.js';
import { lang, setLang, t } from './i18n.js';
import { errorBox, loading } from './ui.js';
import { loginScreen } from './screens/login.js';
import { queueScreen } from './screens/queue.js';
import { conflictScreen } from './screens/conflict.js';
import { assignmentsScreen } from './screens/assignments.js';
import { coverageScreen } from './screens/coverage.js';
import { gridScreen } from './screens/grid.js';
import { recordScreen } from './screens/record.js';
import { eventsScreen } from './screens/events.js';
import { eventScreen } from './screens/event.js';
import { performanceScreen } from './screens/performance.js';

const ROOT = '/console';
const ROUTES = [
  [/^\/review$/, queueScreen, 'review'],
  [/^\/review\/(\d+)$/, conflictScreen, 'review'],
  [/^\/assignments$/, assignmentsScreen, 'assignments'],
  [/^\/coverage$/, coverageScreen, 'coverage'],
  [/^\/grids\/([^/]+)$/, gridScreen, 'coverage'],
  [/^\/records\/([0-9a-fA-F-]{36})$/, recordScreen, 'coverage'],
  [/^\/events$/, eventsScreen, 'events'],
  [/^\/events\/performance$/, performanceScreen, 'events'],
  [/^\/events\/([0-9a-fA-F-]{36})$/, eventScreen, 'events'],
];
const REVIEWER_ROLES = ['supervisor', 'admin'];
// Department staff (viewers of a department) work the events dispatched to them, nothing else.
const isDepartmentStaff = (user) => Boolean(user?.department) && !REVIEWER_ROLES.includes(user.role);
const app = document.getElementById('app');
let me = null;
let cleanup = null;

/** Go to a console path such as '/review/12' (pushes history unless replace is set). */
export function navigate(path, { replace: replacing = false } = {}) {
  const target = ROOT + path;
  if (replacing) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  render();
}

function currentPath() {
  const path = location.pathname.startsWith(ROOT) ? location.pathname.slice(ROOT.length) : '/';
  return path.replace(/\/+$/, '') || '/';
}

async function render() {
  if (cleanup) { cleanup(); cleanup = null; }
  const path = currentPath();
  if (!signedIn()) {
    me = null;
    if (path !== '/login') history.replaceState(null, '', `${ROOT}/login`);
    replace(app, loginScreen({ onSignedIn: () => navigate(nextAfterLogin(), { replace: true }) }));
    return;
  }
  const view = h('main.view', { id: 'view' }, loading());
  if (!me) {
    replace(app, view);
    try { me = await api('/me'); } catch (error) { replace(view, errorBox(error)); return; }
  }
  if (path === '/login' || path === '/') { navigate(home(), { replace: true }); return; }
  const [match, screen, section] = ROUTES.map(([re, s, n]) => [path.match(re), s, n])
    .find(([m]) => m) || [null, null, null];
  replace(app, topBar(section), view);
  if (!REVIEWER_ROLES.includes(me.role) && !(isDepartmentStaff(me) && section === 'events')) {
    replace(view, h('div.error', {}, t('role.not_reviewer'))); return;
  }
  if (!screen) { replace(view, h('p', {}, t('not_found'))); return; }
  const params = match.slice(1).map(decodeURIComponent);
  const query = Object.fromEntries(new URLSearchParams(location.search));
  try {
    cleanup = await screen({ view, params, query, me, navigate }) || null;
  } catch (error) {
    replace(view, errorBox(error));
  }
}

function home() {
  return isDepartmentStaff(me) ? '/events' : '/review';
}

function nextAfterLogin() {
  const wanted = sessionStorage.getItem('zhiwang.console.next');
  sessionStorage.removeItem('zhiwang.console.next');
  return wanted && wanted !== '/login' ? wanted : '/';
}

function topBar(section) {
  const tab = (name, path) => h('a', { href: ROOT + path, class: section === name ? 'active' : '',
    'aria-current': section === name ? 'page' : null }, t(`nav.${name}`));
  return h('header.topbar', {},
    h('a.brand', { href: `${ROOT}/review` }, h('strong', {}, t('app.name')), h('span', {}, t('app.subtitle'))),
    h('nav', { 'aria-label': t('nav.label') }, isDepartmentStaff(me) ? tab('events', '/events') : [tab('review', '/review'),
      tab('assignments', '/assignments'), tab('coverage', '/coverage'), tab('events', '/events')]),
    h('div.account', {},
      h('span.who', { title: me.username }, me.display_name || me.username),
      h('button.lang', { type: 'button', 'aria-label': t('lang.switch'),
        on: { click: () => setLang(lang() === 'zh' ? 'en' : 'zh') } }, t('lang.other')),
      h('button.secondary', { type: 'button', on: { click: async () => { await logout(); } } },
        t('logout'))));
}

document.addEventListener('click', (event) => {
  const a = event.target.closest('a[href]');
  if (!a || a.target || event.defaultPrevented || event.button !== 0 ||
      event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = a.getAttribute('href');
  if (!href.startsWith(`${ROOT}/`)) return;
  event.preventDefault();
  history.pushState(null, '', href);
  render();
});
window.addEventListener('popstate', render);
window.addEventListener('zhiwang:lang', render);
window.addEventListener('zhiwang:signed-out', () => {
  const path = currentPath();
  if (path !== '/login') sessionStorage.setItem('zhiwang.console.next', path + location.search);
  render();
});
render();
