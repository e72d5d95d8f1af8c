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
import { searchScreen } from './screens/search.js';
import { declares, emergenciesScreen, emergencyScreen, summaryScreen } from './screens/emergencies.js';
import { eventsScreen } from './screens/events.js';
import { eventScreen } from './screens/event.js';
import { performanceScreen } from './screens/performance.js';
import { warningsScreen } from './screens/warnings.js';
import { enterpriseScreen } from './screens/enterprise.js';
import { economyScreen } from './screens/economy.js';

const ROOT = '/console';
const REVIEWER_ROLES = ['supervisor', 'admin'];
const SEARCH_ROLES = ['supervisor', 'admin', 'viewer']; // department staff: search and records
// Events: reviewers, and department staff (viewers of a department) for what is dispatched to them.
const EVENT_ROLES = ['supervisor', 'admin', 'department'];
// [path, screen, section of the top bar, roles allowed]
const ROUTES = [
  [/^\/review$/, queueScreen, 'review', REVIEWER_ROLES],
  [/^\/review\/(\d+)$/, conflictScreen, 'review', REVIEWER_ROLES],
  [/^\/assignments$/, assignmentsScreen, 'assignments', REVIEWER_ROLES],
  [/^\/coverage$/, coverageScreen, 'coverage', REVIEWER_ROLES],
  [/^\/grids\/([^/]+)$/, gridScreen, 'coverage', REVIEWER_ROLES],
  [/^\/records\/([0-9a-fA-F-]{36})$/, recordScreen, 'search', SEARCH_ROLES],
  [/^\/search$/, searchScreen, 'search', SEARCH_ROLES],
  [/^\/events$/, eventsScreen, 'events', EVENT_ROLES],
  [/^\/events\/performance$/, performanceScreen, 'events', EVENT_ROLES],
  [/^\/events\/([0-9a-fA-F-]{36})$/, eventScreen, 'events', EVENT_ROLES],
  [/^\/warnings$/, warningsScreen, 'warnings', SEARCH_ROLES],
  [/^\/warnings\/enterprises\/([0-9A-Z]{18})$/, enterpriseScreen, 'warnings', SEARCH_ROLES],
  [/^\/economy$/, economyScreen, 'economy', SEARCH_ROLES],
  [/^\/emergencies$/, emergenciesScreen, 'emergencies', SEARCH_ROLES],
  [/^\/emergencies\/(\d+)$/, emergencyScreen, 'emergencies', SEARCH_ROLES],
  [/^\/emergencies\/(\d+)\/summary$/, summaryScreen, 'emergencies', SEARCH_ROLES],
];
const isDepartmentStaff = (user) => Boolean(user?.department) && !REVIEWER_ROLES.includes(user.role);
const allowed = (user, roles) => roles.includes(user.role) ||
  (roles.includes('department') && isDepartmentStaff(user));
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

/** Where an account starts: the review queue for reviewers, the search for department staff. */
function home() {
  return me && !REVIEWER_ROLES.includes(me.role) ? '/search' : '/review';
}

async function render() {
  if (cleanup) { cleanup(); cleanup = null; }
  document.querySelector('.toast')?.remove(); // a message belongs to the page it was said on
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
  const [match, screen, section, roles] = ROUTES.map(([re, s, n, r]) => [path.match(re), s, n, r])
    .find(([m]) => m) || [null, null, null, null];
  replace(app, topBar(section), view);
  if (!SEARCH_ROLES.includes(me.role)) { replace(view, h('div.error', {}, t('role.not_reviewer'))); return; }
  if (!screen) { replace(view, h('p', {}, t('not_found'))); return; }
  if (!allowed(me, roles)) {
    if (path === '/review') { navigate(home(), { replace: true }); return; } // the default after sign-in
    replace(view, h('div.error', {}, t('role.not_allowed'), ' ', h('a', { href: `${ROOT}${home()}` }, t('nav.search'))));
    return;
  }
  const params = match.slice(1).map(decodeURIComponent);
  const query = Object.fromEntries(new URLSearchParams(location.search));
  try {
    cleanup = await screen({ view, params, query, me, navigate }) || null;
  } catch (error) {
    replace(view, errorBox(error));
  }
}

function nextAfterLogin() {
  const wanted = sessionStorage.getItem('zhiwang.console.next');
  sessionStorage.removeItem('zhiwang.console.next');
  return wanted && wanted !== '/login' ? wanted : '/';
}

function topBar(section) {
  const tab = (name, path) => h('a', { href: ROOT + path, class: section === name ? 'active' : '',
    'aria-current': section === name ? 'page' : null }, t(`nav.${name}`));
  const reviewer = REVIEWER_ROLES.includes(me.role);
  const department = me.department?.name || me.department?.code || (typeof me.department === 'string' ? me.department : null);
  return h('header.topbar', {},
    h('a.brand', { href: `${ROOT}${home()}` }, h('strong', {}, t('app.name')), h('span', {}, t('app.subtitle'))),
    h('nav', { 'aria-label': t('nav.label') }, reviewer ? [tab('review', '/review'),
      tab('assignments', '/assignments'), tab('coverage', '/coverage')] : null,
      reviewer || isDepartmentStaff(me) ? tab('events', '/events') : null, tab('search', '/search'),
      me.decision_support ? [tab('warnings', '/warnings'), tab('economy', '/economy')] : null,
      reviewer || declares(me) ? tab('emergencies', '/emergencies') : null),
    h('div.account', {},
      department ? h('span.department', {}, t('department', { name: department })) : null,
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
