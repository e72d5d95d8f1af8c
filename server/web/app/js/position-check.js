// Before saving: is the phone where the collector works? The server's rule (sync protocol,
// "Checks"): a point counts as in the collector's grid when it lies inside it or within the GPS
// accuracy of it, the accuracy taken as 10 m when absent and 100 m at most. A point beyond that
// goes to review as "outside assigned grid", so the phone warns first (and lets the collector go on).

import { contains } from "./geo.js";

export const DEFAULT_ACCURACY_M = 10;
export const MAX_TOLERANCE_M = 100;
const R = 6371008.8;
const RAD = Math.PI / 180;

function ringsOf(geometry) {
  return geometry.type === "Polygon" ? geometry.coordinates : geometry.coordinates.flat();
}

/** Metres between two [lon, lat] points a few kilometres apart at most (plane approximation). */
export function metresBetween([lon1, lat1], [lon2, lat2]) {
  return Math.hypot((lon2 - lon1) * Math.cos(lat1 * RAD) * RAD * R, (lat2 - lat1) * RAD * R);
}

/** Metres from [lon, lat] to the nearest edge of a (Multi)Polygon (plane around the point). */
export function distanceToEdge(geometry, [lon, lat]) {
  const kx = Math.cos(lat * RAD) * RAD * R;
  const ky = RAD * R;
  let best = Infinity;
  for (const ring of ringsOf(geometry)) {
    for (let i = 1; i < ring.length; i += 1) {
      const ax = (ring[i - 1][0] - lon) * kx;
      const ay = (ring[i - 1][1] - lat) * ky;
      const bx = (ring[i][0] - lon) * kx;
      const by = (ring[i][1] - lat) * ky;
      const dx = bx - ax;
      const dy = by - ay;
      const along = dx || dy ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy))) : 0;
      best = Math.min(best, Math.hypot(ax + along * dx, ay + along * dy));
    }
  }
  return best;
}

/**
 * Where a position stands against my grids (a FeatureCollection whose assigned grids have
 * relation "assigned"): {outside, covering (code of the grid the point is in, or null), nearest
 * (my nearest grid), distance_m, tolerance_m, inaccurate (accuracy worse than the tolerance can be)}.
 */
export function checkPosition(collection, position) {
  const features = collection?.features || [];
  const mine = features.filter((f) => f.properties.relation === "assigned");
  const point = [position.lon, position.lat];
  const accuracy = position.accuracy_m ?? DEFAULT_ACCURACY_M;
  const tolerance = Math.min(accuracy, MAX_TOLERANCE_M);
  const inaccurate = accuracy > MAX_TOLERANCE_M;
  if (!mine.length) return { outside: false, inaccurate, tolerance_m: tolerance };
  if (mine.some((f) => contains(f.geometry, point))) {
    return { outside: false, inaccurate, tolerance_m: tolerance, covering: null };
  }
  const nearest = mine.map((f) => ({ code: f.properties.code, d: distanceToEdge(f.geometry, point) }))
    .sort((a, b) => a.d - b.d)[0];
  const covering = features.find((f) => contains(f.geometry, point))?.properties.code || null;
  return { outside: nearest.d > tolerance, covering, nearest: nearest.code,
    distance_m: Math.round(nearest.d), tolerance_m: tolerance, inaccurate };
}
