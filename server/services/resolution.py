"""Resolving a conflict: accept the incoming item, reject it, or merge field by field."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.form_validation import FormValidator
from server.domain.three_way_merge import changed_fields
from server.errors import Conflict as ConflictError
from server.errors import Invalid
from server.models import Conflict, ConflictKind, ConflictStatus, Submission, User
from server.services.audit import record_audit
from server.services.covering import covering_grid_id
from server.services.forms import find_form_version, validator_of
from server.services.review import StaleConflict, get_conflict, raise_if_unavailable
from server.services.sync import release_held_updates
from server.services.sync_store import insert_record_rows, record_row, update_record_rows

ACTIONS = ("accept", "reject", "merge")


def resolve_conflict(session: Session, user: User, conflict_id: int, action: str,
                     data: dict[str, Any] | None = None, note: str | None = None) -> dict[str, Any]:
    """Resolve once (409 if already resolved or held by another); return the record version."""
    now = datetime.now(timezone.utc)
    conflict = get_conflict(session, user, conflict_id, lock=True)
    raise_if_unavailable(session, conflict, user, now)
    submission = session.get(Submission, conflict.submission_id)
    assert submission is not None
    form = validator_of(find_form_version(session, submission.form_id or "",
                                          submission.form_version or 0))
    result: dict[str, Any] = {"conflict_id": conflict.id, "resolution": action}
    if action == "reject":
        _finish(session, user, conflict, submission, action, note, now, {
            "id": str(submission.id), "status": "rejected", "conflict_id": conflict.id,
            "errors": [{"field": "", "code": "review_rejected", "message": note or
                        "a reviewer kept the current record", "message_zh": "审核人保留了原记录"}]})
        result["record_id"] = str(conflict.record_id) if conflict.record_id else None
        return result
    new_data = _data_to_apply(form, conflict, action, data)
    record_id, version = _apply(session, user, conflict, submission, form, action, new_data,
                                note)
    _finish(session, user, conflict, submission, action, note, now, {
        "id": str(submission.id), "status": "merged", "record_id": str(record_id),
        "version": version, "conflict_id": conflict.id})
    return {**result, "record_id": str(record_id), "version": version}


def _data_to_apply(form: FormValidator, conflict: Conflict, action: str,
                   data: dict[str, Any] | None) -> dict[str, Any]:
    if action == "accept":
        return dict(conflict.incoming["data"])
    if not isinstance(data, dict):
        raise Invalid("A merge needs the field values to keep.",
                      errors=[{"field": "data", "message": "required for merge"}])
    cleaned, errors = form.validate(data)
    if errors:
        raise Invalid("The merged values do not pass the form's rules.", errors=list(errors))
    return cleaned


def _apply(session: Session, user: User, conflict: Conflict, submission: Submission,
           form: FormValidator, action: str, new_data: dict[str, Any],
           note: str | None) -> tuple[uuid.UUID, int]:
    location = conflict.incoming["location"]
    grid_id = _covering_grid(session, location) or conflict.grid_id
    if conflict.record_id is None:
        return _create(session, user, conflict, submission, form, new_data, grid_id, note), 1
    current = session.execute(text(
        "SELECT version, data FROM records WHERE id = :id FOR UPDATE"),
        {"id": conflict.record_id}).one()
    if current.version != conflict.record_version_at_open:
        _refresh(session, conflict)
        raise StaleConflict("The record changed since this conflict opened; its current state "
                            "has been refreshed: look again before resolving.")
    if action == "accept" and conflict.kind == ConflictKind.stale_edit and conflict.base:
        new_data = _incoming_over_current(conflict.base["data"] or {}, current.data, new_data)
    keep_grid = conflict.kind in (ConflictKind.stale_edit, ConflictKind.possible_duplicate,
                                  ConflictKind.record_retired)
    version = current.version + 1
    update_record_rows(session, [record_row(
        conflict.record_id, form, new_data, None if keep_grid else grid_id, location["lon"],
        location["lat"], user.id, version=version)])
    _add_version(session, conflict, submission, user, form, conflict.record_id, version,
                 new_data, changed_fields(current.data, new_data), note)
    return conflict.record_id, version


def _incoming_over_current(base: dict[str, Any], current: dict[str, Any],
                           incoming: dict[str, Any]) -> dict[str, Any]:
    """The current record with every change the incoming edit made to its base applied."""
    merged = dict(current)
    for name in changed_fields(base, incoming):
        if incoming.get(name) in (None, "", []):
            merged.pop(name, None)
        else:
            merged[name] = incoming[name]
    return merged


def _create(session: Session, user: User, conflict: Conflict, submission: Submission,
            form: FormValidator, data: dict[str, Any], grid_id: int | None,
            note: str | None) -> uuid.UUID:
    record_id = submission.record_id or uuid.uuid4()
    location = conflict.incoming["location"]
    inserted = insert_record_rows(session, [record_row(
        record_id, form, data, grid_id, location["lon"], location["lat"],
        submission.collector_id, updated_by=user.id)])
    if not inserted:
        raise ConflictError("A record with this natural key or id exists by now; "
                            "merge into it instead.")
    _add_version(session, conflict, submission, user, form, record_id, 1, data, sorted(data), note)
    release_held_updates(session, [record_id], datetime.now(timezone.utc))
    return record_id


def _add_version(session: Session, conflict: Conflict, submission: Submission, user: User,
                 form: FormValidator, record_id: uuid.UUID, version: int, data: dict[str, Any],
                 changed: Any, note: str | None) -> None:
    session.execute(text("""
        INSERT INTO record_versions (record_id, version, data, grid_id, geometry, form_id,
               form_version, made_by_id, submission_id, conflict_id, branch, changed_fields, note)
        SELECT id, version, data, grid_id, geometry, :form, :form_version, :user, :submission,
               :conflict, :branch, CAST(:changed AS jsonb), :note
          FROM records WHERE id = :id"""), {
        "id": record_id, "form": form.form_id, "form_version": form.version, "user": user.id,
        "submission": submission.id, "conflict": conflict.id, "branch": f"review:{conflict.id}",
        "changed": json.dumps(sorted(changed)), "note": note})


def _finish(session: Session, user: User, conflict: Conflict, submission: Submission,
            action: str, note: str | None, now: datetime, result: dict[str, Any]) -> None:
    conflict.status, conflict.resolution = ConflictStatus.resolved, action
    conflict.resolved_by_id, conflict.resolved_at, conflict.note = user.id, now, note
    conflict.claimed_by_id, conflict.claim_expires_at = user.id, None
    submission.status = "merged" if result["status"] == "merged" else "rejected"  # type: ignore
    submission.result, submission.processed_at = result, now
    session.flush()
    record_audit(session, "conflict_resolved", actor_id=user.id, subject=str(conflict.id),
                 details={"action": action, "note": note, "record_id": result.get("record_id"),
                          "version": result.get("version")})


def _refresh(session: Session, conflict: Conflict) -> None:
    """Show the reviewer the record as it is now."""
    row = session.execute(text("""
        SELECT id, version, key, grid_id, data, ST_X(geometry) AS lon, ST_Y(geometry) AS lat
          FROM records WHERE id = :id"""), {"id": conflict.record_id}).one()
    conflict.current = {"record_id": str(row.id), "version": row.version, "key": row.key,
                        "grid_id": row.grid_id, "data": row.data,
                        "location": {"lon": row.lon, "lat": row.lat}}
    conflict.record_version_at_open = row.version
    session.flush()
    record_audit(session, "conflict_refreshed", subject=str(conflict.id),
                 details={"version": row.version})


def _covering_grid(session: Session, location: dict[str, Any]) -> int | None:
    return session.execute(text("SELECT " + covering_grid_id(":lon", ":lat")),
                           location).scalar()
