// The outbox: every capture made on this phone and where it stands with the server. What needs
// the collector (not sent, waiting for review, returned) comes first; the rest is grouped by day,
// with the review's outcome said in words; merged items leave the list after a few days.

import { definitionOf, fieldLabel, recordTitle } from "../forms.js";
import { errorText, label, language, t, when } from "../i18n.js";
import { reviewOutcome, shownState, waitingReason } from "../outcomes.js";
import { getRecord, outboxItems } from "../records.js";
import { titlesOf } from "../search-index.js";
import { outboxCounts, syncNow } from "../sync.js";
import { h } from "./dom.js";
import { keptPhotos, onPhotoProgress } from "../photos.js"; // issue 17
import { photoProgressLine } from "./photos.js"; // issue 17

const ATTENTION = new Set(["pending", "held", "conflict", "rejected"]);
const KEEP_DAYS = 7;

function dayOf(iso) {
  const day = new Date(iso);
  day.setHours(0, 0, 0, 0);
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const days = Math.round((today - day) / 86_400_000);
  if (days === 0) return t("outbox_today");
  if (days === 1) return t("outbox_yesterday");
  return day.toLocaleDateString(language() === "zh" ? "zh-CN" : "en-GB", { month: "long", day: "numeric", weekday: "short" });
}

/** Render the outbox; onFix(recordId) opens a returned item's form, onOpen(recordId) its record. */
export async function renderOutbox(root, { onFix, onOpen }) {
  const items = (await outboxItems()).reverse();
  const forms = await Promise.all([...new Set(items.map((i) => `${i.form}@${i.form_version}`))]
    .map((key) => definitionOf(key.split("@")[0], Number(key.split("@")[1]))));
  const records = new Map(await Promise.all([...new Set(items.map((i) => i.record_id))]
    .map(async (id) => [id, await getRecord(id)])));
  const titles = await titlesOf(items.map((i) => i.result?.reason?.record_id));
  const counts = await outboxCounts();
  const kept = await keptPhotos(); // issue 17: photo upload progress per item
  const row = (item) => {
    const form = forms.find((f) => f?.id === item.form && f.version === item.form_version);
    const record = records.get(item.record_id);
    const state = shownState(item, record);
    const detail = item.state === "conflict" ? waitingReason(item, form, (id) => titles.get(id))
      : reviewOutcome(item, record, form);
    return h("li.outbox-item", { dataset: { id: item.id, state: item.state, shown: state, record: item.record_id } },
      h("button.row", { type: "button", onclick: () => onOpen(item.record_id) },
        h("span.row-main", {},
          h("span.row-title", {}, `${t(`op_${item.op}`)} · ${recordTitle(item.data)}`),
          h("span.row-sub", {}, [form ? label(form.title) : item.form, when(item.captured_at),
            item.version ? t("record_version", { v: item.version }) : null].filter(Boolean).join(" · "))),
        h(`span.badge.state-${state}`, {}, t(`state_${state}`))),
      detail ? h(`p.item-detail.state-${state}`, {}, detail) : null,
      photoProgressLine(item, kept), // issue 17
      item.state === "rejected" ? h("div.item-errors", {},
        h("ul", {}, (item.errors || []).map((e) => h("li", {}, `${fieldLabel(form, e.field, label)}: ${errorText(e)}`))),
        h("button.small.primary", { type: "button", onclick: () => onFix(item.record_id) }, t("fix"))) : null);
  };
  const attention = items.filter((i) => ATTENTION.has(i.state));
  const days = new Map();
  for (const item of items.filter((i) => !ATTENTION.has(i.state))) {
    const day = dayOf(item.decided_at || item.saved_at);
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(item);
  }
  const group = (title, list, className = "") => h(`section.outbox-group${className}`, {},
    h("h2.group-title", {}, title), h("ul.outbox", {}, list.map(row)));
  // Issue 17: live photo progress while this screen is shown.
  const stop = onPhotoProgress(async () => {
    if (!root.isConnected) return stop();
    const now = await keptPhotos();
    for (const item of items) {
      const line = root.querySelector(`.photo-progress[data-item="${item.id}"]`);
      const fresh = photoProgressLine(item, now);
      if (line && fresh) line.replaceWith(fresh);
    }
  });
  root.replaceChildren(h("div.outbox-screen", {},
    h("div.outbox-head", {}, h("div.subtle", { id: "outbox-summary" }, t("outbox_summary", counts)),
      h("button.primary.small", { type: "button", id: "sync-now",
        onclick: () => syncNow().catch(() => {}) }, t("sync"))),
    items.length ? null : h("p.empty", {}, t("outbox_empty")),
    attention.length ? group(t("outbox_attention"), attention, ".attention") : null,
    [...days].map(([day, list]) => group(day, list)),
    items.length ? h("p.subtle.outbox-note", {}, t("outbox_cleared", { days: KEEP_DAYS })) : null));
}
