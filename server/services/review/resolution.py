"""Resolving a conflict: accept the incoming item, reject it, or merge field by field."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.domain.form_validation import FormValidator
from server.domain.item_result import ItemResult, error
from server.domain.three_way_merge import apply_edit, changed_fields
from server.errors import Conflict as ConflictError
from server.errors import Forbidden, Invalid
from server.models import (Conflict, ConflictKind, ConflictStatus, Grid, Submission,
                           SubmissionStatus, User)
from server.services.audit import record_audit
from server.services.covering import covering_grid_id
from server.services.forms import find_form_version, validator_of
from server.services.record_store import (RecordState, VersionWrite, create_records,
                                          load_records, update_records)
from server.services.review.queue import StaleConflict, get_conflict, raise_if_unavailable
from server.services.scope import review_scope
from server.services.sync import release_held_updates

ACTIONS = ("accept", "reject", "merge")
# Conflicts about the record itself keep it in its grid; location conflicts move it where the
# point lies.
_KEEPS_GRID = (ConflictKind.stale_edit, ConflictKind.possible_duplicate,
               ConflictKind.record_retired)


def resolve_conflict(session: Session, user: User, conflict_id: int, action: str,
                     data: dict[str, Any] | None = None, note: str | None = None) -> dict[str, Any]:
    """Resolve once (409 if already resolved or held by another); return the record version."""
    now = datetime.now(timezone.utc)
    conflict = get_conflict(session, user, conflict_id, lock=True)
    raise_if_unavailable(session, conflict, user, now)
    submission = session.get(Submission, conflict.submission_id)
    assert submission is not None
    answer: dict[str, Any] = {"conflict_id": conflict.id, "resolution": action}
    if action == "reject":
        _finish(session, user, conflict, submission, action, note, now, ItemResult.rejected(
            submission.id, [error("", "review_rejected", note or "a reviewer kept the current "
                                  "record", "审核人保留了原记录")],
            conflict_id=conflict.id, note=note))
        return {**answer, "record_id": str(conflict.record_id) if conflict.record_id else None}
    form = validator_of(find_form_version(session, submission.form_id or "",
                                          submission.form_version or 0))
    new_data = _data_to_apply(form, conflict, action, data)
    record_id, version = _apply(session, user, conflict, submission, form, action, new_data, note)
    _finish(session, user, conflict, submission, action, note, now,
            ItemResult.merged(submission.id, record_id, version, conflict_id=conflict.id))
    return {**answer, "record_id": str(record_id), "version": version}


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

    def version(record_id: uuid.UUID, number: int, data: dict[str, Any], grid: int | None,
                changed: set[str], **extra: Any) -> VersionWrite:
        return VersionWrite(record_id, number, form, data, grid, location["lon"],
                            location["lat"], user.id, sorted(changed), submission_id=submission.id,
                            conflict_id=conflict.id, branch=f"review:{conflict.id}", note=note,
                            **extra)

    if conflict.record_id is None:
        _require_may_place(session, user, grid_id)
        record_id = submission.record_id or uuid.uuid4()
        created = create_records(session, [version(record_id, 1, new_data, grid_id,
                                                   set(new_data),
                                                   created_by=submission.collector_id)])
        if not created:
            raise ConflictError("A record with this natural key or id exists by now; "
                                "merge into it instead.")
        release_held_updates(session, sorted(created.awaited), datetime.now(timezone.utc))
        return record_id, 1
    current = load_records(session, {conflict.record_id}, history_from=None,
                           lock=True)[conflict.record_id]
    if current.version != conflict.record_version_at_open:
        _refresh(session, conflict, current)
        raise StaleConflict("The record changed since this conflict opened; its current state "
                            "has been refreshed: look again before resolving.")
    if action == "accept" and conflict.kind == ConflictKind.stale_edit and conflict.base:
        new_data = apply_edit(conflict.base["data"] or {}, current.data, new_data)
    grid = None if conflict.kind in _KEEPS_GRID else grid_id
    _require_may_place(session, user, grid or current.grid_id)
    update_records(session, [version(current.id, current.version + 1, new_data, grid,
                                     changed_fields(current.data, new_data))])
    return current.id, current.version + 1


def _require_may_place(session: Session, user: User, grid_id: int | None) -> None:
    """Only those who review a grid place records in it; the others may still reject."""
    scope = review_scope(session, user)
    if scope is not None and grid_id not in scope:
        code = session.scalar(select(Grid.code).where(Grid.id == grid_id)) if grid_id else None
        raise Forbidden(f"Only the supervisors of grid {code} may place a record there; "
                        "you may reject the item, or leave it to them.", grid=code)


def _finish(session: Session, user: User, conflict: Conflict, submission: Submission,
            action: str, note: str | None, now: datetime, result: ItemResult) -> None:
    conflict.status, conflict.resolution = ConflictStatus.resolved, action
    conflict.resolved_by_id, conflict.resolved_at, conflict.note = user.id, now, note
    conflict.claimed_by_id, conflict.claim_expires_at = user.id, None
    submission.status = SubmissionStatus(result.status)
    submission.result, submission.processed_at = result.as_dict(), now
    session.flush()
    record_audit(session, "conflict_resolved", actor_id=user.id, subject=str(conflict.id),
                 details={"action": action, "note": note,
                          "record_id": str(result.record_id) if result.record_id else None,
                          "version": result.version})


def _refresh(session: Session, conflict: Conflict, current: RecordState) -> None:
    """Show the reviewer the record as it is now."""
    conflict.current = current.snapshot()
    conflict.record_version_at_open = current.version
    session.flush()
    record_audit(session, "conflict_refreshed", subject=str(conflict.id),
                 details={"version": current.version})


def _covering_grid(session: Session, location: dict[str, Any]) -> int | None:
    return session.execute(text("SELECT " + covering_grid_id(":lon", ":lat")),
                           location).scalar()
