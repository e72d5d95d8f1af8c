// Synchronisation with the server: upload the outbox in batches, apply each item's outcome,
// download forms, grids and the change feed of my grids without losing unsent local edits.
//
// A batch is written down (its id, and on each item) before it is posted. If the
// answer is lost, the next sync posts the very same batch again: the server answers a replayed
// batch id with its first results, so nothing is created twice.

import { api, OfflineError } from "./api.js";
import { all, getMeta, put, setMeta, transaction } from "./db.js";
import { OPEN, settle, uuid } from "./records.js";

const BATCH_SIZE = 100;
const FEED_PAGE = 500;
let running = null;
const listeners = new Set();

/** Be told when sync starts, ends or fails: fn({phase, error?}). */
export function onSync(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(event) {
  for (const fn of listeners) fn(event);
}

/** This phone's id, made once. */
export async function deviceId() {
  let id = await getMeta("device_id");
  if (!id) {
    id = `web-${uuid()}`;
    await setMeta("device_id", id);
  }
  return id;
}

/** Upload, then download; concurrent calls share one run. */
export function syncNow() {
  running ??= (async () => {
    emit({ phase: "start" });
    try {
      if (!navigator.onLine) throw new OfflineError("offline");
      await upload();
      await recheckHeld();
      await downloadReferenceData();
      await downloadChanges();
      await setMeta("last_sync", new Date().toISOString());
      emit({ phase: "done" });
    } catch (error) {
      emit({ phase: "failed", error, offline: error instanceof OfflineError });
      throw error;
    }
  })().finally(() => { running = null; });
  return running;
}

/** Whether a sync is running now. */
export function syncing() {
  return running !== null;
}

async function upload() {
  const inflight = await getMeta("inflight");
  if (inflight) await postBatch(inflight); // a batch whose answer never arrived: replay it
  for (;;) {
    // Items stay "pending" until their outcome arrives; the batch they went out in is noted
    // first, so a lost answer is recovered by posting the same batch again.
    const pending = (await all("outbox", "seq")).filter((i) => i.state === "pending" && !i.batch_id);
    if (!pending.length) return;
    const chosen = pending.slice(0, BATCH_SIZE);
    const batch = { batch_id: uuid(), item_ids: chosen.map((i) => i.id) };
    await transaction(["meta", "outbox"], async (s) => {
      s.meta.put({ key: "inflight", value: batch });
      for (const item of chosen) s.outbox.put({ ...item, batch_id: batch.batch_id });
    });
    await postBatch(batch);
  }
}

function wireItem(item) {
  const body = { id: item.id, form: item.form, form_version: item.form_version,
    record_id: item.record_id, branch_id: item.branch_id, captured_at: item.captured_at,
    location: item.location, data: item.data };
  if (item.op === "update") body.base_version = item.base_version;
  return body;
}

async function postBatch(batch) {
  const byId = new Map((await all("outbox")).map((item) => [item.id, item]));
  const items = batch.item_ids.map((id) => byId.get(id)).filter(Boolean);
  const body = { batch_id: batch.batch_id, device_id: await deviceId(), items: items.map(wireItem) };
  const { body: answer } = await api("/sync/batches", { method: "POST", body });
  await applyResults(answer.results, batch.batch_id);
  await setMeta("inflight", null);
}

async function recheckHeld() {
  const held = (await all("outbox")).filter((i) => i.state === "held");
  for (const batchId of new Set(held.map((i) => i.batch_id))) {
    const { body } = await api(`/sync/batches/${batchId}`);
    await applyResults(body.results.filter((r) => held.some((i) => i.id === r.id)), batchId);
  }
}

/** Apply the server's outcome of each item to the outbox and to its record. */
export async function applyResults(results, batchId) {
  await transaction(["outbox", "records"], async (s, done) => {
    const touched = new Set();
    for (const raw of results) {
      const result = raw.status === "duplicate" && raw.first ? raw.first : raw;
      const item = await done(s.outbox.get(raw.id));
      if (!item) continue;
      Object.assign(item, { state: result.status, batch_id: batchId, result,
        version: result.version ?? null, conflict_id: result.conflict_id ?? null,
        errors: result.errors ?? null });
      s.outbox.put(item);
      const record = await done(s.records.get(item.record_id));
      if (!record) continue;
      if (result.status === "merged") {
        record.version = Math.max(record.version ?? 0, result.version);
      } else if (result.status === "conflict") {
        record.waiting = { conflict_id: result.conflict_id, kind: result.conflict_kind,
          since: new Date().toISOString() };
      }
      s.records.put(record);
      touched.add(record.id);
    }
    for (const id of touched) {
      const record = await done(s.records.get(id));
      const items = await done(s.outbox.index("record_id").getAll(id));
      s.records.put(settle(record, items));
    }
  });
}

async function conditionalGet(path, metaKey) {
  const cached = await getMeta(metaKey);
  const headers = cached?.etag ? { "If-None-Match": cached.etag } : {};
  const response = await api(path, { headers });
  if (response.status === 304) return cached.body;
  await setMeta(metaKey, { etag: response.headers.get("ETag"), body: response.body });
  return response.body;
}

/** My profile, the latest forms (and their definitions), my grids: refreshed with ETags. */
export async function downloadReferenceData() {
  const { body: me } = await api("/me");
  await setMeta("me", me);
  const forms = await conditionalGet("/forms", "forms_list");
  for (const form of forms) {
    const key = `${form.id}@${form.version}`;
    if (!(await all("forms")).some((f) => f.key === key)) {
      const { body } = await api(`/forms/${form.id}/versions/${form.version}`);
      await put("forms", { key, id: form.id, version: form.version, definition: body });
    }
  }
  await conditionalGet("/grids", "grids");
}

/** Follow the change feed from the stored cursor until it has no more. */
export async function downloadChanges() {
  let since = await getMeta("cursor");
  for (;;) {
    const query = `?limit=${FEED_PAGE}` + (since ? `&since=${encodeURIComponent(since)}` : "");
    const { body } = await api(`/records/changes${query}`);
    await applyChanges(body.items);
    since = body.next;
    await setMeta("cursor", since);
    if (!body.more) return;
  }
}

/** Store records changed on the server; local unsent edits stay on top of them. */
export async function applyChanges(changes) {
  if (!changes.length) return;
  await transaction(["outbox", "records"], async (s, done) => {
    for (const change of changes) {
      const record = (await done(s.records.get(change.id))) ||
        { id: change.id, version: null, server: null, local: null, branch: null };
      if (record.server && record.server.version > change.version) continue;
      Object.assign(record, { kind: change.kind, form: change.form,
        form_version: change.form_version, grid: change.grid, key: change.key,
        version: Math.max(record.version ?? 0, change.version) });
      record.server = { version: change.version, data: change.data, geometry: change.geometry,
        updated_at: change.updated_at, updated_by: change.updated_by, retired: change.retired };
      if (change.event) record.event = change.event; // an event's workflow state (tasks)
      if (record.waiting && Date.parse(change.updated_at) > Date.parse(record.waiting.since)) {
        record.waiting = null; // a version made after the conflict: most likely its review
      }
      const items = await done(s.outbox.index("record_id").getAll(change.id));
      s.records.put(settle(record, items));
    }
  });
}

/** How many outbox items are open, waiting for review and returned. */
export async function outboxCounts() {
  const items = await all("outbox");
  return {
    pending: items.filter((i) => OPEN.has(i.state)).length,
    waiting: items.filter((i) => i.state === "conflict").length,
    rejected: items.filter((i) => i.state === "rejected").length,
  };
}
