"""Reading record states for a merge, and writing a merge's outcome set-based."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from server.domain.form_validation import FormValidator
from server.models import Conflict, ConflictKind
from server.services.sync_prepare import ReadyItem


@dataclass
class RecordState:
    """A record as the merge sees it, with the history it needs for three-way merges."""

    id: uuid.UUID
    kind: str
    key: str
    version: int
    data: dict[str, Any]
    grid_id: int
    retired: bool
    lon: float
    lat: float
    history: dict[int, dict[str, Any]] = field(default_factory=dict)
    branches: dict[int, str | None] = field(default_factory=dict)

    def snapshot(self) -> dict[str, Any]:
        """The record's current state as stored with a conflict."""
        return {"record_id": str(self.id), "version": self.version, "key": self.key,
                "grid_id": self.grid_id, "data": self.data,
                "location": {"lon": self.lon, "lat": self.lat}}


def lock_records(session: Session, record_ids: set[uuid.UUID]) -> None:
    """Serialise batches touching the same records (sorted, so two batches never deadlock)."""
    if record_ids:
        session.execute(text("""
            SELECT pg_advisory_xact_lock(k) FROM (
                SELECT DISTINCT hashtextextended(CAST(i AS text), 0) AS k
                  FROM unnest(CAST(:ids AS uuid[])) AS i ORDER BY 1) AS keys"""),
            {"ids": sorted(record_ids)})


_STATE_COLUMNS = """id, kind, key, version, data, grid_id, retired_at IS NOT NULL AS retired,
                    ST_X(geometry) AS lon, ST_Y(geometry) AS lat"""


def load_records(session: Session, ids: set[uuid.UUID], history_from: int = 1,
                 lock: bool = False) -> dict[uuid.UUID, RecordState]:
    """Current states (row-locked when asked) and their history from ``history_from`` on."""
    if not ids:
        return {}
    rows = session.execute(text(
        f"SELECT {_STATE_COLUMNS} FROM records WHERE id = ANY(CAST(:ids AS uuid[])) ORDER BY id"
        + (" FOR UPDATE" if lock else "")), {"ids": list(ids)}).all()
    states = {row.id: RecordState(*row) for row in rows}
    history = session.execute(text("""
        SELECT record_id, version, data, branch FROM record_versions
         WHERE record_id = ANY(CAST(:ids AS uuid[])) AND version >= :from"""),
        {"ids": list(states), "from": history_from})
    for record_id, version, data, branch in history:
        states[record_id].history[version] = data
        states[record_id].branches[version] = branch
    return states


def find_existing(session: Session, keys: set[tuple[str, str]],
                  ids: set[uuid.UUID]) -> dict[Any, RecordState]:
    """Active records holding any of these natural keys, or these ids; by key and by id."""
    rows = session.execute(text(f"""
        SELECT {_STATE_COLUMNS} FROM records
         WHERE id = ANY(CAST(:ids AS uuid[]))
            OR ((kind, key) IN (SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:keys AS text[])))
                AND retired_at IS NULL)"""),
        {"ids": list(ids), "kinds": [k for k, _ in keys], "keys": [v for _, v in keys]}).all()
    found: dict[Any, RecordState] = {}
    for row in rows:
        state = RecordState(*row)
        found[state.id] = found[(state.kind, state.key)] = state
    return found


