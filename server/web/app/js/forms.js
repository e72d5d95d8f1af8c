// The form definitions held on the phone, and their compiled validators.

import { all, getMeta } from "./db.js";
import { FormValidator } from "./validate.js";

const compiled = new Map();

/** The latest published version of each form (as last downloaded): [{id, version, title, kind}]. */
export async function latestForms() {
  const list = (await getMeta("forms_list"))?.body || [];
  const held = await all("forms");
  return list.map((f) => held.find((d) => d.id === f.id && d.version === f.version)?.definition)
    .filter(Boolean);
}

/** One form version's definition, or undefined if this phone does not hold it. */
export async function definitionOf(id, version) {
  return (await all("forms")).find((d) => d.id === id && d.version === version)?.definition;
}

/** The validator of a definition (compiled once). */
export function validatorOf(definition) {
  const key = `${definition.id}@${definition.version}`;
  if (!compiled.has(key)) compiled.set(key, new FormValidator(definition));
  return compiled.get(key);
}

/** The label of the field an error names ("data.id_card" -> 公民身份号码), or the path itself. */
export function fieldLabel(definition, path, label) {
  const name = path.startsWith("data.") ? path.slice(5) : path;
  const field = definition?.fields.find((f) => f.name === name);
  return field ? label(field.label) : path;
}

/** A short title for a record's data: a name, an address, a description, or its key. */
export function recordTitle(data, key = "") {
  return data.name || data.address || data.location_description || data.landlord_name || key || "—";
}
