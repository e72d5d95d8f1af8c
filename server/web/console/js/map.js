// The console's maps (Leaflet, the same library and base map as the phone app): grids as
// polygons (filled, classed, clickable and focusable), points with their accuracy circles,
// labels, lines, and records as clustered markers. Points are WGS-84, drawn in the base map's
// datum. Screens use: const map = await gridMap(box, features, options); map.update(options).
import { loadLeaflet, projector, tileLayers, zoomLimits } from '/shared/basemap.js';
import { basemapConfig } from './data.js';
import { h } from './dom.js';

function latLngs(geometry, project) {
  const polygon = (rings) => rings.map((ring) => ring.map(project));
  if (geometry?.type === 'Polygon') return polygon(geometry.coordinates);
  if (geometry?.type === 'MultiPolygon') return geometry.coordinates.map(polygon);
  return [];
}

/** The centre of a feature's bounding box, as [lon, lat] (a label anchor). */
export function anchor(feature) {
  const points = (feature.geometry.type === 'Polygon' ? feature.geometry.coordinates
    : feature.geometry.coordinates.flat()).flat();
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  return [(Math.min(...lons) + Math.max(...lons)) / 2, (Math.min(...lats) + Math.max(...lats)) / 2];
}

/**
 * A map of grid features in `box`, framing options.fit (default: all features) and the points.
 * options: fill(feature) → colour, className(feature) → class, title(feature) → tooltip,
 * onSelect(feature), points: [{lon, lat, accuracy_m, className, title}],
 * labels: [{lon, lat, text, className}], lines: [{from: [lon, lat], to: [lon, lat], className}],
 * records: [{id, lon, lat, kind, title}] with onRecord(id), ariaLabel.
 */
export async function gridMap(box, features, options = {}) {
  const [L, basemap] = await Promise.all([loadLeaflet(), basemapConfig()]);
  const element = h('div.map', { role: 'region', 'aria-label': options.ariaLabel || '' });
  box.replaceChildren(element);
  if (!(await shown(element))) return null; // the screen was left before the map could show
  return new GridMap(L, element, basemap, features, options);
}

/** Wait until an element is on the page with a size (a map frames itself by its size). */
function shown(element, patience = 600) {
  return new Promise((resolve) => {
    const check = (left) => {
      if (element.isConnected && element.clientWidth) resolve(true);
      else if (left <= 0) resolve(false);
      else requestAnimationFrame(() => check(left - 1));
    };
    check(patience);
  });
}

class GridMap {
  constructor(L, element, basemap, features, options) {
    this.L = L;
    this.project = projector(basemap);
    this.map = L.map(element, { ...zoomLimits(basemap), zoomSnap: 1 }); // whole zooms: crisp tiles
    this.map.attributionControl.setPrefix('Leaflet');
    L.control.scale({ imperial: false }).addTo(this.map);
    for (const layer of tileLayers(L, basemap)) layer.addTo(this.map);
    this.features = features;
    this.polygons = features.map((feature) => L.polygon(latLngs(feature.geometry, this.project)));
    this.frame(options); // a map takes layers once it has a view
    this.polygons.forEach((layer, i) => this.addGrid(layer, features[i]));
    this.overlay = L.featureGroup().addTo(this.map);
    this.update(options);
  }

  addGrid(layer, feature) {
    const code = feature.id ?? feature.properties?.code;
    layer.addTo(this.map);
    const path = layer.getElement();
    path.dataset.code = code;
    layer.on('click', () => this.options.onSelect?.(feature));
    path.addEventListener('keydown', (event) => {
      if (this.options.onSelect && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        this.options.onSelect(feature);
      }
    });
  }

  /** Restyle the grids and redraw points, labels, lines and records from new options. */
  update(options) {
    this.options = options;
    this.features.forEach((feature, i) => {
      const layer = this.polygons[i];
      const path = layer.getElement();
      const fill = options.fill?.(feature);
      layer.setStyle({ fillColor: fill || '#5b6b7b', fillOpacity: fill ? 0.62 : 0.06, color: '#5b6b7b', weight: 1 });
      path.setAttribute('class', `leaflet-interactive grid ${options.className?.(feature) || ''}`);
      const title = options.title ? options.title(feature) : feature.properties?.name || '';
      // A label names a control; an outline that is only drawn is described by its tooltip.
      if (options.onSelect) {
        path.setAttribute('tabindex', '0');
        path.setAttribute('role', 'button');
        path.setAttribute('aria-label', title);
      } else {
        path.removeAttribute('role');
        path.removeAttribute('aria-label');
      }
      layer.unbindTooltip().bindTooltip(title, { sticky: true });
    });
    this.overlay.clearLayers();
    for (const line of options.lines || []) this.drawLine(line);
    for (const label of options.labels || []) this.drawLabel(label);
    for (const point of options.points || []) this.drawPoint(point);
    if (options.records) this.drawRecords(options.records, options.onRecord);
  }

  drawLine(line) {
    this.overlay.addLayer(this.L.polyline([this.project(line.from), this.project(line.to)],
      { className: `map-line ${line.className || ''}`, interactive: false, weight: 2, dashArray: '6 5', color: '#d92d20' }));
  }

  drawLabel(label) {
    this.overlay.addLayer(this.L.marker(this.project([label.lon, label.lat]), { interactive: false, keyboard: false,
      icon: this.L.divIcon({ className: `map-label ${label.className || ''}`, html: '<span></span>', iconSize: null }) })
      .on('add', (e) => { e.target.getElement().firstChild.textContent = label.text; }));
  }

  drawPoint(point) {
    const at = this.project([point.lon, point.lat]);
    if (point.accuracy_m) {
      this.overlay.addLayer(this.L.circle(at, { radius: point.accuracy_m, interactive: false, weight: 1,
        className: `map-accuracy ${point.className || ''}` }));
    }
    this.overlay.addLayer(this.L.circleMarker(at, { radius: 6, weight: 2, fillOpacity: 1,
      className: `map-point ${point.className || ''}` }).bindTooltip(point.title || ''));
  }

  drawRecords(records, onRecord) {
    const group = this.L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false });
    group.addLayers(records.map((r) => this.L.marker(this.project([r.lon, r.lat]), { title: r.title,
      icon: this.L.divIcon({ className: `map-record kind-${r.kind}`, iconSize: [14, 14] }) })
      .on('click', () => onRecord?.(r.id))
      .on('add', (e) => { e.target.getElement().dataset.record = r.id; })));
    this.overlay.addLayer(group);
  }

  /** Frame options.fit (or every grid) and the points. */
  frame(options) {
    const shown = (options.fit || this.features).map((f) => this.polygons[this.features.indexOf(f)]).filter(Boolean);
    let bounds = shown.length ? this.L.featureGroup(shown).getBounds() : null;
    for (const p of options.points || []) {
      const around = this.L.latLng(this.project([p.lon, p.lat])).toBounds(2 * (p.accuracy_m || 20));
      bounds = bounds ? bounds.extend(around) : around;
    }
    if (bounds) this.map.fitBounds(bounds, { padding: [12, 12] });
    else this.map.setView([22.7, 114.35], 12);
  }
}

/** A stable, well-spread colour for a key (e.g. a collector's username). */
export function colourFor(key) {
  let hash = 0;
  for (const ch of String(key)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  const hue = (hash * 137.508) % 360;
  return `hsl(${hue.toFixed(0)} 55% ${62 + (hash % 3) * 6}%)`;
}
