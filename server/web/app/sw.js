// Service worker of the collector's app: the app shell from the cache (refreshed in the
// background), and the forms and grids from the network with the cache as fallback offline.
// Records and the outbox live in IndexedDB, not here.

const VERSION = "zhiwang-app-3";
const SHELL = `${VERSION}-shell`;
const DATA = `${VERSION}-data`;
const SHELL_FILES = [
  "./", "app.css", "manifest.webmanifest", "icons/icon-192.png", "icons/icon-512.png",
  "js/main.js", "js/api.js", "js/db.js", "js/forms.js", "js/geo.js", "js/i18n.js", "js/identifiers.js",
  "js/map.js",
  "js/records.js", "js/sync.js", "js/validate.js", "js/ui/dom.js", "js/ui/fields.js",
  "js/ui/form.js", "js/ui/list.js", "js/ui/login.js", "js/ui/map-screen.js", "js/ui/outbox.js",
  "js/ui/record-view.js", "js/ui/tasks.js",
];
const CACHED_API = /\/api\/v1\/(forms(\/|$)|grids$)/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => !k.startsWith(VERSION)).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (CACHED_API.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith(new URL("./", self.location).pathname)) {
    event.respondWith(shellFirst(request));
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

// Forms and grids: the network when there is one, else the last copy (ETag revalidation is
// the page's business: a 304 passes through untouched).
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
