// The phone's position (WGS-84 from the browser's Geolocation API) and plane geometry helpers.

let last = null;
let failure = null;
let watchId = null;
const listeners = new Set();

/** Start watching the position (idempotent); fn({position, error}) on every change. */
export function watchPosition(fn) {
  listeners.add(fn);
  fn({ position: last, error: failure });
  if (watchId === null && navigator.geolocation) {
    watchId = navigator.geolocation.watchPosition(
      (p) => {
        last = { lon: p.coords.longitude, lat: p.coords.latitude,
          accuracy_m: Math.round(p.coords.accuracy * 10) / 10, at: p.timestamp };
        failure = null;
        listeners.forEach((f) => f({ position: last, error: null }));
      },
      (error) => {
        failure = error.message || "unavailable";
        listeners.forEach((f) => f({ position: last, error: failure }));
      },
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 30_000 });
  }
  return () => listeners.delete(fn);
}

/** Ask for a fresh fix now. */
export function locateOnce() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error("no geolocation"));
    navigator.geolocation.getCurrentPosition((p) => {
      last = { lon: p.coords.longitude, lat: p.coords.latitude,
        accuracy_m: Math.round(p.coords.accuracy * 10) / 10, at: p.timestamp };
      listeners.forEach((f) => f({ position: last, error: null }));
      resolve(last);
    }, (error) => reject(error), { enableHighAccuracy: true, maximumAge: 0, timeout: 30_000 });
  });
}

/** The last known position, or null. */
export function lastPosition() {
  return last;
}

/** Whether [lon, lat] lies inside a GeoJSON Polygon or MultiPolygon (even-odd rule). */
export function contains(geometry, [x, y]) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  return polygons.some((rings) => rings.reduce((inside, ring) => {
    let crossing = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) crossing = !crossing;
    }
    return crossing ? !inside : inside;
  }, false));
}

/** The code of the grid (from a FeatureCollection) containing [lon, lat], or null. */
export function gridAt(grids, point) {
  const feature = (grids?.features || []).find((f) => contains(f.geometry, point));
  return feature ? feature.properties.code : null;
}

const EARTH_M = 6371008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres between two WGS-84 [lon, lat] points. */
export function distanceM([lon1, lat1], [lon2, lat2]) {
  const h = Math.sin(((lat2 - lat1) * RAD) / 2) ** 2 +
    Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(((lon2 - lon1) * RAD) / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.sqrt(h));
}

/** The initial bearing (degrees from north, clockwise) from one [lon, lat] to another. */
export function bearingDeg([lon1, lat1], [lon2, lat2]) {
  const y = Math.sin((lon2 - lon1) * RAD) * Math.cos(lat2 * RAD);
  const x = Math.cos(lat1 * RAD) * Math.sin(lat2 * RAD) -
    Math.sin(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.cos((lon2 - lon1) * RAD);
  return (Math.atan2(y, x) / RAD + 360) % 360;
}
