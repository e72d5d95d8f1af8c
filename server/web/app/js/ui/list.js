// The records of my grid(s), searchable on the phone (offline). Reads the small search index
// (search-index.js), filters a moment after the last keystroke, and renders only the rows in
// view. While the first sync is under way, or after it was interrupted, says how much is here.

import { latestForms } from "../forms.js";
import { label, t } from "../i18n.js";
import { getMeta } from "../db.js";
import { matching, searchEntries } from "../search-index.js";
import { onSync } from "../sync.js";
import { h } from "./dom.js";
import { VirtualList } from "./virtual-list.js";

const ROW_HEIGHT = 68; // .record-row: 60 px and its 8 px margin (app.css)
const DEBOUNCE_MS = 150;
const REFRESH_MS = 2000; // how often the list takes in what a running sync brought
let lastQuery = "";
let lastKind = "";

/** Render the list; onOpen(id) when a record is tapped. Returns a function that stops it. */
export async function renderList(root, { onOpen }) {
  const forms = await latestForms();
  const titles = new Map(forms.map((f) => [f.kind, label(f.title)]));
  let entries = await searchEntries();
  let timer = null;
  const search = h("input.search", { type: "search", placeholder: t("search"), value: lastQuery,
    "aria-label": t("search"), oninput: () => { clearTimeout(timer); timer = setTimeout(draw, DEBOUNCE_MS); } });
  const kinds = h("div.chips", { role: "group", "aria-label": t("all_kinds") },
    [["", t("all_kinds")], ...forms.map((f) => [f.kind, label(f.title)])]
      .map(([kind, text]) => h("button.chip", { type: "button", dataset: { kind },
        onclick: () => { lastKind = kind; draw(); } }, text)));
  const progress = h("div.banner.progress", { hidden: true, role: "status" });
  const count = h("div.subtle.count", { role: "status" });
  const list = h("ul.records");
  const empty = h("p.empty", { hidden: true }, t("no_records"));
  root.replaceChildren(h("div.list-screen", {}, search, kinds, progress, count, list, empty));
  const rows = new VirtualList(list, root.closest(".view") || root, { rowHeight: ROW_HEIGHT,
    render: (entry) => row(entry, titles, onOpen) });
  // A longer query of the same kind only narrows what the last one found: typing "王小" after
  // "王" filters the 800 names with 王, not the 10,000 records again.
  let last = { query: null, kind: null, shown: entries };
  await showProgress(progress);
  draw({ keepScroll: true });

  function draw({ keepScroll = false } = {}) {
    const query = search.value.trim();
    const changed = query !== lastQuery;
    lastQuery = query;
    for (const chip of kinds.children) {
      chip.classList.toggle("active", chip.dataset.kind === lastKind);
      chip.setAttribute("aria-pressed", String(chip.dataset.kind === lastKind));
    }
    const narrower = last.query !== null && last.kind === lastKind && query.startsWith(last.query);
    const shown = matching(narrower ? last.shown : entries, lastQuery, lastKind);
    last = { query, kind: lastKind, shown };
    count.textContent = t("records_count", { n: shown.length });
    empty.hidden = shown.length > 0;
    rows.setItems(shown, { top: changed && !keepScroll });
  }

  let refreshing = null;
  const stopSync = onSync((event) => {
    if (event.phase !== "progress" || event.stage !== "download" || refreshing) return;
    refreshing = setTimeout(async () => {
      refreshing = null;
      if (!list.isConnected) return;
      entries = await searchEntries();
      last = { query: null, kind: null, shown: entries };
      await showProgress(progress);
      draw({ keepScroll: true });
    }, REFRESH_MS);
  });
  return () => {
    stopSync();
    rows.stop();
    clearTimeout(timer);
    clearTimeout(refreshing);
  };
}

function row(entry, titles, onOpen) {
  return h("li.record-row", { dataset: { id: entry.id } },
    h("button.row", { type: "button", onclick: () => onOpen(entry.id) },
      h("span.kind-dot", { class: `kind-dot kind-${entry.kind}` }),
      h("span.row-main", {}, h("span.row-title", {}, entry.title),
        h("span.row-sub", {}, [titles.get(entry.kind) || entry.kind, entry.key].filter(Boolean).join(" · "))),
      h(`span.badge.state-${entry.state}`, {}, t(`state_${entry.state}`))));
}

async function showProgress(banner) {
  const initial = await getMeta("initial_sync");
  const partial = initial && !initial.complete;
  banner.hidden = !partial;
  if (partial) {
    const params = { done: initial.done.toLocaleString(), total: initial.total.toLocaleString() };
    banner.textContent = document.body.dataset.sync === "running" ? t("first_sync_running", params)
      : t("first_sync_partial", params);
  }
}