@dataclass
class Writes:
    """Everything a merge decides, written at the end in a few statements."""

    results: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    items: dict[uuid.UUID, ReadyItem] = field(default_factory=dict)
    versions: list[dict[str, Any]] = field(default_factory=list)
    changed: dict[uuid.UUID, tuple[RecordState, ReadyItem]] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def outcome(self, ready: ReadyItem, status: str, **result: Any) -> None:
        """Record one item's outcome."""
        self.items[ready.item.id] = ready
        self.results[ready.item.id] = {"id": str(ready.item.id), "status": status,
                                       **{k: v for k, v in result.items() if v is not None}}

    def reject(self, ready: ReadyItem, errors: list[dict[str, str]]) -> None:
        """Refuse an item with field-level errors the collector can fix."""
        self.outcome(ready, "rejected", errors=errors)

    def hold(self, ready: ReadyItem) -> None:
        """Keep an update whose record has not arrived yet."""
        self.outcome(ready, "held", record_id=str(ready.item.record_id))

    def conflict(self, ready: ReadyItem, kind: ConflictKind, record: RecordState | None,
                 base: dict[str, Any] | None = None, changed: list[str] | None = None) -> None:
        """Queue an item for review with what the reviewer needs."""
        check = ready.check
        grid_id = (record.grid_id if record else None) or check.grid_id or (
            check.nearest_own_grid_id or check.covering_grid_id)
        self.conflicts.append({
            "submission_id": ready.item.id, "record_id": record.id if record else None,
            "grid_id": grid_id, "collector_id": ready.collector_id, "kind": kind,
            "base": {"version": ready.item.base_version, "data": base} if base is not None else None,
            "current": record.snapshot() if record else None,
            "incoming": {"data": ready.data, "form": ready.form.form_id,
                         "form_version": ready.form.version, "captured_at":
                         ready.item.captured_at.isoformat(),
                         "location": {"lon": ready.item.location.lon,
                                      "lat": ready.item.location.lat,
                                      "accuracy_m": ready.item.location.accuracy_m}},
            "changed_fields": changed or [], "location_check": check,
            "record_version_at_open": record.version if record else None})
        self.outcome(ready, "conflict", conflict_kind=kind.value,
                     record_id=str(record.id) if record else None,
                     record_version=record.version if record else None)

    def merge(self, ready: ReadyItem, state: RecordState, data: dict[str, Any], key: str,
              changed: list[str], auto_merged: list[str]) -> None:
        """A new version of an existing record."""
        state.version += 1
        state.history[state.version], state.branches[state.version] = data, ready.item.branch
        state.data, state.key = data, key
        state.grid_id = ready.check.grid_id or state.grid_id
        state.lon, state.lat = ready.item.location.lon, ready.item.location.lat
        self.changed[state.id] = (state, ready)
        self.versions.append(_version_row(ready, state.id, state.version, data, state.grid_id,
                                          changed, auto_merged or None))
        self.outcome(ready, "merged", record_id=str(state.id), version=state.version,
                     auto_merged_fields=auto_merged or None)

    def insert_records(self, session: Session, creates: list[ReadyItem],
                       now: datetime) -> dict[uuid.UUID, uuid.UUID]:
        """Insert new records (version 1); a taken key or id is skipped. Item id -> record id."""
        if not creates:
            return {}
        record_ids = {r.item.id: r.item.record_id or uuid.uuid4() for r in creates}
        ordered = sorted(creates, key=lambda r: (r.form.kind, r.key))  # same lock order everywhere
        inserted = insert_record_rows(session, [record_row(
            record_ids[r.item.id], r.form, r.data, r.check.grid_id, r.item.location.lon,
            r.item.location.lat, r.collector_id) for r in ordered])
        done = {}
        for ready in creates:
            record_id = record_ids[ready.item.id]
            if record_id in inserted:
                done[ready.item.id] = record_id
                self.versions.append(_version_row(ready, record_id, 1, ready.data,
                                                  ready.check.grid_id, sorted(ready.data), None))
                self.outcome(ready, "merged", record_id=str(record_id), version=1)
        return done

    def flush(self, session: Session, grid_codes: dict[int, str]) -> None:
        """Write conflicts, record changes, versions and item outcomes."""
        self._write_conflicts(session, grid_codes)
        self._write_records(session)
        if self.versions:
            session.execute(text(_INSERT_VERSIONS), {"rows": json_rows(self.versions)})

    def _write_conflicts(self, session: Session, grid_codes: dict[int, str]) -> None:
        if not self.conflicts:
            return
        for row in self.conflicts:
            row["location_check"] = row["location_check"].as_dict(grid_codes)
        for conflict_id, submission_id in session.execute(
                insert(Conflict).returning(Conflict.id, Conflict.submission_id), self.conflicts):
            self.results[submission_id]["conflict_id"] = conflict_id

    def _write_records(self, session: Session) -> None:
        if not self.changed:
            return
        update_record_rows(session, [record_row(
            state.id, ready.form, state.data, state.grid_id, state.lon, state.lat,
            ready.collector_id, version=state.version) for state, ready in self.changed.values()])


def record_row(record_id: uuid.UUID, form: FormValidator, data: dict[str, Any],
               grid_id: int | None, lon: float, lat: float, user_id: int, *, version: int = 1,
               updated_by: int | None = None) -> dict[str, Any]:
    """A record's state as written by insert_record_rows / update_record_rows."""
    name, keys = search_values(form, data)
    return {"id": record_id, "kind": form.kind, "key": str(data.get(form.key, "")),
            "form_id": form.form_id, "form_version": form.version, "grid_id": grid_id,
            "lon": lon, "lat": lat, "data": data, "version": version, "user_id": user_id,
            "updated_by": updated_by, "name": name, "search_keys": keys}


