// What happened to an item, said to the collector: why it waits for review (how far outside
// which grid, which fields someone else changed and their values now, whose record it may
// duplicate), and how the review ended (accepted, merged: which of my values were kept,
// or not accepted: the reviewer's note).

import { fieldLabel, recordTitle } from "./forms.js";
import { label, t } from "./i18n.js";
import { choicesOf } from "./validate.js";

/** The state a person sees: a reviewed item reads "审核通过"/"审核合并", not merely merged. */
export function shownState(item, record = null) {
  if (item.state !== "merged" || !item.conflict_id) return item.state;
  const kept = keptValues(item, record);
  return kept && kept.dropped.length ? "reviewed_merged" : "reviewed";
}

function shownValue(definition, name, value) {
  if (value === undefined || value === null || value === "") return t("nothing");
  const field = definition?.fields.find((f) => f.name === name);
  if (field && (field.type === "select_one" || field.type === "select_multiple")) {
    const choices = choicesOf(definition, field);
    const one = (v) => label(choices.find((c) => c.value === v)?.label) || v;
    return Array.isArray(value) ? value.map(one).join("、") : one(value);
  }
  return Array.isArray(value) ? value.join("、") : String(value);
}

/** Why a conflict waits, in a sentence (null when the server gave no reason). */
export function waitingReason(item, definition, titleOf = () => null) {
  const result = item.result || {};
  const reason = result.reason;
  if (!reason) return null;
  switch (result.conflict_kind) {
    case "outside_assigned_grid":
    case "outside_district": {
      const distance = reason.distance_m == null ? "?" : Math.round(reason.distance_m);
      const params = { covering: reason.covering_grid, grid: reason.nearest_assigned_grid || "",
        distance, tolerance: Math.round(reason.tolerance_m ?? 0) };
      if (reason.covering_grid) return t("why_outside", params);
      return reason.distance_m == null ? t("why_outside_unknown") : t("why_outside_nowhere", params);
    }
    case "stale_edit": {
      const fields = (reason.fields || []).map((name) => t("why_stale_value", {
        field: fieldLabel(definition, `data.${name}`, label),
        value: shownValue(definition, name, reason.current?.[name]) }));
      return t("why_stale", { fields: fields.join("；") });
    }
    case "possible_duplicate":
      if (reason.record_id) {
        return t("why_duplicate", { title: titleOf(reason.record_id) || reason.key || reason.record_id });
      }
      return t("why_duplicate_elsewhere");
    case "record_retired":
      return t("why_retired");
    default:
      return null;
  }
}

/** Of the values this item sent, which the record now holds and which it does not. */
export function keptValues(item, record) {
  const server = record?.server;
  if (!server || server.version !== item.version) return null; // not that version (yet)
  const mine = item.data || {};
  const kept = [];
  const dropped = [];
  for (const [name, value] of Object.entries(mine)) {
    (JSON.stringify(server.data?.[name]) === JSON.stringify(value) ? kept : dropped).push(name);
  }
  return { kept, dropped };
}

/** How the review of an item ended, in a sentence; null when it was not reviewed. */
export function reviewOutcome(item, record, definition) {
  if (item.state === "declined") {
    const note = item.result?.note;
    return note ? t("outcome_declined", { note }) : t("outcome_declined_plain");
  }
  if (item.state !== "merged" || !item.conflict_id) return null;
  const kept = keptValues(item, record);
  if (!kept) return t("outcome_merged_plain", { v: item.version });
  if (!kept.dropped.length) return t("outcome_accepted", { v: item.version });
  const names = (list) => list.map((n) => fieldLabel(definition, `data.${n}`, label)).join("、") || t("nothing");
  return t("outcome_merged", { v: item.version, kept: names(kept.kept), dropped: names(kept.dropped) });
}

/** A record's title from a search-index entry or a record, for naming referenced records. */
export function titleOfEntry(entry) {
  return entry ? entry.title || recordTitle({}, entry.key) : null;
}
