// New / edit / fix a record: the form rendered from its definition, checked on the phone with
// the server's rules (validate.js), with the GPS position and its accuracy.

import { validatorOf } from "../forms.js";
import { getMeta } from "../db.js";
import { watchPosition, locateOnce } from "../geo.js";
import { errorText, label, t } from "../i18n.js";
import { checkPosition, MAX_TOLERANCE_M } from "../position-check.js";
import { saveCapture, shownData } from "../records.js";
import { searchEntries } from "../search-index.js";
import { choose } from "./dialog.js";
import { h, toast } from "./dom.js";
import { fieldControl } from "./fields.js";

/**
 * Render the form into `root`. `record` is the record being edited (absent for a new one);
 * `serverErrors` are the field errors of an item the server returned, shown until fixed;
 * `initial` the answers a new record starts with (a task's verification names its event);
 * `preset` values a new capture is given by its context and does not show (a warning check's
 * task); `heading` a node shown above the fields (what is being checked).
 * Returns a function that stops watching the position.
 */
export async function renderForm(root, { definition, record = null, serverErrors = [], initial = {},
  preset = {}, heading = null, onSaved }) {
  const validator = validatorOf(definition);
  const refs = await searchEntries();
  const grids = (await getMeta("grids"))?.body;
  let check = null;
  const controls = new Map();
  let submitted = serverErrors.length > 0;
  let shownErrors = serverErrors;
  let position = null;

  const banner = h("div.banner.error", { hidden: true });
  const gps = h("div.gps-status", {}, t("gps_waiting"));
  const warning = h("div.position-warning", { hidden: true, role: "alert" });
  const locationCard = h("section.card.location", {},
    h("div.card-title", {}, t("location")), gps, warning,
    h("button.small", { type: "button", onclick: () => locateOnce().catch(() => {}) }, t("gps_again")));
  const fieldNodes = definition.fields.map((field) => {
    const control = fieldControl(definition, field, {
      refChoices: (kind) => refs.filter((r) => r.kind === kind && r.id !== record?.id),
      onChange: update });
    controls.set(field.name, control);
    return h("div.field", { dataset: { field: field.name } },
      h("label.field-label", { for: `f-${field.name}` }, label(field.label),
        field.required ? h("span.req", { title: t("required_mark") }, " *") : null),
      field.hint ? h("div.hint", {}, label(field.hint)) : null,
      control.node, h("div.field-error", { role: "alert" }));
  });
  const save = h("button.primary.save", { type: "submit" }, serverErrors.length ? t("save_and_fix") : t("save"));
  const form = h("form.record-form", { novalidate: true, onsubmit: submit },
    h("h2.form-title", {}, label(definition.title)), heading,
    record?.key ? h("div.subtle", {}, record.key) : null,
    banner, locationCard, fieldNodes, h("div.form-actions", {}, save));
  root.replaceChildren(form);

  const start = record ? shownData(record) : { ...initial, ...preset };
  for (const [name, control] of controls) control.write(start[name]);
  const presetNodes = fieldNodes.filter((n) => n.dataset.field in preset);
  const stopWatching = watchPosition(({ position: p, error }) => {
    position = p;
    gps.textContent = p ? `${p.lat.toFixed(6)}, ${p.lon.toFixed(6)} · ${t("gps_accuracy", { m: Math.round(p.accuracy_m) })}`
      : error ? t("gps_failed", { reason: error }) : t("gps_waiting");
    check = p ? checkPosition(grids, p) : null;
    gps.classList.toggle("ok", Boolean(p) && !check.outside && !check.inaccurate);
    showWarning();
  });
  update();

  // Outside my grids, or an accuracy no tolerance covers: said before saving, not after review.
  function showWarning() {
    const notes = [];
    if (check?.outside) {
      notes.push(check.covering ? t("position_outside", { covering: check.covering, distance: check.distance_m })
        : t("position_outside_nowhere", { distance: check.distance_m }));
    }
    if (check?.inaccurate) notes.push(t("position_inaccurate", { m: Math.round(position.accuracy_m), max: MAX_TOLERANCE_M }));
    warning.hidden = !notes.length;
    warning.replaceChildren(...notes.map((n) => h("p", {}, n)));
  }

  function values() {
    const data = {};
    for (const [name, control] of controls) {
      const value = control.read();
      if (value !== undefined) data[name] = value;
    }
    return data;
  }

  function update() {
    const data = values();
    const outcome = validator.validate(data);
    // A field that does not apply is hidden and not sent (its value stays in the control).
    const relevantData = Object.fromEntries(Object.entries(data).filter(([n]) => outcome.relevant.has(n)));
    const checked = validator.validate(relevantData);
    for (const node of fieldNodes) node.hidden = !checked.relevant.has(node.dataset.field);
    for (const node of presetNodes) node.hidden = true;
    if (submitted) showErrors(mergeErrors(checked.errors, relevantData));
    return { data: relevantData, checked };
  }

  // The server's errors stay on a field until its value changes from what was returned.
  function mergeErrors(local, data) {
    const initialData = record ? shownData(record) : {};
    const kept = shownErrors.filter((e) => {
      const name = e.field.startsWith("data.") ? e.field.slice(5) : null;
      return !name || JSON.stringify(data[name]) === JSON.stringify(initialData[name]);
    });
    const fields = new Set(local.map((e) => e.field));
    return [...local, ...kept.filter((e) => !fields.has(e.field))];
  }

  function showErrors(errors) {
    for (const node of fieldNodes) {
      const error = errors.find((e) => e.field === `data.${node.dataset.field}`);
      node.classList.toggle("invalid", Boolean(error));
      node.querySelector(".field-error").textContent = error ? errorText(error) : "";
    }
    const general = errors.filter((e) => !e.field.startsWith("data."));
    banner.hidden = !errors.length;
    banner.textContent = [serverErrors.length ? t("server_errors") : t("fix_errors", { n: errors.length }),
      ...general.map((e) => `${e.field}: ${errorText(e)}`)].join(" ");
  }

  async function submit(event) {
    event.preventDefault();
    submitted = true;
    shownErrors = shownErrors.filter((e) => e.field.startsWith("data."));
    const { checked, data } = update();
    const errors = mergeErrors(checked.errors, data);
    if (errors.length) {
      showErrors(errors);
      fieldNodes.find((n) => n.classList.contains("invalid"))?.scrollIntoView({ block: "center" });
      return;
    }
    if (!position) {
      toast(t("gps_needed"));
      return;
    }
    if (check?.outside) {
      const answer = await choose({ message: t("position_confirm"), className: "position-confirm", choices: [
        { label: t("save_anyway"), value: "save", primary: true }, { label: t("gps_again"), value: "back" }] });
      if (answer !== "save") {
        if (answer === "back") locateOnce().catch(() => {});
        return;
      }
    }
    save.disabled = true;
    const location = { lon: position.lon, lat: position.lat, accuracy_m: position.accuracy_m, crs: "WGS84" };
    const saved = await saveCapture({ recordId: record?.id, form: definition, data: checked.cleaned, location });
    stopWatching();
    onSaved?.(saved.record); // the record view then says its changes wait on this phone
  }

  return stopWatching;
}
