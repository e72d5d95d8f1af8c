// Tasks (待办): events of my grids that a department has handled and that wait for me to check
// on site. They come down the change feed with each event record (`record.event`), so the list
// works offline; verifying is a capture of the event_verification form like any other, sent
// with the outbox. (When event photos arrive, the verification form's next version asks for
// them and this screen needs no change: the form is rendered from its definition.)

import { latestForms, recordTitle } from "../forms.js";
import { label, t, when } from "../i18n.js";
import { allRecords, getRecord, shownData } from "../records.js";
import { choicesOf } from "../validate.js";
import { h } from "./dom.js";
import { renderForm } from "./form.js";

export const EVENT_KIND = "event";
export const VERIFICATION_KIND = "event_verification";
/** Record kinds captured from a task, not from the "new" tab. */
export const TASK_KINDS = new Set([VERIFICATION_KIND]);
const WAITING = "handled";

/** The events waiting for my verification, less those I have verified on this phone since. */
export async function openTasks() {
  const records = await allRecords();
  const time = (iso) => (iso ? Date.parse(iso) : 0);
  const verifiedAt = new Map();
  for (const r of records.filter((r) => r.kind === VERIFICATION_KIND)) {
    const at = time(r.local?.saved_at || r.server?.updated_at);
    const event = shownData(r).event;
    if (event && at > (verifiedAt.get(event) || 0)) verifiedAt.set(event, at);
  }
  return records.filter((r) => r.kind === EVENT_KIND && r.event?.state === WAITING &&
    !((verifiedAt.get(r.id) || 0) > time(r.event.handled_at)))
    .sort((a, b) => time(a.event.deadline) - time(b.event.deadline));
}

function categoryText(definition, value) {
  const field = definition?.fields.find((f) => f.name === "category");
  const choice = field ? choicesOf(definition, field).find((c) => c.value === value) : null;
  return choice ? label(choice.label) : value || "";
}

function summary(record, definition) {
  const data = shownData(record);
  const event = record.event || {};
  return h("div.task-main", {},
    h("span.row-title", {}, categoryText(definition, data.category)),
    h("span.task-where", {}, recordTitle(data, record.key)),
    data.description ? h("span.task-what", {}, data.description) : null,
    h("span.row-sub", {}, t("task_handled", { who: event.department_name || event.department || "",
      when: when(event.handled_at) })),
    event.handled_note ? h("span.task-note", {}, `“${event.handled_note}”`) : null);
}

/** The to-do list; onVerify(eventId) opens the verification of one event. */
export async function renderTasks(root, { onVerify }) {
  const [tasks, forms] = await Promise.all([openTasks(), latestForms()]);
  const definition = forms.find((f) => f.kind === EVENT_KIND);
  const rows = tasks.map((record) => h("li.task", { dataset: { id: record.id } },
    summary(record, definition),
    h("button.primary.small.verify", { type: "button", onclick: () => onVerify(record.id) },
      t("task_verify"))));
  root.replaceChildren(h("div.tasks-screen", {},
    h("h2", {}, t("tasks_title")), h("div.subtle", {}, t("tasks_hint")),
    h("ul.tasks", {}, rows.length ? rows : h("li.empty", {}, t("tasks_empty")))));
}

/** The verification form of one event, the event shown above it. Returns the form's cleanup. */
export async function renderVerification(root, { eventId, onSaved }) {
  const [forms, event] = await Promise.all([latestForms(), getRecord(eventId)]);
  const definition = forms.find((f) => f.kind === VERIFICATION_KIND);
  if (!definition || !event) {
    root.replaceChildren(h("p.empty", {}, t("not_found")));
    return () => {};
  }
  const form = h("div");
  root.replaceChildren(h("section.card.task-event", {}, h("div.card-title", {}, t("task_event")),
    summary(event, forms.find((f) => f.kind === EVENT_KIND))), form);
  return renderForm(form, { definition, initial: { event: eventId }, onSaved });
}
