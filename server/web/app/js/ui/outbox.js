// The outbox: every capture made on this phone and where it stands with the server.

import { definitionOf, fieldLabel, recordTitle } from "../forms.js";
import { errorText, label, t, when } from "../i18n.js";
import { outboxItems } from "../records.js";
import { outboxCounts, syncNow } from "../sync.js";
import { h } from "./dom.js";
import { keptPhotos, onPhotoProgress } from "../photos.js"; // issue 17
import { photoProgressLine } from "./photos.js"; // issue 17

/** Render the outbox; onFix(recordId) opens a returned item's form. */
export async function renderOutbox(root, { onFix, onOpen }) {
  const items = (await outboxItems()).reverse();
  const forms = await Promise.all([...new Set(items.map((i) => `${i.form}@${i.form_version}`))]
    .map((key) => definitionOf(key.split("@")[0], Number(key.split("@")[1]))));
  const counts = await outboxCounts();
  const kept = await keptPhotos(); // issue 17: photo upload progress per item
  const rows = items.map((item) => {
    const form = forms.find((f) => f?.id === item.form && f.version === item.form_version);
    return h("li.outbox-item", { dataset: { id: item.id, state: item.state, record: item.record_id } },
      h("button.row", { type: "button", onclick: () => onOpen(item.record_id) },
        h("span.row-main", {},
          h("span.row-title", {}, `${t(`op_${item.op}`)} · ${recordTitle(item.data)}`),
          h("span.row-sub", {}, [form ? label(form.title) : item.form, when(item.captured_at),
            item.version ? t("record_version", { v: item.version }) : null].filter(Boolean).join(" · "))),
        h(`span.badge.state-${item.state}`, {}, t(`state_${item.state}`))),
      photoProgressLine(item, kept), // issue 17
      item.state === "rejected" ? h("div.item-errors", {},
        h("ul", {}, (item.errors || []).map((e) => h("li", {}, `${fieldLabel(form, e.field, label)}: ${errorText(e)}`))),
        h("button.small.primary", { type: "button", onclick: () => onFix(item.record_id) }, t("fix"))) : null);
  });
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
    h("div.outbox-head", {}, h("div.subtle", {}, t("outbox_summary", counts)),
      h("button.primary.small", { type: "button", id: "sync-now",
        onclick: () => syncNow().catch(() => {}) }, t("sync"))),
    h("ul.outbox", {}, rows.length ? rows : h("li.empty", {}, t("outbox_empty")))));
}
