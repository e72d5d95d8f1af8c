// The map screen: my grids on the base map, the records as clustered markers (a tap shows the
// record, or the list of records at that spot), my position, a way to walk to a record, and
// the state of the offline map pack. After a sync the layers are redrawn in place.

import { getMeta } from "../db.js";
import { recordTitle } from "../forms.js";
import { bearingDeg, distanceM, lastPosition, watchPosition } from "../geo.js";
import { t } from "../i18n.js";
import { createGridMap } from "../map.js";
import { allRecords, shownData, shownPoint } from "../records.js";
import { onSync } from "../sync.js";
import { onTilePack, tilePackState } from "../tile-pack.js";
import { h } from "./dom.js";

let keptView = null; // {key, view}: the view comes back after the other tabs

/** Render the map screen; onRecord(id) opens a record. Returns a cleanup function. */
export async function renderMap(root, { onRecord }) {
  const box = h("div.map", { id: "map" });
  const pack = h("div.map-pack", { id: "tile-pack", role: "status" });
  const cardBox = h("div.map-card", { hidden: true, role: "dialog" });
  root.replaceChildren(h("div.map-screen", {}, box, controls(() => map), legend(pack), cardBox));

  const basemap = (await getMeta("basemap"))?.body || null;
  let key = basemap?.version || "none";
  const byId = new Map();
  const map = await createGridMap(box, { basemap, onRecords: (ids) => card.show(ids.map((id) => byId.get(id))) });
  const card = recordCard(cardBox, map, onRecord);
  let framed = keptView?.key === key;
  if (framed) map.view = keptView.view;
  const drawGrids = async () => {
    map.setGrids((await getMeta("grids"))?.body);
    if (!framed) framed = map.fit(); // the first sign-in: frame the grids when they arrive
  };
  const drawRecords = async () => {
    byId.clear();
    for (const record of await allRecords()) byId.set(record.id, record);
    map.setRecords([...byId.values()].map((r) => ({ id: r.id, kind: r.kind, state: r.state || "synced",
      title: recordTitle(shownData(r), r.key), point: shownPoint(r) })));
  };
  await drawGrids(); // before the records: the outline must not wait for anything else
  await drawRecords();

  const stopPosition = watchPosition(({ position }) => {
    map.setPosition(position);
    card.guide();
  });
  const stopSync = onSync(async (event) => {
    if (event.phase === "reference") {
      const next = (await getMeta("basemap"))?.body || null;
      if ((next?.version || "none") !== key) { // a new base map (or the first): maybe a new datum
        key = next?.version || "none";
        map.setBasemap(next);
        await drawRecords();
        map.setPosition(lastPosition());
      }
      await drawGrids();
    }
    if (event.phase === "done") await drawRecords();
  });
  renderPack(pack, await tilePackState());
  const stopPack = onTilePack((state) => renderPack(pack, state));
  return () => {
    keptView = { key, view: map.view };
    [stopPosition, stopSync, stopPack].forEach((stop) => stop());
    map.destroy();
  };
}

function controls(map) {
  const button = (label, onclick, title = null) =>
    h("button", { type: "button", "aria-label": title ? null : label, title, onclick }, label);
  return h("div.map-controls", {}, button("+", () => map().zoomIn()), button("−", () => map().zoomOut()),
    button("▢", () => map().fit(), t("fit_grids")), button("◎", () => map().centreOnMe(), t("centre_me")));
}

function legend(pack) {
  return h("div.map-legend", {}, h("span.key.mine", {}, t("my_grids")),
    h("span.key.neighbour", {}, t("neighbour")), h("span.key.me", {}, t("my_position")), pack);
}

/** The card of the tapped record(s): open one, or walk to it (a line, distance, direction). */
function recordCard(box, map, onRecord) {
  let walkingTo = null;
  const guide = () => {
    if (!walkingTo) return;
    const me = lastPosition();
    walkingTo.node.textContent = me ? directions([me.lon, me.lat], walkingTo.point) : t("no_position_yet");
  };
  const close = () => {
    box.hidden = true;
    walkingTo = null;
    map.showRoute(null);
  };
  const row = (record) => {
    const point = shownPoint(record);
    const title = recordTitle(shownData(record), record.key);
    const state = record.state || "synced";
    const node = h("div.guide");
    const walk = () => {
      walkingTo = { point, node };
      map.showRoute(point);
      guide();
    };
    return h("li.card-record", { dataset: { record: record.id } },
      h("div.row-main", {}, h("span.row-title", {}, h(`span.kind-dot.kind-${record.kind}`), " ", title),
        h(`span.badge.state-${state}`, {}, t(`state_${state}`))),
      node,
      h("div.card-actions", {},
        h("button.small.primary", { type: "button", onclick: () => onRecord(record.id) }, t("open_record")),
        point && h("button.small", { type: "button", dataset: { action: "navigate" }, onclick: walk }, t("navigate")),
        point && h("a.small.link", { href: geoUri(point, title), dataset: { action: "maps-app" } }, t("navigate_app"))));
  };
  const show = (records) => {
    records = records.filter(Boolean);
    box.hidden = !records.length;
    box.replaceChildren(
      h("div.card-head", {}, records.length > 1 ? t("records_here", { n: records.length }) : null,
        h("button.close", { type: "button", "aria-label": t("close"), onclick: close }, "×")),
      h("ul.card-records", {}, records.map(row)));
  };
  return { show, guide };
}

function renderPack(node, state) {
  node.hidden = !state;
  if (!state) return;
  const mb = (bytes) => (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "");
  const detail = state.state === "running" ? t("map_pack_running", { done: state.done, total: state.total })
    : t(`map_pack_${state.state}`);
  node.dataset.state = state.state;
  node.textContent = `${t("map_pack", { mb: mb(state.bytes), cap: state.cap })} · ${detail}`;
}

function directions(from, to) {
  const degrees = Math.round(bearingDeg(from, to)) % 360;
  const metres = distanceM(from, to);
  const names = t("compass").split(",");
  return t("distance_bearing", { d: metres >= 1000 ? `${(metres / 1000).toFixed(1)} km` : `${Math.round(metres)} m`,
    dir: names[Math.round(degrees / 45) % 8], deg: degrees });
}

/** A geo: URI (RFC 5870, WGS-84) that phones hand to their maps app. */
function geoUri([lon, lat], title) {
  const at = `${lat.toFixed(6)},${lon.toFixed(6)}`;
  return `geo:${at}?q=${at}(${encodeURIComponent(title)})`;
}
