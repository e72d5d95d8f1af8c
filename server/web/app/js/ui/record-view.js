// One record as the collector sees it: its answers, its version, and what waits for the server.

import { definitionOf, fieldLabel, recordTitle } from "../forms.js";
import { errorText, label, t, when } from "../i18n.js";
import { choicesOf } from "../validate.js";
import { getRecord, itemsOf, shownData, shownForm } from "../records.js";
import { reviewOutcome, waitingReason } from "../outcomes.js";
import { titlesOf } from "../search-index.js";
import { h } from "./dom.js";
import { photoStrip } from "./photos.js"; // issue 17

function shownValue(definition, field, value, titles) {
  if (field.type === "ref") { // the referenced record by its title, not a raw UUID
    return titles.get(value) || t("ref_unknown", { id: String(value).slice(0, 8) });
  }
  if (field.type === "select_one" || field.type === "select_multiple") {
    const choices = choicesOf(definition, field);
    const name = (v) => label(choices.find((c) => c.value === v)?.label) || v;
    return Array.isArray(value) ? value.map(name).join("、") : name(value);
  }
  return String(value);
}

/** Render a record; onEdit(id) for the edit (or fix) button. */
export async function renderRecord(root, { id, onEdit }) {
  const record = await getRecord(id);
  if (!record) {
    root.replaceChildren(h("p.empty", {}, t("not_found")));
    return;
  }
  const { id: formId, version } = shownForm(record);
  const definition = await definitionOf(formId, version);
  const data = shownData(record);
  const state = record.state || "synced";
  const items = await itemsOf(record.id);
  const refs = (definition?.fields || []).filter((f) => f.type === "ref").map((f) => data[f.name]);
  const titles = await titlesOf([...refs, ...items.map((i) => i.result?.reason?.record_id)]);
  const rows = (definition?.fields || []).filter((f) => data[f.name] !== undefined && data[f.name] !== null)
    .map((f) => h("div.kv", {}, h("dt", {}, label(f.label)), h("dd", {}, f.type === "photo" // issue 17
      ? photoStrip(data[f.name], photoStates(record)) : shownValue(definition, f, data[f.name], titles))));
  const notes = [];
  if (state === "rejected") {
    notes.push(h("div.banner.error", {}, t("state_rejected"),
      h("ul", {}, (record.errors || []).map((e) => h("li", {}, `${fieldLabel(definition, e.field, label)}: ${errorText(e)}`)))));
  } else if (state === "waiting") {
    const waiting = items.find((i) => i.state === "conflict");
    const why = waiting ? waitingReason(waiting, definition, (ref) => titles.get(ref)) : null;
    notes.push(h("div.banner.waiting", {}, t("waiting_review"), why ? h("div.why", {}, why) : null));
  } else if (record.local) {
    notes.push(h("div.banner", {}, t("local_changes")));
  }
  const reviewed = [...items].reverse().find((i) => i.conflict_id && i.state !== "conflict");
  const outcome = reviewed ? reviewOutcome(reviewed, record, definition) : null;
  if (outcome) notes.push(h(`div.banner.outcome.${reviewed.state}`, {}, outcome));
  root.replaceChildren(h("article.record-view", {},
    h("h2", {}, recordTitle(data, record.key)),
    h("div.subtle", {}, [definition ? label(definition.title) : record.kind,
      record.version ? t("record_version", { v: record.version }) : null,
      record.server ? t("updated_by", { who: record.server.updated_by, when: when(record.server.updated_at) }) : null]
      .filter(Boolean).join(" · ")),
    h(`span.badge.state-${state}`, {}, t(`state_${state}`)), notes,
    h("dl", {}, rows),
    h("div.form-actions", {}, h("button.primary", { type: "button", disabled: state === "waiting",
      onclick: () => onEdit(record.id) }, state === "rejected" ? t("fix") : t("edit")))));
}

// Issue 17: the server's pending/arrived state of the photos of the version this phone holds.
function photoStates(record) {
  return new Map((record.server?.photos || []).map((p) => [p.sha256, p.state]));
}
