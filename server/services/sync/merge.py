"""Merging checked items into the resource database, or queueing them for review."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from server.domain.item_result import error
from server.domain.three_way_merge import changed_fields, three_way_merge
from server.models import ConflictKind
from server.services.record_store import (RecordState, find_existing, key_taken, load_records,
                                          lock_records)
from server.services.sync.prepare import ReadyItem
from server.services.sync.writes import Writes


@dataclass
class MergeRun:
    """One transaction's merge: the records touched so far, and what to write."""

    session: Session
    now: datetime
    writes: Writes = field(default_factory=Writes)
    records: dict[uuid.UUID, RecordState] = field(default_factory=dict)


def merge_items(run: MergeRun, ready: list[ReadyItem]) -> list[uuid.UUID]:
    """Apply creates then updates; return the ids of records created (to release held edits)."""
    creates = [r for r in ready if not r.item.is_update]
    updates = sorted((r for r in ready if r.item.is_update),
                     key=lambda r: (r.item.captured_at, r.item.position))
    lock_records(run.session, {r.item.record_id for r in ready if r.item.record_id})
    created = _create(run, creates)
    _update(run, updates)
    return created


def _create(run: MergeRun, creates: list[ReadyItem]) -> list[uuid.UUID]:
    candidates: dict[tuple[str, str], ReadyItem] = {}
    repeats: list[ReadyItem] = []
    for ready in creates:
        if not ready.check.accepted:
            run.writes.conflict(ready, _location_kind(ready), record=None)
        elif (ready.form.kind, ready.key) in candidates:
            repeats.append(ready)
        else:
            candidates[(ready.form.kind, ready.key)] = ready
    inserted = run.writes.create(run.session, list(candidates.values()))
    for ready in candidates.values():
        if ready.item.id in inserted:  # later edits in this run start from the new version 1
            run.records[inserted[ready.item.id]] = _new_state(inserted[ready.item.id], ready)
    taken = [r for r in candidates.values() if r.item.id not in inserted] + repeats
    if taken:
        # A key (or client-made record id) already in the database: possibly the same person.
        existing = find_existing(run.session, keys={(r.form.kind, r.key) for r in taken},
                                 ids={r.item.record_id for r in taken if r.item.record_id})
        for ready in taken:
            match = existing.get(ready.item.record_id) or existing.get((ready.form.kind, ready.key))
            run.writes.conflict(ready, ConflictKind.possible_duplicate, record=match)
    return list(inserted.values())


def _new_state(record_id: uuid.UUID, ready: ReadyItem) -> RecordState:
    location = ready.item.location
    return RecordState(record_id, ready.form.kind, ready.key, 1, ready.data,
                       ready.check.grid_id or 0, False, location.lon, location.lat,
                       {1: ready.data}, {1: ready.item.branch})


def _update(run: MergeRun, updates: list[ReadyItem]) -> None:
    ids = {r.item.record_id for r in updates} - set(run.records)
    min_base = min((r.item.base_version or 1 for r in updates), default=1)
    run.records.update(load_records(run.session, ids=ids, history_from=min_base, lock=True))  # type: ignore[arg-type]
    for ready in updates:
        state = run.records.get(ready.item.record_id)  # type: ignore[arg-type]
        if state is None:
            run.writes.hold(ready)
        else:
            _update_one(run, ready, state)


def _update_one(run: MergeRun, ready: ReadyItem, state: RecordState) -> None:
    item = ready.item
    base = item.base_version or 0
    if state.kind != ready.form.kind:
        return run.writes.reject(ready, [error(
            "form", "kind_mismatch", f"form {ready.form.form_id} writes {ready.form.kind} records; "
            f"this record is a {state.kind}", "表单类型与记录类型不符")])
    if base > state.version:
        return run.writes.reject(ready, [error(
            "base_version", "ahead", f"the server has version {state.version} of this record",
            f"服务器上该记录为第 {state.version} 版")])
    if state.retired:
        return run.writes.conflict(ready, ConflictKind.record_retired, record=state)
    if not ready.check.accepted:
        return run.writes.conflict(ready, _location_kind(ready), record=state)
    if state.grid_id not in ready.check.workable:
        return run.writes.conflict(ready, ConflictKind.outside_assigned_grid, record=state)
    theirs = _changed_by_others(state, base, item.branch)
    outcome = three_way_merge(state.history[base], state.data, ready.data, theirs)
    if outcome.conflicts:
        return run.writes.conflict(ready, ConflictKind.stale_edit, record=state,
                                   base=state.history[base], changed=outcome.overlapping)
    new_key = str(outcome.data.get(ready.form.key, state.key))
    if new_key != state.key and key_taken(run.session, state.kind, new_key, state.id):
        return run.writes.conflict(ready, ConflictKind.possible_duplicate, record=state)
    run.writes.merge(ready, state, outcome.data, new_key, sorted(outcome.mine),
                     outcome.auto_merged if base < state.version else [])


def _changed_by_others(state: RecordState, base: int, branch: str) -> set[str]:
    """Fields changed since ``base`` by versions that are not this branch's own edits."""
    changed: set[str] = set()
    for version in range(base + 1, state.version + 1):
        if state.branches.get(version) != branch:
            changed |= changed_fields(state.history[version - 1], state.history[version])
    return changed


def _location_kind(ready: ReadyItem) -> ConflictKind:
    return (ConflictKind.outside_district if ready.check.verdict == "outside_district"
            else ConflictKind.outside_assigned_grid)
