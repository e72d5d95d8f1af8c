// The collector's map (Leaflet): the base map, my grids (neighbours dashed), the records of my
// grids as clustered markers, my position with its accuracy circle, and a line to a record I
// am walking to. Everything is given in WGS-84 and drawn in the base map's datum.
// The screens use this small API only: createGridMap(), setGrids, setRecords, setPosition,
// fit, centreOnMe, zoomIn/zoomOut, showRoute, view, destroy.

import { loadLeaflet, projector, tileLayers, zoomLimits } from "/shared/basemap.js";

const SAME_SPOT_M = 3; // a cluster this small opens as a list: zooming would not split it
const STATE_ORDER = ["rejected", "waiting", "held", "pending"];

/** A GeoJSON (Multi)Polygon as Leaflet's nested [lat, lng] arrays, in the map's datum. */
export function latLngsOf(geometry, project) {
  if (!geometry) return [];
  const polygon = (rings) => rings.map((ring) => ring.map(project));
  return geometry.type === "Polygon" ? polygon(geometry.coordinates) : geometry.coordinates.map(polygon);
}

/** A map in `container`; onRecords(ids) when a record (or a spot with several) is tapped. */
export async function createGridMap(container, { basemap, onRecords }) {
  const L = await loadLeaflet();
  return new GridMap(L, container, { basemap, onRecords });
}

class GridMap {
  constructor(L, container, { basemap, onRecords }) {
    this.L = L;
    this.onRecords = onRecords;
    this.map = L.map(container, { zoomControl: false, ...zoomLimits(basemap), zoomSnap: 1 });
    this.map.attributionControl.setPrefix("Leaflet");
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(this.map);
    this.map.createPane("gridLabels").style.zIndex = 450; // above the outlines, under markers
    this.tiles = [];
    this.setBasemap(basemap);
    this.grids = L.featureGroup().addTo(this.map);
    this.records = L.markerClusterGroup({ maxClusterRadius: 48, showCoverageOnHover: false,
      zoomToBoundsOnClick: false, spiderfyOnMaxZoom: false, chunkedLoading: true,
      iconCreateFunction: (cluster) => this.clusterIcon(cluster) }).addTo(this.map);
    this.records.on("clusterclick", (event) => this.openCluster(event.layer));
    this.me = L.featureGroup().addTo(this.map);
    this.route = L.featureGroup().addTo(this.map);
    const [w, s, e, n] = basemap?.source?.bounds || [73, 18, 135, 54]; // until grids arrive
    this.map.fitBounds([[s, w], [n, e]]);
  }

  /** Show another base map; grids, records and position must then be set again (its datum). */
  setBasemap(basemap) {
    for (const layer of this.tiles) layer.remove();
    this.project = projector(basemap);
    const { minZoom, maxZoom } = zoomLimits(basemap);
    this.map.setMinZoom(minZoom).setMaxZoom(maxZoom);
    this.tiles = tileLayers(this.L, basemap);
    for (const layer of this.tiles) layer.addTo(this.map);
  }

  /** Draw the grids of a FeatureCollection (mine strong, neighbours dashed). */
  setGrids(collection) {
    const L = this.L;
    this.grids.clearLayers();
    this.mineBounds = null;
    const features = [...(collection?.features || [])].sort((a, b) =>
      (a.properties.relation === "neighbour" ? 0 : 1) - (b.properties.relation === "neighbour" ? 0 : 1));
    for (const feature of features) {
      const own = feature.properties.relation !== "neighbour";
      const polygon = L.polygon(latLngsOf(feature.geometry, this.project), {
        className: own ? "grid grid-mine" : "grid grid-neighbour", interactive: false,
        color: own ? "#0f5c8c" : "#56616d", weight: own ? 3 : 2, dashArray: own ? null : "6 5",
        fillColor: own ? "#0f5c8c" : "#8894a0", fillOpacity: own ? 0.08 : 0.03 });
      polygon.bindTooltip(own ? `${feature.properties.name || ""} ${feature.properties.code}` : feature.properties.code,
        { permanent: true, direction: "center", pane: "gridLabels",
          className: own ? "grid-label mine" : "grid-label" });
      polygon.on("add", () => polygon.getElement()?.setAttribute("data-code", feature.properties.code));
      this.grids.addLayer(polygon);
      if (own) this.mineBounds = this.mineBounds ? this.mineBounds.extend(polygon.getBounds()) : polygon.getBounds();
    }
    this.mineBounds ??= features.length ? this.grids.getBounds() : null;
  }

