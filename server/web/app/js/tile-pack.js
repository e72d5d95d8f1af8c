// The offline map pack (地图离线包): after a sync, while online, the base map tiles covering my
// grids and their neighbours, for the server's offline zooms, go into a Cache Storage cache
// that the service worker answers tile requests from. Smaller zooms first, my grids before the
// neighbours, until the size cap; the pack is made again when my grids or the base map change
// (tiles no longer needed are dropped once the new pack is complete).

import { boundsIn, tileRange, tileUrl } from "/shared/basemap.js";
import { getMeta, setMeta } from "./db.js";
import { onSync } from "./sync.js";

export const TILE_CACHE = "zhiwang-tiles"; // the service worker reads tiles from this cache
const MB = 1024 * 1024;
const MAX_TILES = 20_000;
const PARALLEL = 4;
let running = null;
const listeners = new Set();

/** Be told of the pack's progress: fn({state, bytes, cap, done, total}). */
export function onTilePack(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The pack's last known state (or null). */
export function tilePackState() {
  return getMeta("tile_pack");
}

/** Keep the pack up to date: check it after every successful sync. */
export function keepTilePackFresh() {
  onSync((event) => { if (event.phase === "done") refreshTilePack().catch(() => {}); });
}

/** Make or complete the pack when it is missing, incomplete or outdated. */
export function refreshTilePack() {
  running ??= fillPack().finally(() => { running = null; });
  return running;
}

/** The tile URLs of the pack, in the order they are fetched. */
export function wantedTiles(basemap, grids) {
  const { source, offline } = basemap;
  const features = [...grids.features].sort((a, b) =>
    (a.properties.relation === "neighbour" ? 1 : 0) - (b.properties.relation === "neighbour" ? 1 : 0));
  const boxes = features.map((f) => boundsIn(basemap, f.geometry));
  const urls = new Set();
  for (let z = offline.min_zoom; z <= offline.max_zoom; z++) {
    for (const box of boxes) {
      const { x0, y0, x1, y1 } = tileRange(box, z);
      for (let x = x0; x <= x1; x++) {
        for (let y = y0; y <= y1 && urls.size < MAX_TILES; y++) {
          if (!inSource(source, z, x, y)) continue;
          for (const template of [source.url, source.overlay_url].filter(Boolean)) {
            urls.add(tileUrl(template, source, { x, y, z }));
          }
        }
      }
    }
  }
  return [...urls];
}

function inSource(source, z, x, y) {
  if (!source.bounds) return true;
  const { x0, y0, x1, y1 } = tileRange(source.bounds, z);
  return x >= x0 && x <= x1 && y >= y0 && y <= y1;
}

async function fillPack() {
  const basemap = (await getMeta("basemap"))?.body;
  const grids = await getMeta("grids");
  if (!basemap?.source || !basemap.offline || !grids?.body || !("caches" in window) ||
      !navigator.onLine) return;
  const key = JSON.stringify([basemap.version, grids.etag]);
  const previous = await getMeta("tile_pack");
  const cache = await caches.open(TILE_CACHE);
  if (previous?.key === key && ["done", "full"].includes(previous.state) &&
      (await cache.keys()).length >= previous.kept) return; // complete, and not evicted
  navigator.storage?.persist?.().catch(() => {}); // ask the browser not to evict it
  const urls = wantedTiles(basemap, grids.body);
  const progress = { key, state: "running", bytes: 0, cap: basemap.offline.max_mb, done: 0,
    kept: 0, total: urls.length };
  const report = async (save = false) => {
    listeners.forEach((fn) => fn({ ...progress }));
    if (save) await setMeta("tile_pack", { ...progress, at: new Date().toISOString() });
  };
  await report(true);
  let next = 0;
  const worker = async () => {
    while (next < urls.length && progress.state === "running") {
      const url = urls[next++];
      const size = await keep(cache, url, progress.cap * MB - progress.bytes);
      if (size === null) progress.state = "full";
      else progress.bytes += size;
      if (size) progress.kept += 1;
      progress.done += 1;
      await report(progress.done % 25 === 0);
    }
  };
  try {
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  } catch (error) {
    progress.state = "paused"; // offline or the server failed: the next sync goes on
    await report(true);
    throw error;
  }
  if (progress.state === "running") progress.state = "done";
  await dropOthers(cache, new Set(urls));
  await report(true);
}

/** Cache one tile unless cached; its size in bytes, or null when it would pass the cap. */
async function keep(cache, url, room) {
  const cached = await cache.match(url);
  if (cached) return (await cached.blob()).size;
  const sameOrigin = new URL(url).origin === location.origin;
  const response = await fetch(url, { mode: sameOrigin ? "same-origin" : "cors", credentials: "omit" });
  if (response.status === 404) return 0; // no tile there (outside the source): nothing to keep
  if (!response.ok) throw new Error(`tile ${url}: HTTP ${response.status}`);
  const blob = await response.blob();
  if (blob.size > room) return null;
  await cache.put(url, new Response(blob, { headers: { "Content-Type": response.headers.get("Content-Type") || "image/png" } }));
  return blob.size;
}

async function dropOthers(cache, wanted) {
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
}
