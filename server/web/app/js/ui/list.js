// The records of my grid(s), searchable on the phone (offline).

import { latestForms, recordTitle } from "../forms.js";
import { label, t } from "../i18n.js";
import { allRecords, shownData } from "../records.js";
import { h } from "./dom.js";

let lastQuery = "";
let lastKind = "";

function matches(record, query) {
  if (!query) return true;
  const data = shownData(record);
  const haystack = [record.key, data.name, data.id_card, data.phone, data.address, data.address_code,
    data.landlord_name, data.landlord_phone, data.current_address, data.location_description,
    data.fixture_id, data.name].filter(Boolean).join(" ").toLowerCase();
  return query.toLowerCase().split(/\s+/).every((word) => haystack.includes(word));
}

/** Render the list; onOpen(id) when a record is tapped. */
export async function renderList(root, { onOpen }) {
  const forms = await latestForms();
  const records = (await allRecords()).sort((a, b) =>
    (b.local?.saved_at || b.server?.updated_at || "").localeCompare(a.local?.saved_at || a.server?.updated_at || ""));
  const search = h("input.search", { type: "search", placeholder: t("search"), value: lastQuery,
    "aria-label": t("search"), oninput: draw });
  const kinds = h("div.chips", {}, [["", t("all_kinds")], ...forms.map((f) => [f.kind, label(f.title)])]
    .map(([kind, text]) => h("button.chip", { type: "button", dataset: { kind },
      onclick: () => { lastKind = kind; draw(); } }, text)));
  const count = h("div.subtle.count");
  const list = h("ul.records");
  root.replaceChildren(h("div.list-screen", {}, search, kinds, count, list));
  draw();

  function draw() {
    lastQuery = search.value.trim();
    for (const chip of kinds.children) chip.classList.toggle("active", chip.dataset.kind === lastKind);
    const shown = records.filter((r) => (!lastKind || r.kind === lastKind) && matches(r, lastQuery));
    count.textContent = t("records_count", { n: shown.length });
    list.replaceChildren(...(shown.length ? shown.map((record) => {
      const data = shownData(record);
      const form = forms.find((f) => f.kind === record.kind);
      const state = record.state || "synced";
      return h("li.record-row", { dataset: { id: record.id } },
        h("button.row", { type: "button", onclick: () => onOpen(record.id) },
          h("span.kind-dot", { class: `kind-dot kind-${record.kind}` }),
          h("span.row-main", {}, h("span.row-title", {}, recordTitle(data, record.key)),
            h("span.row-sub", {}, [form ? label(form.title) : record.kind, record.key || data[form?.key]]
              .filter(Boolean).join(" · "))),
          h(`span.badge.state-${state}`, {}, t(`state_${state}`))));
    }) : [h("li.empty", {}, t("no_records"))]));
  }
}