def insert_record_rows(session: Session, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert new records (version 1); a taken natural key or id is skipped. The inserted ids."""
    return set(session.scalars(text(_INSERT_RECORDS), {"rows": json_rows(rows)}))


def update_record_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write records' new states (a NULL grid keeps the record's grid; retired ones revive)."""
    session.execute(text(_UPDATE_RECORDS), {"rows": json_rows(rows)})


def json_rows(rows: list[dict[str, Any]]) -> str:
    """Rows as one JSON parameter for jsonb_to_recordset: one encoding pass, no per-value
    escaping by the driver."""
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"), default=str)


def search_term(number: str) -> str:
    """A whole number as indexed and searched: no spaces or dashes, upper-case X."""
    return number.replace(" ", "").replace("-", "").upper()


def search_values(form: FormValidator, data: dict[str, Any]) -> tuple[str | None, str]:
    """What search indexes of a record: its name, and its whole numbers (space-separated)."""
    name_field = form.search_name_field
    name = data.get(name_field) if name_field else None
    keys = " ".join(search_term(str(data[f])) for f in form.search_key_fields if data.get(f))
    return (name.strip() or None) if isinstance(name, str) else None, keys


def _version_row(ready: ReadyItem, record_id: uuid.UUID, version: int, data: dict[str, Any],
                 grid_id: int | None, changed: list[str],
                 auto_merged: list[str] | None) -> dict[str, Any]:
    location = ready.item.location
    return {"record_id": record_id, "version": version, "data": data, "grid_id": grid_id,
            "lon": location.lon, "lat": location.lat,
            "form_id": ready.form.form_id, "form_version": ready.form.version,
            "made_by_id": ready.collector_id, "submission_id": ready.item.id,
            "branch": ready.item.branch, "changed_fields": changed,
            "auto_merged_fields": auto_merged}


_INSERT_RECORDS = """
INSERT INTO records (id, kind, key, form_id, form_version, grid_id, geometry, data, version,
                     created_by_id, updated_by_id, change_xid, search_name, search_keys)
SELECT id, kind, key, form_id, form_version, grid_id,
       ST_SetSRID(ST_MakePoint(lon, lat), 4326), data, 1, user_id,
       coalesce(updated_by, user_id),
       CAST(CAST(pg_current_xact_id() AS text) AS bigint), name,
       string_to_array(NULLIF(search_keys, ''), ' ')
  FROM jsonb_to_recordset(CAST(:rows AS jsonb))
       AS t(id uuid, kind text, key text, form_id text, form_version int, grid_id bigint,
            lon float8, lat float8, data jsonb, user_id bigint, updated_by bigint, name text,
            search_keys text)
ON CONFLICT DO NOTHING
RETURNING id"""

_UPDATE_RECORDS = """
UPDATE records AS r
   SET key = u.key, version = u.version, grid_id = coalesce(u.grid_id, r.grid_id), data = u.data,
       geometry = ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), form_id = u.form_id,
       form_version = u.form_version, updated_at = now(),
       updated_by_id = coalesce(u.updated_by, u.user_id), retired_at = NULL,
       change_xid = CAST(CAST(pg_current_xact_id() AS text) AS bigint),
       search_name = u.name, search_keys = string_to_array(NULLIF(u.search_keys, ''), ' ')
  FROM jsonb_to_recordset(CAST(:rows AS jsonb))
       AS u(id uuid, key text, version int, grid_id bigint, data jsonb, lon float8, lat float8,
            form_id text, form_version int, user_id bigint, updated_by bigint, name text,
            search_keys text)
 WHERE r.id = u.id"""

_INSERT_VERSIONS = """
INSERT INTO record_versions (record_id, version, data, grid_id, geometry, form_id, form_version,
                             made_by_id, submission_id, branch, changed_fields,
                             auto_merged_fields)
SELECT record_id, version, data, grid_id, ST_SetSRID(ST_MakePoint(lon, lat), 4326), form_id,
       form_version, made_by_id, submission_id, branch, changed_fields, auto_merged_fields
  FROM jsonb_to_recordset(CAST(:rows AS jsonb))
       AS v(record_id uuid, version int, data jsonb, grid_id bigint, lon float8, lat float8,
            form_id text, form_version int, made_by_id bigint, submission_id uuid, branch text,
            changed_fields jsonb, auto_merged_fields jsonb)"""

__all__ = ["RecordState", "Writes", "find_existing", "json_rows", "load_records",
           "lock_records"]
