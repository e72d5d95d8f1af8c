// Synchronisation with the server: upload the outbox in batches, apply each item's outcome,
// download forms, grids and the change feed of my grids without losing unsent local edits.
//
// A batch is written down (its id, and on each item) before it is posted. If the
// answer is lost, the next sync posts the very same batch again: the server answers a replayed
// batch id with its first results, so nothing is created twice.

import { api, OfflineError } from "./api.js";
import { all, getMeta, put, setMeta, transaction } from "./db.js";
import { OPEN, settle, UNDECIDED, uuid } from "./records.js";
import { refreshPhotoLimit, uploadPhotos } from "./photos.js"; // issue 17
import { dropRecord, storeRecord } from "./search-index.js";
import { downloadChecks } from "./checks.js"; // issue 20: warning checks

const BATCH_SIZE = 100;
const FEED_PAGE = 1000; // the server's largest: fewer round trips on a slow network
const KEEP_SETTLED_DAYS = 7; // merged items leave the outbox then (they live on as records)
const SETTLED = new Set(["merged", "fixed", "declined"]);
let running = null;
let lastProgress = null;
const listeners = new Set();

/** The account is not a collector's: the phone app does not sync it. */
export class NotACollector extends Error {}

/** Be told when sync starts, makes progress, has the reference data (grids, base map), ends or
 * fails: fn({phase, error?, stage?, done?, total?}). */
