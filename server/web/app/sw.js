// Service worker of the collector's app: the app shell and the map library from the cache
// (refreshed in the background), the forms, grids and base map description from the network
// with the cache as fallback offline, and base map tiles from the offline map pack
// (js/tile-pack.js fills it) before the network. Records and the outbox live in IndexedDB.

const VERSION = "zhiwang-app-7";
const SHELL = `${VERSION}-shell`;
const DATA = `${VERSION}-data`;
const TILES = "zhiwang-tiles"; // not versioned: a new app version keeps the map pack
const SHELL_FILES = [
  "./", "app.css", "manifest.webmanifest", "icons/icon-192.png", "icons/icon-512.png",
  "js/main.js", "js/api.js", "js/db.js", "js/forms.js", "js/geo.js", "js/i18n.js", "js/map.js",
  "js/records.js", "js/record-shown.js", "js/sync.js", "js/tile-pack.js", "js/validate.js", "js/ui/dom.js",
  "js/ui/fields.js", "js/ui/form.js", "js/ui/list.js", "js/ui/login.js", "js/ui/map-screen.js",
  "js/ui/outbox.js", "js/ui/record-view.js",
  "js/outcomes.js", "js/position-check.js", "js/search-index.js", "js/ui/account.js",
  "js/ui/dialog.js", "js/ui/ref-field.js", "js/ui/status-bar.js", "js/ui/virtual-list.js",
  "/shared/basemap.js", "/shared/datum.js",
  "/vendor/leaflet-1.9.4/leaflet.css", "/vendor/leaflet-1.9.4/leaflet.js",
  "/vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
  "/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
  "js/photos.js", "js/ui/photos.js", "photos.css", "vendor/tus.min.js", // issue 17
  "js/identifiers.js", "js/ui/tasks.js", // issue 16
  "js/checks.js", "js/ui/checks.js", // issue 20
];
const CACHED_API = /\/api\/v1\/(forms(\/|$)|grids$|basemap$)/;
const LIBRARIES = /^\/(vendor|shared)\//;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => !k.startsWith(VERSION) && k !== TILES)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  const mine = url.origin === self.location.origin;
  if (mine && CACHED_API.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (mine && (url.pathname.startsWith(new URL("./", self.location).pathname) ||
             LIBRARIES.test(url.pathname))) {
    event.respondWith(shellFirst(request));
  } else if (request.destination === "image") {
    event.respondWith(packFirst(request)); // tiles of any tile server, ours included
  }
});

// The shell: answer from the cache at once, refresh the cached copy in the background.
async function shellFirst(request) {
  const cache = await caches.open(SHELL);
  // Every page of the app is the shell. (Not "index.html": the server redirects it to "./", and a
  // redirected response may not answer a navigation.)
  const key = request.mode === "navigate" ? "./" : request;
  const cached = await cache.match(key, { ignoreSearch: request.mode === "navigate" });
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(key, response.clone());
    return response;
  });
  if (cached) {
    fresh.catch(() => {});
    return cached;
  }
  return fresh;
}

// Forms, grids and the base map description: the network when there is one, else the last
// copy (ETag revalidation is the page's business: a 304 passes through untouched).
async function networkFirst(request) {
  const cache = await caches.open(DATA);
  try {
    const response = await fetch(request);
    if (response.status === 200) cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

// A tile of the map pack from the cache (the pack fetched it with CORS, a map image asks
// without: ignore Vary), anything else from the network.
async function packFirst(request) {
  const cached = await caches.match(request, { cacheName: TILES, ignoreVary: true });
  return cached || fetch(request);
}
