// Photos on the phone: captured and downscaled here, kept in IndexedDB with their SHA-256 until
// the server has them, uploaded with tus (resumable) after the batches that reference them.
//
// A photo field's value is [{sha256, content_type, size}] (forms/README.md); the bytes travel
// separately, so a record is merged at once and its photos are "pending" there until they arrive.

import { accessToken, OfflineError } from "./api.js";
import { all, get, getMeta, put, remove, setMeta } from "./db.js";

export const MAX_EDGE = 1600;
const QUALITY = 0.85;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const ENDPOINT = "/api/v1/attachments/";
const listeners = new Set();
const progress = new Map(); // sha256 -> bytes sent of the photo being uploaded now
const urls = new Map(); // sha256[:thumb] -> object URL

/** A capture that cannot be used: code "not_image" or "too_large" (with size and limit). */
export class PhotoError extends Error {
  constructor(code, details = {}) {
    super(code);
    this.code = code;
    Object.assign(this, details);
  }
}

/** Be told when upload progress changes: fn(). */
export function onPhotoProgress(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit() {
  for (const fn of listeners) fn();
}

/** The largest photo the server accepts (its Tus-Max-Size, as last seen). */
export async function maxPhotoBytes() {
  return (await getMeta("photo_max_bytes")) || DEFAULT_MAX_BYTES;
}

/** Ask the server for its Tus-Max-Size (OPTIONS needs no sign-in); kept for offline captures. */
export async function refreshPhotoLimit() {
  const response = await fetch(ENDPOINT, { method: "OPTIONS" }).catch(() => null);
  const limit = Number(response?.headers.get("Tus-Max-Size"));
  if (limit > 0) await setMeta("photo_max_bytes", limit);
}

/** Hex SHA-256 of a Blob (SubtleCrypto). */
export async function sha256Of(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A picked or taken picture made ready to keep: upright (EXIF orientation applied), long edge at
 * most 1600 px, re-encoded as JPEG, which drops EXIF and the location (the item carries its own).
 */
export async function preparePhoto(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new PhotoError("not_image");
  }
  const scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement("canvas");
  Object.assign(canvas, { width, height });
  canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  bitmap.close?.();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  if (!blob) throw new PhotoError("not_image");
  const limit = await maxPhotoBytes();
  if (blob.size > limit) throw new PhotoError("too_large", { size: blob.size, limit });
  const sha256 = await sha256Of(blob);
  return { sha256, blob, size: blob.size, content_type: "image/jpeg", width, height };
}

/** Keep a prepared photo on the phone (survives reloads and app updates) and return its value. */
export async function keepPhoto(photo) {
  const existing = await get("photos", photo.sha256);
  if (!existing) {
    await put("photos", { ...photo, saved_at: new Date().toISOString(), uploaded: false });
  }
  return { sha256: photo.sha256, content_type: photo.content_type, size: photo.size };
}

/** The photo values of some record data: every value that is a list of {sha256, …}. */
export function photosIn(data) {
  return Object.values(data || {}).filter(Array.isArray).flat()
    .filter((v) => v && typeof v === "object" && typeof v.sha256 === "string");
}

/**
 * An object URL for a photo: the copy on this phone, else the server's (thumbnail when asked,
 * falling back to the photo while the thumbnail is being made); null when neither is at hand.
 */
export async function photoUrl(sha256, { thumb = false } = {}) {
  const key = thumb ? `${sha256}:thumb` : sha256;
  if (urls.has(key)) return urls.get(key);
  const local = await get("photos", sha256);
  let blob = local?.blob || null;
  if (!blob && navigator.onLine) {
    blob = await fetchPhoto(sha256, thumb) || (thumb ? await fetchPhoto(sha256, false) : null);
  }
  if (!blob) return null;
  const url = URL.createObjectURL(blob);
  urls.set(key, url);
  return url;
}

async function fetchPhoto(sha256, thumb) {
  try {
    const response = await fetch(`${ENDPOINT}${sha256}${thumb ? "?variant=thumb" : ""}`,
      { headers: { Authorization: `Bearer ${await accessToken()}` } });
    return response.ok ? await response.blob() : null;
  } catch {
    return null;
  }
}

/** {n, m, sent, total, failed}: photos of an outbox item uploaded (n of m) and bytes. */
export function itemProgress(item, kept) {
  const photos = photosIn(item.data);
  let n = 0;
  let sent = 0;
  let total = 0;
  let failed = null;
  for (const photo of photos) {
    const local = kept.get(photo.sha256);
    const done = !local || local.uploaded; // gone from the phone only once uploaded
    total += photo.size;
    if (done) {
      n += 1;
      sent += photo.size;
    } else {
      sent += progress.get(photo.sha256) || 0;
      failed ??= local.error || null;
    }
  }
  return { n, m: photos.length, sent, total, failed };
}

/** The photos kept on this phone, by sha256 (for progress lines). */
export async function keptPhotos() {
  return new Map((await all("photos")).map((p) => [p.sha256, p]));
}

/**
 * Upload every kept photo the server does not have yet, one after another; call after the
 * batches that reference them were sent. A photo the server refuses (413, 422, 460) is marked
 * with the reason and not tried again; a lost network fails the sync, to resume next time.
 */
export async function uploadPhotos() {
  const waiting = (await all("photos")).filter((p) => !p.uploaded && !p.error);
  for (const photo of waiting) {
    if (await serverHas(photo.sha256)) {
      await markUploaded(photo);
      continue;
    }
    await sendPhoto(photo);
  }
  await prunePhotos();
}

async function serverHas(sha256) {
  try {
    const response = await fetch(`${ENDPOINT}${sha256}`, { method: "HEAD",
      headers: { Authorization: `Bearer ${await accessToken()}` } });
    return response.ok;
  } catch (error) {
    throw new OfflineError(error.message);
  }
}

async function markUploaded(photo, error = null) {
  progress.delete(photo.sha256);
  await put("photos", { ...photo, uploaded: !error, error, uploaded_at: new Date().toISOString() });
  emit();
}

async function loadTus() {
  if (!self.tus) {
    await new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement("script"),
        { src: new URL("../vendor/tus.min.js", import.meta.url).href, onload: resolve, onerror: reject });
      document.head.append(script);
    });
  }
  return self.tus;
}

