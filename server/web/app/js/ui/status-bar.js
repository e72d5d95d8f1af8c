// The sync status in the top bar, on screen (a phone shows no tooltips): online or not, the sync
// button with what waits to be sent, and one line saying when the last sync was, how far the
// running one is ("下载中 1200/10186") or why the last one failed, in the app's language.

import { ApiError, OfflineError, SignInNeeded } from "../api.js";
import { getMeta } from "../db.js";
import { language, t, when } from "../i18n.js";
import { NotACollector, outboxCounts, syncNow, syncing, syncProgress } from "../sync.js";
import { h } from "./dom.js";

/** Why a sync failed, for people, in the current language. */
export function syncErrorText(error) {
  if (error instanceof OfflineError) return t("err_offline");
  if (error instanceof SignInNeeded) return t("err_sign_in");
  if (error instanceof NotACollector) return t("err_role");
  if (error instanceof ApiError) {
    if (error.status === 403) return t("err_forbidden");
    if (error.status >= 500 || error.status === 429) return t("err_server", { status: error.status });
    // The server's own words are English: shown only to those who chose English.
    return language() === "en" && error.message ? `${t("err_refused", { status: error.status })}: ${error.message}`
      : t("err_refused", { status: error.status });
  }
  return t("err_app", { message: error?.message || String(error) });
}

/** The line under the top bar: progress, failure or the last sync. */
export async function statusText(event) {
  const progress = syncProgress();
  if (syncing()) {
    if (!progress) return t("syncing");
    if (progress.stage === "upload") return t("sync_progress_up", progress);
    return progress.total ? t("sync_progress_down", progress) : t("sync_progress_down_n", progress);
  }
  if (event?.phase === "failed" && !event.offline) return t("sync_failed", { reason: syncErrorText(event.error) });
  const last = await getMeta("last_sync");
  const note = last ? t("synced_at", { time: when(last) }) : t("never_synced");
  return event?.phase === "failed" ? `${note} · ${t("err_offline")}` : note;
}

/** Fill the status area (pill and sync button) and the status line. */
export async function renderStatus(status, line, event = null) {
  const counts = await outboxCounts();
  const online = navigator.onLine;
  const text = await statusText(event);
  status.replaceChildren(
    h(`span.pill.${online ? "online" : "offline"}`, { id: "net" }, online ? t("online") : t("offline")),
    h("button.sync", { type: "button", id: "sync", disabled: syncing(),
      onclick: () => syncNow().catch(() => {}) },
    syncing() ? t("syncing") : `${t("sync")}${counts.pending ? ` (${counts.pending})` : ""}`));
  line.textContent = text;
  line.classList.toggle("failed", event?.phase === "failed" && !event.offline);
}
