// My grid(s) on a vector map, the records as points, my position and its accuracy.

import { getMeta } from "../db.js";
import { watchPosition } from "../geo.js";
import { t } from "../i18n.js";
import { GridMap } from "../map.js";
import { allRecords, shownPoint } from "../records.js";
import { h } from "./dom.js";

/** Render the map screen; onRecord(id) when a record's point is tapped. */
export async function renderMap(root, { onRecord }) {
  const box = h("div.map", { id: "map" });
  const legend = h("div.map-legend", {},
    h("span.key.mine", {}, t("my_grids")), h("span.key.neighbour", {}, t("neighbour")),
    h("span.key.me", {}, t("my_position")));
  const controls = h("div.map-controls", {},
    h("button", { type: "button", "aria-label": "+", onclick: () => map.zoom(1.5) }, "+"),
    h("button", { type: "button", "aria-label": "−", onclick: () => map.zoom(1 / 1.5) }, "−"),
    h("button", { type: "button", title: t("fit_grids"), onclick: () => map.fit() }, "▢"),
    h("button", { type: "button", title: t("centre_me"), onclick: () => map.centreOnMe() }, "◎"));
  root.replaceChildren(h("div.map-screen", {}, box, controls, legend));
  const map = new GridMap(box, { onRecord });
  map.setGrids((await getMeta("grids"))?.body);
  map.setRecords((await allRecords()).map((r) => ({ id: r.id, kind: r.kind, state: r.state || "synced",
    point: shownPoint(r) })));
  const stop = watchPosition(({ position }) => map.setPosition(position));
  return () => stop();
}
