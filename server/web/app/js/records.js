// The local state of records and the outbox: what the collector sees, what waits to be sent.
//
// A record keeps the server's copy (`server`, `version` = the last server version this phone
// saw) and, while it has unsent or unsettled edits, the collector's copy (`local`). Every save
// is one outbox item, never rewritten: a create carries a client-made record id; an update
// carries base_version and branch_id of the record's current offline editing session, so the
// server treats the chain as one author's edits (sync protocol, "offline edit chains").

import { all, get, transaction } from "./db.js";
import { storeRecord } from "./search-index.js";

export { shownData, shownForm, shownPoint } from "./record-shown.js";

/** Outbox states that still await an outcome from the server. */
export const OPEN = new Set(["pending", "held"]);

/** Outbox states whose outcome may still change on the server (a review, a record arriving). */
export const UNDECIDED = new Set(["held", "conflict"]);

/** A random UUID (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Every record of my grids held on this phone. */
export async function allRecords() {
  return (await all("records")).filter((record) => !record.server?.retired);
}

/** One record, or undefined. */
export function getRecord(id) {
  return get("records", id);
}

/** The outbox in the order the items were saved. */
export function outboxItems() {
  return all("outbox", "seq");
}

/** The outbox items of one record, oldest first. */
export async function itemsOf(recordId) {
  return (await all("outbox", "record_id", recordId)).sort((a, b) => a.seq - b.seq);
}

/** The record's state for people, from its items: rejected, waiting, held, pending or synced. */
export function deriveState(record, items) {
  if (items.some((i) => i.state === "rejected")) return "rejected";
  if (record.waiting) return "waiting";
  if (items.some((i) => i.state === "held")) return "held";
  if (items.some((i) => OPEN.has(i.state))) return "pending";
  return "synced";
}

/** After outcomes or a feed update: settle the record's state, branch and local copy. */
export function settle(record, items) {
  // A record waits while one of its items waits for review, and no longer (the outcome says so).
  const waiting = items.find((i) => i.state === "conflict");
  record.waiting = waiting ? (record.waiting || { conflict_id: waiting.conflict_id,
    kind: waiting.result?.conflict_kind, since: waiting.saved_at }) : null;
  record.state = deriveState(record, items);
  const open = items.some((i) => OPEN.has(i.state) || i.state === "rejected");
  if (!open) {
    record.branch = null; // the next edit starts a new session from the latest server version
    if (record.server && record.server.version >= (record.version ?? 0) && !record.waiting) {
      record.local = null; // the server's copy now includes everything sent from here
    }
  }
  const rejected = [...items].reverse().find((i) => i.state === "rejected");
  record.errors = rejected ? rejected.errors : null;
  return record;
}

function onServer(record, items) {
  return record.version != null ||
    items.some((i) => i.op === "create" && (OPEN.has(i.state) || i.state === "merged"));
}

/**
 * Save a capture: a new record (no `recordId`) or an edit. Writes the record's local copy and
 * one outbox item in one transaction; a record's items returned as rejected count as fixed.
 */
export async function saveCapture({ recordId = null, form, data, location }) {
  return transaction(["records", "outbox", "meta", "search"], async (s, done) => {
    const now = new Date().toISOString();
    const counter = (await done(s.meta.get("seq")))?.value ?? 0;
    s.meta.put({ key: "seq", value: counter + 1 });
    let record = recordId ? await done(s.records.get(recordId)) : null;
    const items = record ? await done(s.outbox.index("record_id").getAll(record.id)) : [];
    if (!record) {
      record = { id: uuid(), kind: form.kind, form: form.id, form_version: form.version,
        version: null, server: null, local: null, branch: null, grid: null };
    }
    const update = onServer(record, items);
    if (!record.branch || !items.some((i) => OPEN.has(i.state))) {
      // A new offline editing session: base = the last server version seen (1 when the
      // record was created on this phone and not yet confirmed).
      record.branch = { id: uuid(), base: record.version ?? 1 };
    }
    const item = { id: uuid(), seq: counter + 1, record_id: record.id,
      op: update ? "update" : "create", form: form.id, form_version: form.version,
      branch_id: record.branch.id, captured_at: now, location, data, state: "pending",
      saved_at: now };
    if (update) item.base_version = record.branch.base;
    for (const old of items.filter((i) => i.state === "rejected")) {
      s.outbox.put({ ...old, state: "fixed", fixed_by: item.id });
      old.state = "fixed";
    }
    s.outbox.put(item);
    record.local = { data, form: form.id, form_version: form.version, location, saved_at: now };
    settle(record, [...items, item]);
    storeRecord(s, record);
    return { record, item };
  });
}
