// A field that points at another record (a resident's rental): chosen from the records of that
// kind held on this phone, nearest to where the collector stands first, shown by their titles.

import { lastPosition } from "../geo.js";
import { t } from "../i18n.js";
import { metresBetween } from "../position-check.js";
import { h } from "./dom.js";

const SHOWN = 50; // the nearest ones; the one already chosen is kept whatever its distance

function metresTo(entry, position) {
  return position && entry.point ? metresBetween([position.lon, position.lat], entry.point) : null;
}

/** A ref control: {node, read(), write(value)}; `entries` are search-index entries of the kind. */
export function refControl(field, common, entries, kindName) {
  const position = lastPosition();
  const near = entries.map((e) => ({ ...e, d: metresTo(e, position) }))
    .sort((a, b) => (a.d ?? Infinity) - (b.d ?? Infinity)).slice(0, SHOWN);
  const option = (e) => h("option", { value: e.id },
    [e.title, e.key, e.d != null ? t("metres_away", { m: Math.round(e.d) }) : null].filter(Boolean).join(" · "));
  const select = h("select", common, h("option", { value: "" }, t("pick_record")),
    h("optgroup", { label: t("ref_nearby", { kind: kindName }) }, near.map(option)));
  return { node: select, read: () => select.value || undefined,
    write: (value) => {
      if (value && ![...select.options].some((o) => o.value === value)) {
        const known = entries.find((e) => e.id === value);
        select.append(known ? option({ ...known, d: metresTo(known, position) })
          : h("option", { value }, t("ref_unknown", { id: value.slice(0, 8) })));
      }
      select.value = value ?? "";
    } };
}
