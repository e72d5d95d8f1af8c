// The base map both clients draw on: Leaflet (vendored, loaded once from /vendor/), the tile
// layers described by the server (GET /api/v1/basemap), and the datum shift that puts grids,
// records and GPS positions where the tiles show them (GCJ-02 sources are ~500 m off WGS-84).

import { wgs84ToGcj02 } from "./datum.js";

export const LEAFLET_FILES = ["/vendor/leaflet-1.9.4/leaflet.css", "/vendor/leaflet-1.9.4/leaflet.js",
  "/vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
  "/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js"];
const TILE = 256;
let loading = null;

function load(url) {
  return new Promise((resolve, reject) => {
    const node = url.endsWith(".css") ? Object.assign(document.createElement("link"), { rel: "stylesheet", href: url })
      : Object.assign(document.createElement("script"), { src: url, async: false });
    node.onload = resolve;
    node.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.append(node);
  });
}

/** Leaflet with the marker-cluster plugin (window.L), loaded on first use. */
export function loadLeaflet() {
  // The plugin needs window.L: the scripts run in order (async=false), the styles meanwhile.
  loading ??= Promise.all(LEAFLET_FILES.map(load)).then(() => window.L)
    .catch((error) => { loading = null; throw error; });
  return loading;
}

/** fn([lon, lat] in WGS-84) → [lat, lng] in the base map's datum, as Leaflet takes points. */
export function projector(basemap) {
  if (basemap?.source?.crs !== "GCJ02") return ([lon, lat]) => [lat, lon];
  return ([lon, lat]) => {
    const [x, y] = wgs84ToGcj02(lon, lat);
    return [y, x];
  };
}

/** The zooms a map may show: the source's and two more each way (tiles scaled); 3–20 without. */
export function zoomLimits(basemap) {
  const source = basemap?.source;
  return source ? { minZoom: Math.max(source.min_zoom - 2, 0), maxZoom: source.max_zoom + 2 }
    : { minZoom: 3, maxZoom: 20 };
}

/** The base map's tile layers (and its labels layer), none in "no base map" mode. */
export function tileLayers(L, basemap) {
  const source = basemap?.source;
  if (!source) return [];
  const text = document.createElement("span");
  text.textContent = source.attribution || "";
  const [w, s, e, n] = source.bounds || [];
  const options = { minNativeZoom: source.min_zoom, maxNativeZoom: source.max_zoom,
    ...zoomLimits(basemap), subdomains: source.subdomains,
    attribution: text.innerHTML, className: "basemap-tiles",
    bounds: source.bounds ? L.latLngBounds([s, w], [n, e]) : undefined };
  return [source.url, source.overlay_url].filter(Boolean).map((url) => L.tileLayer(url, options));
}

/** The absolute URL Leaflet requests for tile {x, y, z} of a template (one subdomain per tile). */
export function tileUrl(template, source, { x, y, z }) {
  const retina = (window.devicePixelRatio || 1) > 1;
  const values = { s: source.subdomains[Math.abs(x + y) % source.subdomains.length], x, y, z,
    r: retina ? "@2x" : "", "-y": 2 ** z - 1 - y };
  return new URL(template.replace(/\{ *([\w-]+) *\}/g, (_, key) => String(values[key])), location.href).href;
}

/** The tiles {x0, y0, x1, y1} (inclusive) covering a [west, south, east, north] box at zoom z. */
export function tileRange([west, south, east, north], z) {
  const size = TILE * 2 ** z;
  const px = (lon) => ((lon + 180) / 360) * size;
  const py = (lat) => {
    const sin = Math.sin((Math.max(Math.min(lat, 85.0511), -85.0511) * Math.PI) / 180);
    return (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size;
  };
  const tile = (v) => Math.min(Math.max(Math.floor(v / TILE), 0), 2 ** z - 1);
  return { x0: tile(px(west)), y0: tile(py(north)), x1: tile(px(east)), y1: tile(py(south)) };
}

/** The [west, south, east, north] of GeoJSON geometry, in the base map's datum. */
export function boundsIn(basemap, geometry) {
  const project = projector(basemap);
  const rings = geometry.type === "Polygon" ? geometry.coordinates : geometry.coordinates.flat();
  const points = rings.flat().map(project);
  const lats = points.map((p) => p[0]);
  const lons = points.map((p) => p[1]);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}