export function onSync(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(event) {
  if (event.phase === "progress") lastProgress = event;
  else if (event.phase !== "start") lastProgress = null;
  for (const fn of listeners) fn(event);
}

/** The last progress of the running sync ({stage, done, total}), or null. */
export function syncProgress() {
  return running ? lastProgress : null;
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
      await uploadPhotos(); // issue 17: photos after the batches that reference them
      await recheckUndecided();
      await downloadReferenceData();
      emit({ phase: "reference" }); // grids and base map are in: the map need not wait for records
      await downloadChanges();
      await downloadChecks(); // warning checks (typhoon, rainstorm) of my grids
      await pruneOutbox();
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
  const total = (await all("outbox")).filter((i) => i.state === "pending").length;
  let sent = 0;
  if (total) emit({ phase: "progress", stage: "upload", done: 0, total });
  if (inflight) { // a batch whose answer never arrived: replay it
    await postBatch(inflight);
    sent += inflight.item_ids.length;
  }
  for (;;) {
    // Items stay "pending" until their outcome arrives; the batch they went out in is noted
    // first, so a lost answer is recovered by posting the same batch again.
    const pending = (await all("outbox", "seq")).filter((i) => i.state === "pending" && !i.batch_id);
    if (!pending.length) return;
    emit({ phase: "progress", stage: "upload", done: Math.min(sent, total), total });
    sent += Math.min(pending.length, BATCH_SIZE);
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

// Held items may have been merged since, and a review may have decided a conflict: the batch's
// results as they stand now say so (a reviewed item reads merged, or rejected with the note).
async function recheckUndecided() {
  const undecided = (await all("outbox")).filter((i) => UNDECIDED.has(i.state) && i.batch_id);
  const ids = new Set(undecided.map((i) => i.id));
  for (const batchId of new Set(undecided.map((i) => i.batch_id))) {
    const { body } = await api(`/sync/batches/${batchId}`);
    await applyResults(body.results.filter((r) => ids.has(r.id)), batchId);
  }
}

/** The outbox state of a result: a reviewer's rejection is final ("declined"), not to fix. */
function stateOf(result) {
  return result.status === "rejected" && result.conflict_id ? "declined" : result.status;
}

/** Apply the server's outcome of each item to the outbox and to its record. */
export async function applyResults(results, batchId) {
  const now = new Date().toISOString();
  await transaction(["outbox", "records", "search"], async (s, done) => {
    const touched = new Set();
    for (const raw of results) {
      const result = raw.status === "duplicate" && raw.first ? raw.first : raw;
      const item = await done(s.outbox.get(raw.id));
      if (!item) continue;
      const state = stateOf(result);
      if (state !== item.state) item.decided_at = now;
      touched.add(item.record_id);
      // An accepted duplicate lands on the record already registered, not on the one made here.
      if (state === "merged" && result.record_id && result.record_id !== item.record_id) {
        item.made_as = item.record_id;
        item.record_id = result.record_id;
        touched.add(item.record_id);
      }
      Object.assign(item, { state, batch_id: batchId, result,
        version: result.version ?? null, conflict_id: result.conflict_id ?? item.conflict_id ?? null,
        errors: state === "rejected" ? result.errors ?? null : null });
      s.outbox.put(item);
      const record = await done(s.records.get(item.record_id));
      if (record && state === "merged") {
        record.version = Math.max(record.version ?? 0, result.version);
        s.records.put(record);
      }
    }
    for (const id of touched) {
      const record = await done(s.records.get(id));
      if (!record) continue;
      const items = await done(s.outbox.index("record_id").getAll(id));
      // A registration that never became a record (declined, or merged into another) goes.
      if (!record.server && record.version == null && !items.some((i) => i.state !== "declined")) {
        dropRecord(s, id);
      } else {
        storeRecord(s, settle(record, items));
      }
    }
  });
}

/** Forget items settled more than KEEP_SETTLED_DAYS ago: what needs attention always stays. */
export async function pruneOutbox(now = Date.now()) {
  const before = new Date(now - KEEP_SETTLED_DAYS * 86_400_000).toISOString();
  const old = (await all("outbox")).filter((i) => SETTLED.has(i.state) &&
    (i.decided_at || i.saved_at) < before);
  if (!old.length) return;
  await transaction(["outbox"], async (s) => { for (const item of old) s.outbox.delete(item.id); });
}

async function conditionalGet(path, metaKey) {
  const cached = await getMeta(metaKey);
  const headers = cached?.etag ? { "If-None-Match": cached.etag } : {};
  const response = await api(path, { headers });
  if (response.status === 304) return cached.body;
  await setMeta(metaKey, { etag: response.headers.get("ETag"), body: response.body });
  return response.body;
}

/** My profile, the latest forms (and their definitions), my grids, the base map: with ETags. */
export async function downloadReferenceData() {
  const { body: me } = await api("/me");
  await setMeta("me", me);
  if (me.role !== "collector") throw new NotACollector(me.role);
  const forms = await conditionalGet("/forms", "forms_list");
  for (const form of forms) {
    const key = `${form.id}@${form.version}`;
    if (!(await all("forms")).some((f) => f.key === key)) {
      const { body } = await api(`/forms/${form.id}/versions/${form.version}`);
      await put("forms", { key, id: form.id, version: form.version, definition: body });
    }
  }
  await conditionalGet("/grids", "grids");
  await conditionalGet("/basemap", "basemap");
  await refreshPhotoLimit(); // issue 17: Tus-Max-Size, to refuse an oversize photo at capture
}

function feedPage(since) {
  const query = `?limit=${FEED_PAGE}` + (since ? `&since=${encodeURIComponent(since)}` : "");
  const request = api(`/records/changes${query}`);
  request.catch(() => {}); // awaited later; an early failure is not "unhandled"
  return request;
}

/**
 * Follow the change feed from the stored cursor until it has no more. The next page downloads
 * while this one is stored. The first sync notes the feed's size and how much has arrived
 * ("initial_sync" {total, done, complete}), so progress shows as "x / y", also after an
 * interruption, and the list can say it is not complete yet.
 */
export async function downloadChanges() {
  const since = await getMeta("cursor");
  let initial = (await getMeta("initial_sync")) || null;
  let received = 0;
  let next = feedPage(since);
  for (;;) {
    const { body } = await next;
    if (body.more) next = feedPage(body.next);
    if (!since && body.estimated_total !== undefined && !received) {
      initial = { total: body.estimated_total, done: 0, complete: false };
    }
    await applyChanges(body.items);
    received += body.items.length;
    await setMeta("cursor", body.next);
    if (initial && !initial.complete) {
      initial = { ...initial, done: initial.done + body.items.length, complete: !body.more };
      initial.total = Math.max(initial.total, initial.done);
      await setMeta("initial_sync", initial);
    }
    const progress = initial && !initial.complete ? { done: initial.done, total: initial.total }
      : { done: received, total: null };
    emit({ phase: "progress", stage: "download", ...progress });
    if (!body.more) return;
  }
}

/** Store records changed on the server; local unsent edits stay on top of them. */
export async function applyChanges(changes) {
  if (!changes.length) return;
  await transaction(["outbox", "records", "search"], async (s, done) => {
    // Every read is asked at once: one page is one round of requests, not a thousand.
    const [outbox, held] = await Promise.all([done(s.outbox.getAll()),
      Promise.all(changes.map((c) => done(s.records.get(c.id))))]);
    const itemsOf = new Map();
    for (const item of outbox) itemsOf.set(item.record_id, [...(itemsOf.get(item.record_id) || []), item]);
    changes.forEach((change, index) => {
      const record = held[index] ||
        { id: change.id, version: null, server: null, local: null, branch: null };
      if (record.server && record.server.version > change.version) return;
      Object.assign(record, { kind: change.kind, form: change.form,
        form_version: change.form_version, grid: change.grid, key: change.key,
        version: Math.max(record.version ?? 0, change.version) });
      record.server = { version: change.version, data: change.data, geometry: change.geometry,
        photos: change.photos, // issue 17: pending/arrived
        updated_at: change.updated_at, updated_by: change.updated_by, retired: change.retired };
      if (change.event) record.event = change.event; // an event's workflow state (tasks)
      storeRecord(s, settle(record, itemsOf.get(change.id) || []));
    });
  });
}

/** How many outbox items are open, waiting for review and returned. */
export async function outboxCounts() {
  const items = await all("outbox");
  return {
    pending: items.filter((i) => OPEN.has(i.state)).length,
    waiting: items.filter((i) => i.state === "conflict").length,
    rejected: items.filter((i) => i.state === "rejected").length,
    unsent: items.filter((i) => OPEN.has(i.state) || i.state === "rejected").length,
  };
}