async function sendPhoto(photo) {
  const tus = await loadTus();
  await new Promise((resolve, reject) => {
    const upload = new tus.Upload(photo.blob, {
      endpoint: ENDPOINT, chunkSize: CHUNK_BYTES, retryDelays: [0, 1000, 3000],
      uploadDataDuringCreation: true, // creation-with-upload: one request for a small photo
      metadata: { sha256: photo.sha256, content_type: photo.content_type },
      fingerprint: async () => `zhiwang-photo-${photo.sha256}`,
      storeFingerprintForResuming: true, removeFingerprintOnSuccess: true,
      onBeforeRequest: async (request) => {
        request.setHeader("Authorization", `Bearer ${await accessToken()}`);
      },
      onProgress: (sent) => { progress.set(photo.sha256, sent); emit(); },
      onSuccess: () => markUploaded(photo).then(resolve, reject),
      onError: (error) => {
        const status = error.originalResponse?.getStatus?.() || 0;
        if (status >= 400 && status < 500 && status !== 401 && status !== 409 && status !== 423) {
          markUploaded(photo, refusal(status, error)).then(resolve, reject); // never a stuck outbox
        } else {
          reject(new OfflineError(error.message));
        }
      },
    });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    }, reject);
  });
}

function refusal(status, error) {
  let detail = "";
  try {
    detail = JSON.parse(error.originalResponse.getBody() || "{}").detail || "";
  } catch { /* not JSON */ }
  return { status, detail };
}

/** Forget uploaded photos that no unsettled item references (the server has them now). */
export async function prunePhotos() {
  const open = new Set(["pending", "held", "rejected"]);
  const needed = new Set((await all("outbox")).filter((i) => open.has(i.state))
    .flatMap((i) => photosIn(i.data).map((p) => p.sha256)));
  for (const photo of await all("photos")) {
    if (photo.uploaded && !needed.has(photo.sha256)) {
      const url = urls.get(photo.sha256);
      if (url) { URL.revokeObjectURL(url); urls.delete(photo.sha256); }
      await remove("photos", photo.sha256);
    }
  }
}
