"""The one record store: every writer (sync, review, import, events) reads and writes records here.

A record and its history move together: each write is a new version of a record, stored as the
record's new state and as a row of ``record_versions``, in one statement per set of writes.
Both carry the id of the writing transaction (``change_xid``): the change feed reads records by
it, and webhook deliveries read the history by it — the history is their transactional outbox,
so a change that rolls back is never delivered and one that commits is never missed.
Search terms are derived here, from the form, so every writer indexes a record the same way;
so are the photos a version references (``record_version_photos``, pending until their blob
arrives), so "which versions reference this blob" is one query whoever wrote the version.
Records with a workflow (events, and the verifications that move them; warning checks, which
complete their tasks) have it written in the same transaction, whichever writer brings them
(events/ledger.py, emergencies/checks.py).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.form_validation import FormValidator
from server.domain.search_terms import search_term
from server.models.records import XID_NOW
from server.services.emergencies import checks
from server.services.events import ledger


@dataclass
class RecordState:
    """A record as a writer sees it, with the history it needs for three-way merges."""

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
        """The record's current state as kept with a conflict."""
        return {"record_id": str(self.id), "version": self.version, "key": self.key,
                "grid_id": self.grid_id, "data": self.data,
                "location": {"lon": self.lon, "lat": self.lat}}


@dataclass(frozen=True)
class VersionWrite:
    """One new version of a record: its new state, and who or what made it."""

    record_id: uuid.UUID
    version: int
    form: FormValidator
    data: dict[str, Any]
    grid_id: int | None          # None on an update: the record keeps its grid
    lon: float
    lat: float
    made_by: int | None          # None: the command line, with no user named
    changed_fields: list[str]
    created_by: int | None = None  # a new record's creator, when not the maker of version 1
    submission_id: uuid.UUID | None = None
    conflict_id: int | None = None
    branch: str | None = None
    auto_merged_fields: list[str] | None = None
    note: str | None = None

    @property
    def key(self) -> str:
        """The record's natural key in this version's data (its id for a form without one)."""
        return self.form.natural_key(self.data, self.record_id)

    def row(self) -> dict[str, Any]:
        """The version as one row of the set-based statements below."""
        name, keys = search_values(self.form, self.data)
        return {"id": self.record_id, "version": self.version, "kind": self.form.kind,
                "key": self.key, "form_id": self.form.form_id,
                "form_version": self.form.version, "grid_id": self.grid_id, "lon": self.lon,
                "lat": self.lat, "data": self.data, "made_by": self.made_by,
                "created_by": self.created_by or self.made_by, "name": name,
                "search_keys": keys, "submission_id": self.submission_id,
                "conflict_id": self.conflict_id, "branch": self.branch,
                "changed_fields": self.changed_fields,
                "auto_merged_fields": self.auto_merged_fields, "note": self.note,
                "photos": photo_references(self.form, self.data)}


