// A small vector map in SVG: grid outlines, records as points, my position with its accuracy.
// No tiles (there are none offline): coordinates are projected to metres around the grids'
// centre, so the accuracy circle and the scale bar are true to size. One finger pans,
// two fingers (or the wheel, or the buttons) zoom.

const SVG = "http://www.w3.org/2000/svg";
const R = 6371008.8;
const RAD = Math.PI / 180;
const MARKER_PX = 7;

function el(name, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.append(node);
  return node;
}

function ringsOf(geometry) {
  if (!geometry) return [];
  return geometry.type === "Polygon" ? geometry.coordinates : geometry.coordinates.flat();
}

/** The map widget: new GridMap(container, {onRecord(id)}). */
export class GridMap {
  constructor(container, { onRecord } = {}) {
    this.container = container;
    this.onRecord = onRecord;
    this.origin = null;
    this.view = { x: 0, y: 0, mpp: 2 }; // centre in metres, metres per pixel
    this.svg = el("svg", { class: "map-svg", role: "img" }, container);
    this.layers = Object.fromEntries(["grids", "labels", "me", "records"].map((name) =>
      [name, el("g", { class: `layer-${name}` }, this.svg)]));
    this.scale = document.createElement("div");
    this.scale.className = "map-scale";
    container.append(this.scale);
    this.markers = [];
    this.bindGestures();
    new ResizeObserver(() => this.render()).observe(container);
  }

  project([lon, lat]) {
    const [lon0, lat0] = this.origin;
    return [(lon - lon0) * RAD * R * Math.cos(lat0 * RAD), -(lat - lat0) * RAD * R];
  }

  /** Draw the grids of a FeatureCollection (assigned ones stronger) and fit the view to mine. */
  setGrids(collection) {
    const features = collection?.features || [];
    this.layers.grids.replaceChildren();
    this.layers.labels.replaceChildren();
    this.labels = [];
    const mine = features.filter((f) => f.properties.relation !== "neighbour");
    const points = (mine.length ? mine : features).flatMap((f) => ringsOf(f.geometry).flat());
    if (!points.length) return;
    const lons = points.map((p) => p[0]);
    const lats = points.map((p) => p[1]);
    this.origin ??= [(Math.min(...lons) + Math.max(...lons)) / 2,
      (Math.min(...lats) + Math.max(...lats)) / 2];
    const mineLast = (f) => (f.properties.relation === "neighbour" ? 0 : 1);
    const ordered = [...features].sort((a, b) => mineLast(a) - mineLast(b));
    for (const feature of ordered) {
      const d = ringsOf(feature.geometry).map((ring) => "M" + ring.map((p) =>
        this.project(p).map((v) => v.toFixed(1)).join(",")).join("L") + "Z").join("");
      const own = feature.properties.relation !== "neighbour";
      el("path", { d, class: own ? "grid grid-mine" : "grid grid-neighbour",
        "fill-rule": "evenodd", "vector-effect": "non-scaling-stroke",
        "data-code": feature.properties.code }, this.layers.grids);
      const box = ringsOf(feature.geometry)[0].map((p) => this.project(p));
      const cx = (Math.min(...box.map((p) => p[0])) + Math.max(...box.map((p) => p[0]))) / 2;
      const cy = (Math.min(...box.map((p) => p[1])) + Math.max(...box.map((p) => p[1]))) / 2;
      const text = el("text", { class: own ? "grid-label mine" : "grid-label" }, this.layers.labels);
      text.textContent = own ? `${feature.properties.name || ""} ${feature.properties.code}`
        : feature.properties.code;
      this.labels.push({ node: text, x: cx, y: cy });
    }
    this.bounds = this.boundsOf(points.map((p) => this.project(p)));
    this.fit();
  }

  boundsOf(xy) {
    return { minX: Math.min(...xy.map((p) => p[0])), maxX: Math.max(...xy.map((p) => p[0])),
      minY: Math.min(...xy.map((p) => p[1])), maxY: Math.max(...xy.map((p) => p[1])) };
  }

  /** Records as points: [{id, point:[lon,lat], kind, state}]. */
  setRecords(records) {
    this.layers.records.replaceChildren();
    this.markers = [];
    if (!this.origin) return;
    for (const record of records) {
      if (!record.point) continue;
      const [x, y] = this.project(record.point);
      const circle = el("circle", { class: `record kind-${record.kind} state-${record.state}`,
        "data-id": record.id }, this.layers.records);
      circle.addEventListener("click", (event) => {
        event.stopPropagation();
        this.onRecord?.(record.id);
      });
      this.markers.push({ node: circle, x, y });
    }
    this.render();
  }

