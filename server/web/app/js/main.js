// The collector's app: shell, routes (#/map, #/records, #/record/ID, #/new/FORM, #/edit/ID,
// #/outbox, #/tasks, #/verify/EVENT), service worker registration and when to sync.

import { currentAuth, SignInNeeded, signOut } from "./api.js";
import { getMeta } from "./db.js";
import { definitionOf, latestForms } from "./forms.js";
import { label, language, setLanguage, t } from "./i18n.js";
import { getRecord, shownForm } from "./records.js";
import { NotACollector, onSync, outboxCounts, syncNow } from "./sync.js";
import { openAccount } from "./ui/account.js";
import { h, hideToast } from "./ui/dom.js";
import { renderForm } from "./ui/form.js";
import { renderList } from "./ui/list.js";
import { renderLogin } from "./ui/login.js";
import { renderMap } from "./ui/map-screen.js";
import { renderOutbox } from "./ui/outbox.js";
import { renderRecord } from "./ui/record-view.js";
import { renderStatus } from "./ui/status-bar.js";
import { renderChecks } from "./ui/checks.js"; // warning checks (issue 20)
import { CHECK_FORM, checkOf } from "./checks.js";
import { keepTilePackFresh, refreshTilePack } from "./tile-pack.js";
import { renderTasks, renderVerification, TASK_KINDS } from "./ui/tasks.js"; // events (issue 16)

const AUTO_SYNC_MS = 60_000;
const root = document.getElementById("app");
let view = null;
let status = null;
let statusLine = null;
let lastEvent = null;
let cleanup = null;
let editing = false;
let selfUpdating = false; // the map screen redraws its own layers after a sync

const TABS = [["map", "tab_map", "◇"], ["records", "tab_records", "☰"], ["new", "tab_new", "＋"],
  ["tasks", "tab_tasks", "✓"], ["outbox", "tab_outbox", "⇅"]];

function shell() {
  status = h("div.status");
  statusLine = h("div.status-line", { id: "sync-status", role: "status", "aria-live": "polite" });
  view = h("main.view", { id: "view" });
  const nav = h("nav.tabs", { "aria-label": t("menu") }, TABS.map(([route, key, icon]) =>
    h("a.tab", { href: `#/${route}`, dataset: { route } }, h("span.icon", { "aria-hidden": "true" }, icon),
      h("span", {}, t(key)))));
  root.replaceChildren(
    h("header.top", {},
      h("div.top-row", {}, h("div.brand", {}, t("brand")), status,
        h("button.menu", { type: "button", id: "menu", "aria-label": t("account"),
          onclick: () => openAccount({ onLanguage: switchLanguage, onSignedOut: (note) => signInScreen(false, note) }) },
        "☰")),
      statusLine),
    view, nav);
}

function switchLanguage() {
  setLanguage(language() === "zh" ? "en" : "zh");
  shell();
  route();
  refreshStatus(lastEvent);
}

async function refreshStatus(event = null) {
  if (status) await renderStatus(status, statusLine, event);
}

async function route() {
  cleanup?.();
  cleanup = null;
  editing = false;
  selfUpdating = false;
  hideToast();
  // Each route renders into its own element: a slower, older route finishing late then
  // writes into a detached element instead of over the current screen.
  const screen = h("div.screen");
  view.replaceChildren(screen);
  view.scrollTop = 0;
  const [name, arg] = location.hash.replace(/^#\/?/, "").split("/");
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.route === (name || "map"));
  const go = (path) => { location.hash = path; };
  switch (name) {
    case "records": {
      const stop = await renderList(screen, { onOpen: (id) => go(`#/record/${id}`) });
      if (screen.isConnected) cleanup = stop;
      else stop();
      return undefined;
    }
    case "record":
      return renderRecord(screen, { id: arg, onEdit: (id) => go(`#/edit/${id}`) });
    case "new":
      return arg ? openForm(screen, { formId: arg }) : chooseForm(screen);
    case "edit":
      return openForm(screen, { recordId: arg });
    case "check":
      return openCheck(screen, arg);
    case "outbox":
      return renderOutbox(screen, { onFix: (id) => go(`#/edit/${id}`), onOpen: (id) => go(`#/record/${id}`) });
    case "tasks": { // warning checks (issue 20), then events waiting for my verification (16)
      const [checks, events] = [h("div.checks-box"), h("div.events-box")];
      screen.replaceChildren(checks, events);
      await renderChecks(checks, { onCheck: (id) => go(`#/check/${id}`) });
      return renderTasks(events, { onVerify: (id) => go(`#/verify/${id}`) });
    }
    case "verify": {
      editing = true;
      const stop = await renderVerification(screen, { eventId: arg, onSaved: () => {
        editing = false;
        location.hash = "#/tasks";
        refreshStatus();
        if (navigator.onLine) syncNow().catch(() => {});
      } });
      if (screen.isConnected) cleanup = stop;
      else stop();
      return;
    }
    default: {
      const stop = await renderMap(screen, { onRecord: (id) => go(`#/record/${id}`) });
      if (screen.isConnected) {
        cleanup = stop;
        selfUpdating = true;
      } else stop();
    }
  }
}

