// The map screen: my grids on the base map, the records as clustered markers (a tap shows the
// record, or the list of records at that spot), my position, a way to walk to a record, and
// the state of the offline map pack. The view is kept when the screen is drawn again.

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
  const card = h("div.map-card", { hidden: true, role: "dialog" });
  const pack = h("div.map-pack", { id: "tile-pack", role: "status" });
  const legend = h("div.map-legend", {},
    h("span.key.mine", {}, t("my_grids")), h("span.key.neighbour", {}, t("neighbour")),
    h("span.key.me", {}, t("my_position")), pack);
  const controls = h("div.map-controls", {},
    h("button", { type: "button", "aria-label": "+", onclick: () => map.zoomIn() }, "+"),
    h("button", { type: "button", "aria-label": "−", onclick: () => map.zoomOut() }, "−"),
    h("button", { type: "button", title: t("fit_grids"), onclick: () => map.fit() }, "▢"),
    h("button", { type: "button", title: t("centre_me"), onclick: () => map.centreOnMe() }, "◎"));
  root.replaceChildren(h("div.map-screen", {}, box, controls, legend, card));

  const basemap = (await getMeta("basemap"))?.body || null;
  let key = basemap?.version || "none";
  const map = await createGridMap(box, { basemap, onRecords: (ids) => showCard(ids) });
  const byId = new Map();
  let walkingTo = null;
  let framed = keptView?.key === key;
  const drawGrids = async () => {
    map.setGrids((await getMeta("grids"))?.body);
    if (!framed) framed = map.fit(); // the first sign-in: frame the grids when they arrive
  };
  if (framed) map.view = keptView.view;
  await drawGrids(); // before the records: the outline must not wait for anything else
  const drawRecords = async () => {
    byId.clear();
    for (const record of await allRecords()) byId.set(record.id, record);
    map.setRecords([...byId.values()].map((r) => ({ id: r.id, kind: r.kind, state: r.state || "synced",
      title: recordTitle(shownData(r), r.key), point: shownPoint(r) })));
  };
  await drawRecords();

  const showCard = (ids) => {
    const records = ids.map((id) => byId.get(id)).filter(Boolean);
    card.hidden = !records.length;
    card.replaceChildren(
      h("div.card-head", {}, records.length > 1 ? t("records_here", { n: records.length }) : null,
        h("button.close", { type: "button", "aria-label": t("close"), onclick: () => closeCard() }, "×")),
      h("ul.card-records", {}, records.map((record) => recordRow(record))));
  };
  const closeCard = () => {
    card.hidden = true;
    walkingTo = null;
    map.showRoute(null);
  };
  const recordRow = (record) => {
    const point = shownPoint(record);
    const title = recordTitle(shownData(record), record.key);
    const state = record.state || "synced";
    const guide = h("div.guide", { dataset: { record: record.id } });
    return h("li.card-record", { dataset: { record: record.id } },
      h("div.row-main", {}, h("span.row-title", {}, h(`span.kind-dot.kind-${record.kind}`), " ", title),
        h(`span.badge.state-${state}`, {}, t(`state_${state}`))),
      guide,
      h("div.card-actions", {},
        h("button.small.primary", { type: "button", onclick: () => onRecord(record.id) }, t("open_record")),
        point ? h("button.small", { type: "button", dataset: { action: "navigate" }, onclick: () => {
          walkingTo = { point, guide };
          map.showRoute(point);
          guideTo();
        } }, t("navigate")) : null,
        point ? h("a.small.link", { href: geoUri(point, title), dataset: { action: "maps-app" } }, t("navigate_app")) : null));
  };
  const guideTo = () => {
    if (!walkingTo) return;
    const me = lastPosition();
    walkingTo.guide.textContent = me ? directions([me.lon, me.lat], walkingTo.point) : t("no_position_yet");
  };

  const stopPosition = watchPosition(({ position }) => {
    map.setPosition(position);
    guideTo();
  });
  const stopSync = onSync(async (event) => { // new data in place: the view and an open card stay
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
  const showPack = (state) => renderPack(pack, state);
  showPack(await tilePackState());
  const stopPack = onTilePack(showPack);
  return () => {
    keptView = { key, view: map.view };
    stopPosition();
    stopSync();
    stopPack();
    map.destroy();
  };
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