  /** My position {lon, lat, accuracy_m} (or null). */
  setPosition(position) {
    this.position = position;
    this.layers.me.replaceChildren();
    if (!position || !this.origin) return;
    const [x, y] = this.project([position.lon, position.lat]);
    el("circle", { class: "me-accuracy", cx: x, cy: y, r: position.accuracy_m || 0,
      "vector-effect": "non-scaling-stroke" }, this.layers.me);
    this.me = el("circle", { class: "me-dot", cx: x, cy: y }, this.layers.me);
    this.meXY = [x, y];
    this.render();
  }

  /** Show all my grids. */
  fit() {
    if (!this.bounds) return;
    const { width, height } = this.size();
    const b = this.bounds;
    this.view = { x: (b.minX + b.maxX) / 2, y: (b.minY + b.maxY) / 2,
      mpp: Math.max((b.maxX - b.minX) / (width - 24), (b.maxY - b.minY) / (height - 24), 0.05) };
    this.render();
  }

  /** Centre on my position. */
  centreOnMe() {
    if (!this.meXY) return;
    [this.view.x, this.view.y] = this.meXY;
    this.view.mpp = Math.min(this.view.mpp, 1);
    this.render();
  }

  zoom(factor, px = null, py = null) {
    const { width, height } = this.size();
    const ax = px ?? width / 2;
    const ay = py ?? height / 2;
    const before = this.toMap(ax, ay);
    this.view.mpp = Math.min(Math.max(this.view.mpp / factor, 0.02), 200);
    const after = this.toMap(ax, ay);
    this.view.x += before[0] - after[0];
    this.view.y += before[1] - after[1];
    this.render();
  }

  size() {
    return { width: this.container.clientWidth || 360, height: this.container.clientHeight || 400 };
  }

  toMap(px, py) {
    const { width, height } = this.size();
    return [this.view.x + (px - width / 2) * this.view.mpp, this.view.y + (py - height / 2) * this.view.mpp];
  }

  render() {
    const { width, height } = this.size();
    const { x, y, mpp } = this.view;
    this.svg.setAttribute("viewBox",
      `${x - (width / 2) * mpp} ${y - (height / 2) * mpp} ${width * mpp} ${height * mpp}`);
    for (const marker of this.markers) {
      marker.node.setAttribute("cx", marker.x);
      marker.node.setAttribute("cy", marker.y);
      marker.node.setAttribute("r", MARKER_PX * mpp);
      marker.node.setAttribute("stroke-width", 2 * mpp);
    }
    for (const label of this.labels || []) {
      label.node.setAttribute("x", label.x);
      label.node.setAttribute("y", label.y);
      label.node.setAttribute("font-size", 12 * mpp);
    }
    if (this.me) {
      this.me.setAttribute("r", 6 * mpp);
      this.me.setAttribute("stroke-width", 2.5 * mpp);
    }
    this.renderScale(mpp);
  }

  renderScale(mpp) {
    const target = 90 * mpp;
    const step = 10 ** Math.floor(Math.log10(target));
    const nice = [5, 2, 1].map((k) => k * step).find((v) => v <= target) || step;
    this.scale.style.width = `${nice / mpp}px`;
    this.scale.textContent = nice >= 1000 ? `${nice / 1000} km` : `${nice} m`;
  }

  bindGestures() {
    const pointers = new Map();
    let pinch = null;
    this.svg.addEventListener("pointerdown", (e) => {
      if (!e.target.dataset?.id) this.svg.setPointerCapture(e.pointerId); // a tap on a record stays a click
      pointers.set(e.pointerId, [e.clientX, e.clientY]);
    });
    this.svg.addEventListener("pointermove", (e) => {
      if (!pointers.has(e.pointerId)) return;
      const [px, py] = pointers.get(e.pointerId);
      pointers.set(e.pointerId, [e.clientX, e.clientY]);
      if (pointers.size === 1) {
        this.view.x -= (e.clientX - px) * this.view.mpp;
        this.view.y -= (e.clientY - py) * this.view.mpp;
        this.render();
      } else if (pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        const distance = Math.hypot(a[0] - b[0], a[1] - b[1]);
        if (pinch) this.zoom(distance / pinch);
        pinch = distance;
      }
    });
    const end = (e) => {
      pointers.delete(e.pointerId);
      if (pointers.size < 2) pinch = null;
    };
    this.svg.addEventListener("pointerup", end);
    this.svg.addEventListener("pointercancel", end);
    this.svg.addEventListener("wheel", (e) => {
      e.preventDefault();
      const box = this.svg.getBoundingClientRect();
      this.zoom(e.deltaY < 0 ? 1.25 : 0.8, e.clientX - box.left, e.clientY - box.top);
    }, { passive: false });
  }
}
