// The phone's local database (IndexedDB): a few promise helpers, no library.
// Stores: meta (key/value: auth, me, grids, cursor, device id), forms (definitions),
// records (the records of my grids, with my unsent local edits), outbox (items to upload),
// search (one small entry per record for the list and its search: see search-index.js),
// photos (captured pictures until the server has them).

const NAME = "zhiwang";
const VERSION = 3; // 2: the list's search index (issue 14); 3: photos (issue 17)
let opening = null;

/** The open database (created or upgraded on first use). */
export function openDb() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = (event) => {
      const db = request.result;
      if (event.oldVersion < 1) {
        db.createObjectStore("meta", { keyPath: "key" });
        db.createObjectStore("forms", { keyPath: "key" });
        db.createObjectStore("records", { keyPath: "id" });
        const outbox = db.createObjectStore("outbox", { keyPath: "id" });
        outbox.createIndex("seq", "seq");
        outbox.createIndex("record_id", "record_id");
      }
      if (event.oldVersion < 2) db.createObjectStore("search", { keyPath: "id" }); // filled lazily
      // Photos (issue 17): {sha256, blob, size, content_type, width, height, uploaded, error?}.
      if (event.oldVersion < 3) db.createObjectStore("photos", { keyPath: "sha256" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Run fn(stores) in one read-write transaction over the named stores; resolves when committed. */
export async function transaction(names, fn, mode = "readwrite") {
  const db = await openDb();
  const tx = db.transaction(names, mode);
  const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
  const committed = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
  // fn must only await requests of this transaction, or it would commit early.
  const result = await fn(stores, done);
  await committed;
  return result;
}

/** How many values a store holds. */
export async function count(store) {
  const db = await openDb();
  return done(db.transaction(store).objectStore(store).count());
}

/** One value by key, or undefined. */
export async function get(store, key) {
  const db = await openDb();
  return done(db.transaction(store).objectStore(store).get(key));
}

/** Every value of a store (or of one of its indexes, in index order). */
export async function all(store, index = null, query = undefined) {
  const db = await openDb();
  const source = db.transaction(store).objectStore(store);
  return done((index ? source.index(index) : source).getAll(query));
}

/** Store one value. */
export async function put(store, value) {
  return transaction([store], (s) => done(s[store].put(value)));
}

/** Remove one value. */
export async function remove(store, key) {
  return transaction([store], (s) => done(s[store].delete(key)));
}

/** A meta value (the `value` member of {key, value}). */
export async function getMeta(key) {
  return (await get("meta", key))?.value;
}

/** Store a meta value. */
export async function setMeta(key, value) {
  return put("meta", { key, value });
}

/** Forget everything (sign-out of another user on this phone). */
export async function clearAll() {
  return transaction(["meta", "forms", "records", "outbox", "search", "photos"], (s) =>
    Promise.all(Object.values(s).map((store) => done(store.clear()))));
}
