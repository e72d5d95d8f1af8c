"""What a merge decides, collected item by item and written at the end in a few statements."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from server.domain.item_result import FieldError, ItemResult
from server.models import Conflict, ConflictKind
from server.services.attachments.references import note_submission_photos
from server.services.record_store import (RecordState, VersionWrite, create_records,
                                          update_records)
from server.services.sync.prepare import ReadyItem


@dataclass
class Writes:
    """Every item's outcome, and the record versions and conflicts to write."""

    results: dict[uuid.UUID, ItemResult] = field(default_factory=dict)
    items: dict[uuid.UUID, ReadyItem] = field(default_factory=dict)
    updates: list[VersionWrite] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def outcome(self, ready: ReadyItem, result: ItemResult) -> None:
        """Record one item's outcome."""
        self.items[ready.item.id] = ready
        self.results[ready.item.id] = result

    def reject(self, ready: ReadyItem, errors: list[FieldError]) -> None:
        """Refuse an item with field-level errors the collector can fix."""
        self.outcome(ready, ItemResult.rejected(ready.item.id, errors))

    def hold(self, ready: ReadyItem) -> None:
        """Keep an update whose record has not arrived yet."""
        self.outcome(ready, ItemResult.held(ready.item.id, ready.item.record_id))  # type: ignore[arg-type]

    def conflict(self, ready: ReadyItem, kind: ConflictKind, record: RecordState | None,
                 base: dict[str, Any] | None = None, changed: list[str] | None = None) -> None:
        """Queue an item for review with what the reviewer needs; tell the collector why,
        naming a record only when it lies in the collector's own grids."""
        check = ready.check
        grid_id = (record.grid_id if record else None) or check.grid_id or (
            check.nearest_own_grid_id or check.covering_grid_id)
        shown = record if record and record.grid_id in check.workable else None
        self.conflicts.append({
            "submission_id": ready.item.id, "record_id": record.id if record else None,
            "grid_id": grid_id, "collector_id": ready.collector_id, "kind": kind,
            "point_grid_id": (check.covering_grid_id if check.covering_grid_id != grid_id
                              else None),
            "base": {"version": ready.item.base_version, "data": base} if base is not None else None,
            "current": record.snapshot() if record else None,
            "incoming": _incoming(ready), "changed_fields": changed or [],
            "location_check": check, "record_version_at_open": record.version if record else None})
        self.outcome(ready, ItemResult.conflict(ready.item.id, kind.value,
                                                shown.id if shown else None,
                                                shown.version if shown else None))

    def merge(self, ready: ReadyItem, state: RecordState, data: dict[str, Any], key: str,
              changed: list[str], auto_merged: list[str]) -> None:
        """A new version of an existing record."""
        state.version += 1
        state.history[state.version], state.branches[state.version] = data, ready.item.branch
        state.data, state.key = data, key
        state.grid_id = ready.check.grid_id or state.grid_id
        state.lon, state.lat = ready.item.location.lon, ready.item.location.lat
        self.updates.append(_version(ready, state.id, state.version, data, state.grid_id,
                                     changed, auto_merged or None))
        self.outcome(ready, ItemResult.merged(ready.item.id, state.id, state.version,
                                              auto_merged))

    def create(self, session: Session, creates: list[ReadyItem]
               ) -> tuple[dict[uuid.UUID, uuid.UUID], frozenset[uuid.UUID]]:
        """Insert new records (version 1); a taken key or id is skipped. Item id -> record id,
        and the records that held updates wait for."""
        record_ids = {r.item.id: r.item.record_id or uuid.uuid4() for r in creates}
        inserted = create_records(session, [_version(
            r, record_ids[r.item.id], 1, r.data, r.check.grid_id, sorted(r.data), None)
            for r in creates])
        done = {}
        for ready in creates:
            record_id = record_ids[ready.item.id]
            if record_id in inserted:
                done[ready.item.id] = record_id
                self.outcome(ready, ItemResult.merged(ready.item.id, record_id, 1))
        return done, inserted.awaited

    def flush(self, session: Session, grid_codes: dict[int, str]) -> None:
        """Write the conflicts, the new versions of existing records, and the photos every
        checked item references."""
        self._write_conflicts(session, grid_codes)
        update_records(session, self.updates)
        note_submission_photos(session, [(r.item.id, r.form, r.data) for r in self.items.values()])

    def conflict_grid_ids(self) -> set[int]:
        """Every grid the conflicts' location checks name (their codes are stored with them)."""
        return {g for c in self.conflicts for g in c["location_check"].grid_ids()}

    def _write_conflicts(self, session: Session, grid_codes: dict[int, str]) -> None:
        if not self.conflicts:
            return
        rows = [{**row, "location_check": row["location_check"].as_dict(grid_codes)}
                for row in self.conflicts]
        reasons = {row["submission_id"]: conflict_reason(row, self.items[row["submission_id"]])
                   for row in rows}
        for conflict_id, submission_id in session.execute(
                insert(Conflict).returning(Conflict.id, Conflict.submission_id), rows):
            self.results[submission_id] = self.results[submission_id].with_conflict(
                conflict_id, reasons[submission_id])


def conflict_reason(row: dict[str, Any], ready: ReadyItem) -> dict[str, Any]:
    """Why an item waits for review, as the collector may be told: how far outside which grid;
    the fields another editor changed and their values now; whether a person with this key is
    registered in the collector's grids (which record) or elsewhere in the district (no more)."""
    kind, check = row["kind"], row["location_check"]
    if kind in (ConflictKind.outside_assigned_grid, ConflictKind.outside_district):
        return {"distance_m": check["distance_m"] if check["distance_m"] >= 0 else None,
                "tolerance_m": check["tolerance_m"], "covering_grid": check["covering_grid"],
                "nearest_assigned_grid": check["nearest_assigned_grid"]}
    current = row["current"]
    if kind == ConflictKind.stale_edit and current:
        return {"fields": row["changed_fields"],
                "current": {f: current["data"].get(f) for f in row["changed_fields"]}}
    if kind == ConflictKind.possible_duplicate:
        mine = current is not None and current["grid_id"] in ready.check.workable
        return {"record_id": current["record_id"], "key": current["key"]} if mine else {
            "elsewhere": current is not None}
    return {}


def _incoming(ready: ReadyItem) -> dict[str, Any]:
    location = ready.item.location
    return {"data": ready.data, "form": ready.form.form_id, "form_version": ready.form.version,
            "captured_at": ready.item.captured_at.isoformat(),
            "location": {"lon": location.lon, "lat": location.lat,
                         "accuracy_m": location.accuracy_m}}


def _version(ready: ReadyItem, record_id: uuid.UUID, version: int, data: dict[str, Any],
             grid_id: int | None, changed: list[str],
             auto_merged: list[str] | None) -> VersionWrite:
    location = ready.item.location
    return VersionWrite(record_id, version, ready.form, data, grid_id, location.lon,
                        location.lat, ready.collector_id, changed, submission_id=ready.item.id,
                        branch=ready.item.branch, auto_merged_fields=auto_merged)
