// Maps as plain SVG drawn from GeoJSON: an equirectangular projection scaled by cos(latitude),
// accurate enough at grid scale. No tiles, no library, nothing fetched from the network.
import { svg } from './dom.js';

const UNITS_PER_DEGREE = 100000;
const METRES_PER_DEGREE_LAT = 110574;

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

function bounds(features, points) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const add = (lon, lat, pad = 0) => {
    box[0] = Math.min(box[0], lon - pad); box[1] = Math.min(box[1], lat - pad);
    box[2] = Math.max(box[2], lon + pad); box[3] = Math.max(box[3], lat + pad);
  };
  for (const f of features) for (const ring of rings(f.geometry)) for (const [x, y] of ring) add(x, y);
  for (const p of points) add(p.lon, p.lat, (p.accuracy_m || 0) / METRES_PER_DEGREE_LAT);
  if (!Number.isFinite(box[0])) return [0, 0, 0.01, 0.01];
  return box;
}

/** The centre of a feature's bounding box, as [lon, lat] (a label anchor). */
export function anchor(feature) {
  const [x0, y0, x1, y1] = bounds([feature], []);
  return [(x0 + x1) / 2, (y0 + y1) / 2];
}

/**
 * An SVG map of grid features, with optional points (and their accuracy circles) and labels.
 * options: fill(feature) → colour, className(feature) → class, title(feature) → tooltip,
 * onSelect(feature), points: [{lon, lat, accuracy_m, className, title}],
 * labels: [{lon, lat, text, className}], lines: [{from: [lon, lat], to: [lon, lat], className}],
 * fit: the features to frame (all by default; the points are always framed), ariaLabel.
 */
export function gridMap(features, options = {}) {
  const points = options.points || [];
  const [minLon, minLat, maxLon, maxLat] = bounds(options.fit || features, points);
  const cos = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  const project = ([lon, lat]) => [
    ((lon - minLon) * cos * UNITS_PER_DEGREE).toFixed(1),
    ((maxLat - lat) * UNITS_PER_DEGREE).toFixed(1)];
  const width = Math.max((maxLon - minLon) * cos * UNITS_PER_DEGREE, 1);
  const height = Math.max((maxLat - minLat) * UNITS_PER_DEGREE, 1);
  const pad = Math.max(width, height) * 0.04;
  const root = svg('svg', {
    class: 'map', viewBox: `${-pad} ${-pad} ${width + 2 * pad} ${height + 2 * pad}`,
    role: 'img', 'aria-label': options.ariaLabel || '', preserveAspectRatio: 'xMidYMid meet',
  });
  const grids = svg('g', { class: 'map-grids' });
  for (const feature of features) {
    const d = rings(feature.geometry)
      .map((ring) => 'M' + ring.map((c) => project(c).join(' ')).join('L') + 'Z').join('');
    const path = svg('path', {
      d, 'fill-rule': 'evenodd', class: `grid ${options.className ? options.className(feature) : ''}`,
      style: options.fill ? `fill:${options.fill(feature)}` : null, 'data-code': feature.id ?? feature.properties?.code,
      tabindex: options.onSelect ? 0 : null, role: options.onSelect ? 'button' : null,
    }, svg('title', {}, options.title ? options.title(feature) : (feature.properties?.name || '')));
    if (options.onSelect) {
      path.addEventListener('click', () => options.onSelect(feature));
      path.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); options.onSelect(feature); }
      });
    }
    grids.append(path);
  }
  root.append(grids);
  for (const line of options.lines || []) {
    const [x1, y1] = project(line.from);
    const [x2, y2] = project(line.to);
    root.append(svg('line', { x1, y1, x2, y2, class: `map-line ${line.className || ''}` }));
  }
  const fontSize = Math.max(width, height) / 55;
  for (const l of options.labels || []) {
    const [x, y] = project([l.lon, l.lat]);
    root.append(svg('text', { x, y, class: `map-label ${l.className || ''}`, 'font-size': fontSize.toFixed(1),
      'text-anchor': 'middle', 'dominant-baseline': 'middle' }, l.text));
  }
  for (const p of points) {
    const [x, y] = project([p.lon, p.lat]);
    const group = svg('g', { class: `map-point ${p.className || ''}` }, svg('title', {}, p.title || ''));
    if (p.accuracy_m) {
      group.append(svg('circle', { cx: x, cy: y, class: 'accuracy',
        r: (p.accuracy_m / METRES_PER_DEGREE_LAT * UNITS_PER_DEGREE).toFixed(1) }));
    }
    group.append(svg('circle', { cx: x, cy: y, r: (fontSize * 0.45).toFixed(1), class: 'dot' }));
    root.append(group);
  }
  return root;
}

/** A stable, well-spread colour for a key (e.g. a collector's username). */
export function colourFor(key) {
  let hash = 0;
  for (const ch of String(key)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  const hue = (hash * 137.508) % 360;
  return `hsl(${hue.toFixed(0)} 55% ${62 + (hash % 3) * 6}%)`;
}
