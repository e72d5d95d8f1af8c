// What of a record the collector sees: the local copy while it has unsent edits, else the
// server's. Pure functions of a stored record (the list's index uses them too).

/** The data the collector sees: local edits first, else the server's. */
export function shownData(record) {
  return record.local?.data ?? record.server?.data ?? {};
}

/** The record's point [lon, lat]: where it was last captured here, else the server's geometry. */
export function shownPoint(record) {
  const local = record.local?.location;
  if (local) return [local.lon, local.lat];
  const geometry = record.server?.geometry;
  return geometry?.type === "Point" ? geometry.coordinates : null;
}

/** The form {id, version} the record is shown and edited with. */
export function shownForm(record) {
  return record.local ? { id: record.local.form, version: record.local.form_version }
    : { id: record.form, version: record.form_version };
}