  /** Records as markers: [{id, kind, state, title, point: [lon, lat]}]. */
  setRecords(records) {
    const L = this.L;
    this.records.clearLayers();
    this.markers = new Map();
    const markers = records.filter((r) => r.point).map((record) => {
      const marker = L.marker(this.project(record.point), { title: record.title, alt: record.title,
        icon: L.divIcon({ className: `record kind-${record.kind} state-${record.state}`, iconSize: [18, 18] }) });
      marker.record = record;
      marker.on("click", () => this.onRecords?.([record.id]));
      marker.on("add", () => { marker.getElement().dataset.id = record.id; });
      this.markers.set(record.id, marker);
      return marker;
    });
    this.records.addLayers(markers);
  }

  clusterIcon(cluster) {
    const states = new Set(cluster.getAllChildMarkers().map((m) => m.record.state));
    const worst = STATE_ORDER.find((s) => states.has(s)) || "synced";
    const count = cluster.getChildCount();
    const size = count < 10 ? 30 : count < 100 ? 36 : 44;
    return this.L.divIcon({ html: `<span>${count}</span>`, iconSize: [size, size],
      className: `record-cluster state-${worst}` });
  }

  openCluster(cluster) {
    const bounds = cluster.getBounds();
    const spread = this.map.distance(bounds.getSouthWest(), bounds.getNorthEast());
    if (spread <= SAME_SPOT_M || this.map.getZoom() >= this.map.getMaxZoom()) {
      this.onRecords?.(cluster.getAllChildMarkers().map((m) => m.record.id));
    } else {
      cluster.zoomToBounds({ padding: [48, 48] });
    }
  }

  /** My position {lon, lat, accuracy_m} (or null): a dot and its accuracy circle. */
  setPosition(position) {
    this.position = position;
    this.me.clearLayers();
    if (!position) return;
    const at = this.project([position.lon, position.lat]);
    this.me.addLayer(this.L.circle(at, { radius: position.accuracy_m || 0, className: "me-accuracy",
      interactive: false, color: "#2f6fd6", weight: 1, fillColor: "#2f6fd6", fillOpacity: 0.12 }));
    this.me.addLayer(this.L.circleMarker(at, { radius: 7, className: "me-dot", interactive: false,
      color: "#fff", weight: 2.5, fillColor: "#2f6fd6", fillOpacity: 1 }));
    this.drawRoute();
  }

  /** Show a line from me to a record's point (null clears it); frames both. */
  showRoute(point) {
    this.target = point;
    this.drawRoute();
    if (!point) return;
    const ends = [point, this.position && [this.position.lon, this.position.lat]].filter(Boolean);
    if (ends.length) this.map.fitBounds(this.L.latLngBounds(ends.map(this.project)), { padding: [60, 60], maxZoom: 18 });
  }

  drawRoute() {
    this.route.clearLayers();
    if (!this.target) return;
    const target = this.project(this.target);
    this.route.addLayer(this.L.circleMarker(target, { radius: 13, className: "route-target",
      interactive: false, color: "#c0392b", weight: 3, fill: false }));
    if (this.position) {
      this.route.addLayer(this.L.polyline([this.project([this.position.lon, this.position.lat]), target],
        { className: "route", interactive: false, color: "#c0392b", weight: 3, dashArray: "8 6" }));
    }
  }

  /** Show all my grids; whether there were any to show. */
  fit() {
    if (this.mineBounds) this.map.fitBounds(this.mineBounds, { padding: [16, 16] });
    return Boolean(this.mineBounds);
  }

  /** Centre on my position. */
  centreOnMe() {
    if (!this.position) return;
    this.map.setView(this.project([this.position.lon, this.position.lat]), Math.max(this.map.getZoom(), 17));
  }

  zoomIn() { this.map.zoomIn(); }

  zoomOut() { this.map.zoomOut(); }

  /** The view {centre, zoom}, to come back to it after the screen is drawn again. */
  get view() {
    const c = this.map.getCenter();
    return { centre: [c.lat, c.lng], zoom: this.map.getZoom() };
  }

  set view({ centre, zoom }) {
    this.map.setView(centre, zoom, { animate: false });
  }

  destroy() {
    this.map.remove();
  }
}
