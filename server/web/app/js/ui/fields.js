// One input control per field type, reading and writing JSON values as the server expects them.

import { label, t } from "../i18n.js";
import { choicesOf } from "../validate.js";
import { h } from "./dom.js";
import { photoControl } from "./photos.js"; // issue 17: photo fields
import { refControl } from "./ref-field.js";

const RADIO_LIMIT = 5;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// What is left of a pattern once digit classes, digits, groups and quantifiers are taken out:
// nothing means it only ever matches digits (房屋编码 4403[0-9]{15}): a numeric keypad fits.
const DIGIT_PARTS = /\[(?:\d-\d|\d)+\]|\\d|\d|\{\d+(?:,\d*)?\}|\(\?:|[()|?*+]/g;

function digitsOnly(pattern) {
  return Boolean(pattern) && pattern.replace(DIGIT_PARTS, "") === "";
}

function localOffset() {
  const minutes = -new Date().getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/**
 * A control for one field: {node, read() -> JSON value or undefined, write(value)}.
 * `refChoices(kind)` lists local records (search-index entries) for ref fields.
 */
export function fieldControl(definition, field, { refChoices, onChange }) {
  const id = `f-${field.name}`;
  const common = { id, name: field.name, oninput: onChange, onchange: onChange };
  switch (field.type) {
    case "integer":
    case "decimal": {
      const input = h("input", { ...common, type: "text", autocomplete: "off",
        inputmode: field.type === "integer" ? "numeric" : "decimal" });
      return { node: input,
        read: () => {
          const text = input.value.trim();
          if (!text) return undefined;
          return NUMBER.test(text) ? Number(text) : input.value; // a wrong type is reported as such
        },
        write: (v) => { input.value = v ?? ""; } };
    }
    case "date": {
      const input = h("input", { ...common, type: "date" });
      if (field.max && field.max !== "today") input.max = field.max;
      if (field.min) input.min = field.min;
      return { node: input, read: () => input.value || undefined, write: (v) => { input.value = v ?? ""; } };
    }
    case "datetime": {
      const input = h("input", { ...common, type: "datetime-local", step: 1 });
      return { node: input,
        read: () => (input.value ? `${input.value.length === 16 ? input.value + ":00" : input.value}${localOffset()}` : undefined),
        write: (v) => {
          const d = v ? new Date(v) : null; // shown in the phone's local time
          input.value = d ? new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19) : "";
        } };
    }
    case "select_one":
      return choicesOf(definition, field).length <= RADIO_LIMIT
        ? radios(definition, field, onChange) : dropdown(definition, field, common);
    case "select_multiple":
      return checkboxes(definition, field, onChange);
    case "ref":
      return refControl(field, common, refChoices(field.ref_kind), kindName(definition, field));
    case "photo": // issue 17
      return photoControl(field, { onChange });
    default: {
      // A code with a pattern is one line, whatever its maximum length (only free text wraps).
      const long = field.type === "text" && !field.pattern && (field.max_length ?? 2000) > 200;
      const attrs = { ...common, autocomplete: "off" };
      if (digitsOnly(field.pattern)) Object.assign(attrs, { inputmode: "numeric", spellcheck: "false" });
      if (field.type === "phone") Object.assign(attrs, { type: "tel", inputmode: "tel" });
      if (field.type === "id_card" || field.type === "credit_code") Object.assign(attrs, { type: "text",
        autocapitalize: "characters", maxlength: 18, spellcheck: "false" });
      if (field.type === "text" && field.max_length) attrs.maxlength = field.max_length;
      const input = long ? h("textarea", { ...attrs, rows: 3 }) : h("input", { type: "text", ...attrs });
      return { node: input, read: () => (input.value === "" ? undefined : input.value),
        write: (v) => { input.value = v ?? ""; } };
    }
  }
}

function radios(definition, field, onChange) {
  const inputs = [];
  const node = h("div.choices", { role: "radiogroup", id: `f-${field.name}` },
    choicesOf(definition, field).map((choice) => {
      const input = h("input", { type: "radio", name: field.name, value: choice.value, onchange: onChange });
      inputs.push(input);
      return h("label.choice", {}, input, h("span", {}, label(choice.label)));
    }));
  return { node, read: () => inputs.find((i) => i.checked)?.value,
    write: (v) => inputs.forEach((i) => { i.checked = i.value === v; }) };
}

function dropdown(definition, field, common) {
  const select = h("select", common, h("option", { value: "" }, t("choose")),
    choicesOf(definition, field).map((c) => h("option", { value: c.value }, label(c.label))));
  return { node: select, read: () => select.value || undefined, write: (v) => { select.value = v ?? ""; } };
}

function checkboxes(definition, field, onChange) {
  const inputs = [];
  const node = h("div.choices", { id: `f-${field.name}` },
    choicesOf(definition, field).map((choice) => {
      const input = h("input", { type: "checkbox", name: field.name, value: choice.value, onchange: onChange });
      inputs.push(input);
      return h("label.choice", {}, input, h("span", {}, label(choice.label)));
    }));
  return { node, read: () => inputs.filter((i) => i.checked).map((i) => i.value),
    write: (v) => inputs.forEach((i) => { i.checked = Array.isArray(v) && v.includes(i.value); }) };
}

function kindName(definition, field) {
  return label(field.label);
}