def photo_references(form: FormValidator, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The photos this data references: one row per photo of each photo field, in order."""
    return [{"field": name, "position": position, "sha256": photo["sha256"]}
            for name in form.photo_fields
            for position, photo in enumerate(data.get(name) or [])]


def search_values(form: FormValidator, data: dict[str, Any]) -> tuple[str | None, str]:
    """What search indexes of a record: its name, and its whole numbers (space-separated)."""
    name_field = form.search_name_field
    name = data.get(name_field) if name_field else None
    keys = " ".join(search_term(str(data[f])) for f in form.search_key_fields if data.get(f))
    return (name.strip() or None) if isinstance(name, str) else None, keys


def lock_records(session: Session, record_ids: set[uuid.UUID]) -> None:
    """Serialise writers touching the same records (sorted, so two writers never deadlock)."""
    if record_ids:
        session.execute(text("""
            SELECT pg_advisory_xact_lock(k) FROM (
                SELECT DISTINCT hashtextextended(CAST(i AS text), 0) AS k
                  FROM unnest(CAST(:ids AS uuid[])) AS i ORDER BY 1) AS keys"""),
            {"ids": sorted(record_ids)})


_STATE_COLUMNS = """id, kind, key, version, data, grid_id, retired_at IS NOT NULL AS retired,
                    ST_X(geometry) AS lon, ST_Y(geometry) AS lat"""


def load_records(session: Session, ids: set[uuid.UUID], history_from: int | None = 1,
                 lock: bool = False) -> dict[uuid.UUID, RecordState]:
    """Current states (row-locked when asked) and their history from ``history_from`` on
    (None: no history)."""
    if not ids:
        return {}
    rows = session.execute(text(
        f"SELECT {_STATE_COLUMNS} FROM records WHERE id = ANY(CAST(:ids AS uuid[])) ORDER BY id"
        + (" FOR UPDATE" if lock else "")), {"ids": list(ids)}).all()
    states = {row.id: RecordState(*row) for row in rows}
    if history_from is None or not states:
        return states
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
    """Active records holding any of these (kind, natural key), or these ids; by key and id."""
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


def key_taken(session: Session, kind: str, key: str, record_id: uuid.UUID) -> bool:
    """Whether another active record holds this natural key."""
    return session.execute(text(
        "SELECT 1 FROM records WHERE kind = :kind AND key = :key AND id <> :id "
        "AND retired_at IS NULL"), {"kind": kind, "key": key, "id": record_id}).first() is not None


class Created(frozenset):  # type: ignore[type-arg]
    """The ids of the records inserted; ``awaited``: those that held updates wait for."""

    awaited: frozenset[uuid.UUID] = frozenset()


def create_records(session: Session, writes: list[VersionWrite]) -> Created:
    """Insert new records as version 1 with their first history row; a taken natural key or
    id is skipped. Returns the ids inserted, and which of them updates wait for (updates held
    because they arrived before their record: the sync merges them in the same transaction)."""
    if not writes:
        return Created()
    # Inserted in (kind, key) order: concurrent writers take the unique index's locks in the
    # same order, so they never deadlock.
    rows = [w.row() for w in sorted(writes, key=lambda w: (w.form.kind, w.key))]
    found = session.execute(text(_CREATE), {"rows": json_rows(rows)}).all()
    created = Created(row.id for row in found)
    created.awaited = frozenset(row.id for row in found if row.awaited)
    inserted = [w for w in writes if w.record_id in created]
    touch_records(session, ledger.after_create(session, inserted))
    checks.after_create(session, inserted)
    return created


def update_records(session: Session, writes: list[VersionWrite]) -> None:
    """Write new versions of existing records (a retired record revives): each record takes
    its newest state, and every version is added to the history."""
    if not writes:
        return
    newest: dict[uuid.UUID, VersionWrite] = {}
    for write in writes:
        if write.record_id not in newest or write.version > newest[write.record_id].version:
            newest[write.record_id] = write
    session.execute(text(_UPDATE), {"states": json_rows([w.row() for w in newest.values()]),
                                     "versions": json_rows([w.row() for w in writes])})
    ledger.after_update(session, list(newest.values()))


def touch_records(session: Session, ids: list[uuid.UUID]) -> None:
    """Mark records changed for the change feed without a new version: an event's workflow
    moved, and the phones of its grid must hear of it."""
    if ids:
        session.execute(text(f"UPDATE records SET change_xid = {_XID} "
                             "WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": sorted(ids)})


def json_rows(rows: list[dict[str, Any]]) -> str:
    """Rows as one JSON parameter for jsonb_to_recordset: one encoding pass, no per-value
    escaping by the driver."""
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"), default=str)


_ROW = """jsonb_to_recordset(CAST(:{name} AS jsonb)) AS {alias}(
    id uuid, version int, kind text, key text, form_id text, form_version int, grid_id bigint,
    lon float8, lat float8, data jsonb, made_by bigint, created_by bigint, name text,
    search_keys text, submission_id uuid, conflict_id bigint, branch text, changed_fields jsonb,
    auto_merged_fields jsonb, note text, photos jsonb)"""
_XID = XID_NOW
_POINT = "ST_SetSRID(ST_MakePoint({a}.lon, {a}.lat), 4326)"
_INSERT_VERSIONS = """INSERT INTO record_versions (
    record_id, version, data, grid_id, geometry, form_id, form_version, made_by_id,
    submission_id, conflict_id, branch, changed_fields, auto_merged_fields, note, change_xid)"""

_PHOTOS = """INSERT INTO record_version_photos (record_id, version, field, position, sha256)
    SELECT {a}.id, {version}, p.field, p.position, p.sha256
      FROM {source}, jsonb_to_recordset({a}.photos) AS p(field text, position int, sha256 text)"""

_CREATE = f"""
WITH w AS (SELECT * FROM {_ROW.format(name="rows", alias="t")}),
inserted AS (
    INSERT INTO records (id, kind, key, form_id, form_version, grid_id, geometry, data, version,
                         created_by_id, updated_by_id, change_xid, search_name, search_keys)
    SELECT id, kind, key, form_id, form_version, grid_id, {_POINT.format(a="w")}, data, 1,
           created_by, made_by, {_XID}, name, string_to_array(NULLIF(search_keys, ''), ' ')
      FROM w
    ON CONFLICT DO NOTHING
    RETURNING id),
history AS (
    {_INSERT_VERSIONS}
    SELECT w.id, 1, w.data, w.grid_id, {_POINT.format(a="w")}, w.form_id, w.form_version,
           w.made_by, w.submission_id, w.conflict_id, w.branch, w.changed_fields,
           w.auto_merged_fields, w.note, {_XID}
      FROM w JOIN inserted USING (id)),
photos AS (
    {_PHOTOS.format(a="w", version="1", source="w JOIN inserted USING (id)")})
SELECT id, EXISTS (SELECT 1 FROM submissions s
                    WHERE s.status = 'held' AND s.record_id = inserted.id) AS awaited
  FROM inserted"""

_UPDATE = f"""
WITH changed AS (
    UPDATE records AS r
       SET key = u.key, version = u.version, grid_id = coalesce(u.grid_id, r.grid_id),
           data = u.data, geometry = {_POINT.format(a="u")}, form_id = u.form_id,
           form_version = u.form_version, updated_at = now(), updated_by_id = u.made_by,
           retired_at = NULL, change_xid = {_XID}, search_name = u.name,
           search_keys = string_to_array(NULLIF(u.search_keys, ''), ' ')
      FROM {_ROW.format(name="states", alias="u")}
     WHERE r.id = u.id
    RETURNING r.id, r.grid_id),
v AS (SELECT * FROM {_ROW.format(name="versions", alias="t")}),
photos AS (
    {_PHOTOS.format(a="v", version="v.version", source="v JOIN changed ON changed.id = v.id")})
{_INSERT_VERSIONS}
SELECT v.id, v.version, v.data, coalesce(v.grid_id, changed.grid_id), {_POINT.format(a="v")},
       v.form_id, v.form_version, v.made_by, v.submission_id, v.conflict_id, v.branch,
       v.changed_fields, v.auto_merged_fields, v.note, {_XID}
  FROM v JOIN changed ON changed.id = v.id"""