async function chooseForm(screen) {
  const forms = (await latestForms()).filter((f) => !TASK_KINDS.has(f.kind) && f.id !== CHECK_FORM); // from a task only
  screen.replaceChildren(h("div.choose", {}, h("h2", {}, t("choose_form")),
    forms.map((f) => h("a.form-choice", { href: `#/new/${f.id}`, dataset: { form: f.id } },
      h("span.kind-dot", { class: `kind-dot kind-${f.kind}` }), h("span", {}, label(f.title))))));
}

async function openForm(screen, { formId = null, recordId = null }) {
  const forms = await latestForms();
  const record = recordId ? await getRecord(recordId) : null;
  let definition = forms.find((f) => f.id === formId);
  if (record) {
    const shown = shownForm(record);
    definition = forms.find((f) => f.kind === record.kind) || await definitionOf(shown.id, shown.version);
  }
  if (!definition || !screen.isConnected) return chooseForm(screen);
  editing = true;
  const stop = await renderForm(screen, { definition, record, serverErrors: record?.state === "rejected" ? record.errors || [] : [],
    onSaved: (saved) => {
      editing = false;
      location.hash = `#/record/${saved.id}`;
      refreshStatus();
      if (navigator.onLine) syncNow().catch(() => {});
    } });
  if (screen.isConnected) cleanup = stop;
  else stop();
}

// A warning check: the check form with its task given, the facility and what to do above it.
async function openCheck(screen, taskId) {
  const [task, forms] = [await checkOf(taskId), await latestForms()];
  const definition = forms.find((f) => f.id === CHECK_FORM);
  if (!task || !definition || !screen.isConnected) {
    location.hash = "#/tasks";
    return;
  }
  editing = true;
  const heading = h("div.card.check-task", {}, h("strong", {}, task.facility.data?.name || ""),
    h("div.subtle", {}, task.actions.map((a) => t(`action_${a}`)).join("、")));
  const stop = await renderForm(screen, { definition, preset: { task: task.id }, heading,
    onSaved: () => {
      editing = false;
      location.hash = "#/tasks";
      refreshStatus();
      if (navigator.onLine) syncNow().catch(() => {});
    } });
  if (screen.isConnected) cleanup = stop;
  else stop();
}

async function signInScreen(again = false, note = null, refusedRole = null) {
  const auth = await currentAuth();
  status = null;
  root.replaceChildren(h("main.view.login-view"));
  renderLogin(root.firstChild, { again, note, refusedRole, username: auth?.username || "", onDone: start });
}

async function start() {
  const me = await getMeta("me");
  if (me?.role && me.role !== "collector") { // a sign-in from before the app checked the role
    await signOut();
    return signInScreen(false, null, me.role);
  }
  shell();
  await refreshStatus();
  if (!location.hash) location.hash = "#/map";
  route();
  syncNow().catch(() => {}); // the first sign-in downloads the forms, grids and records
  refreshTilePack().catch(() => {}); // finish a map pack an earlier session left half done
}

onSync(async (event) => {
  if (event.phase === "reference") return; // the map screen listens for it itself
  if (event.phase !== "progress") {
    document.body.dataset.sync = { start: "running", done: "done", failed: "failed" }[event.phase];
    lastEvent = event;
  }
  if (event.phase === "done") document.body.dataset.syncs = Number(document.body.dataset.syncs || 0) + 1;
  await refreshStatus(lastEvent);
  if (event.phase === "failed" && event.error instanceof SignInNeeded) return signInScreen(true);
  if (event.phase === "failed" && event.error instanceof NotACollector) {
    await signOut();
    return signInScreen(false, null, event.error.message);
  }
  if (event.phase === "done" && !editing && !selfUpdating) route();
});
keepTilePackFresh();
window.addEventListener("hashchange", () => { if (status) route(); });
window.addEventListener("online", () => {
  if (!status) return; // signed out: nothing to sync
  refreshStatus();
  syncNow().catch(() => {});
});
window.addEventListener("offline", () => refreshStatus());
setInterval(async () => {
  if (navigator.onLine && status && (await outboxCounts()).pending) syncNow().catch(() => {});
}, AUTO_SYNC_MS);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => {});
}

(async () => {
  const auth = await currentAuth();
  if (!auth?.refresh_token) return signInScreen(Boolean(auth));
  start();
})();
