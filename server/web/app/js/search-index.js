// The records list's own small index in IndexedDB ("search" store): one entry per record with
// what the list shows and a lower-cased text to search, written in the same transaction as the
// record. The list then loads ~100 bytes a record instead of whole records, and a keystroke
// filters prepared strings instead of rebuilding each record's text (10,186 records: 1 s a key
// before, on a mid-range phone 4.8 s).

import { all, count, get, transaction } from "./db.js";
import { recordTitle } from "./forms.js";
import { shownData, shownPoint } from "./record-shown.js";

const SEARCHED = ["name", "id_card", "phone", "address", "address_code", "landlord_name",
  "landlord_phone", "current_address", "location_description", "fixture_id"];

/** The index entry of a record: {id, kind, title, key, state, at, point, text}. */
export function indexEntry(record) {
  const data = shownData(record);
  const words = [record.key, ...SEARCHED.map((name) => data[name])].filter(Boolean);
  return { id: record.id, kind: record.kind, title: recordTitle(data, record.key),
    key: record.key || "", state: record.state || "synced",
    at: record.local?.saved_at || record.server?.updated_at || "", point: shownPoint(record),
    retired: Boolean(record.server?.retired), text: words.join(" ").toLowerCase() };
}

/** Store a record and its entry (stores of a transaction over "records" and "search"). */
export function storeRecord(stores, record) {
  stores.records.put(record);
  stores.search.put(indexEntry(record));
}

/** Remove a record and its entry. */
export function dropRecord(stores, id) {
  stores.records.delete(id);
  stores.search.delete(id);
}

/** Every live record's entry, newest first; (re)built from the records when it is missing. */
export async function searchEntries() {
  if ((await count("search")) !== (await count("records"))) await rebuild();
  const entries = (await all("search")).filter((e) => !e.retired);
  return entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

async function rebuild() {
  const records = await all("records");
  await transaction(["search"], async (s, done) => {
    await done(s.search.clear());
    for (const record of records) s.search.put(indexEntry(record));
  });
}

/** The titles of some records held here: Map(id -> title); unknown ids are left out. */
export async function titlesOf(ids) {
  const found = await Promise.all([...new Set(ids)].filter(Boolean).map((id) => get("search", id)));
  return new Map(found.filter(Boolean).map((e) => [e.id, e.title]));
}

/** The entries of a kind ("" for all) whose text holds every word of the query. */
export function matching(entries, query, kind = "") {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return entries.filter((e) => (!kind || e.kind === kind) && words.every((w) => e.text.includes(w)));
}
