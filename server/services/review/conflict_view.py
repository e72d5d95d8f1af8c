"""What a reviewer sees of a conflict: base, current and incoming side by side, as the
reviewer's role may see them, and the people involved by name."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Conflict, Grid, Submission, User
from server.services.disclosure import shown_data
from server.services.record_rows import record_row
from server.services.record_view import record_body


def conflict_body(session: Session, user: User, conflict: Conflict) -> dict[str, Any]:
    """Everything a reviewer needs, with record data shown as the reviewer's role allows."""
    submission = session.get(Submission, conflict.submission_id)
    assert submission is not None

    def shown(side: dict[str, Any] | None) -> dict[str, Any] | None:
        if side is None:
            return None
        return {**side, "data": shown_data(session, user, submission.form_id,
                                           submission.form_version, side.get("data"),
                                           conflict.record_id or f"conflict:{conflict.id}")}

    row = record_row(session, conflict.record_id) if conflict.record_id else None
    people = _people(session, conflict)
    return {
        "id": conflict.id, "kind": conflict.kind.value, "status": conflict.status.value,
        "created_at": conflict.created_at.isoformat(), "grid": _grid_code(session, conflict),
        **_person("collector", people.get(conflict.collector_id)),
        "submission": _submission(submission),
        "record": record_body(session, user, row) if row else None,
        "current": shown(conflict.current), "base": shown(conflict.base),
        "incoming": shown(conflict.incoming), "changed_fields": conflict.changed_fields,
        "location_check": conflict.location_check,
        "record_version_at_open": conflict.record_version_at_open,
        **_person("claimed_by", people.get(conflict.claimed_by_id or 0)),
        "claim_expires_at": _iso(conflict.claim_expires_at),
        "resolution": conflict.resolution,
        "resolved_by": _username(people.get(conflict.resolved_by_id or 0)),
        "resolved_at": _iso(conflict.resolved_at), "note": conflict.note}


def conflict_summary(row: Any) -> dict[str, Any]:
    """One line of the queue (a row of review.queue.SUMMARY_COLUMNS)."""
    return {"id": row.id, "kind": _enum(row.kind), "status": _enum(row.status),
            "created_at": row.created_at.isoformat(), "grid": row.grid,
            "record_id": str(row.record_id) if row.record_id else None,
            "collector": row.collector, "collector_name": row.collector_name,
            "claimed_by": row.claimed_by, "claimed_by_name": row.claimed_by_name,
            "changed_fields": row.changed_fields,
            "claim_expires_at": _iso(row.claim_expires_at), "resolution": row.resolution}


def _submission(submission: Submission) -> dict[str, Any]:
    return {"id": str(submission.id), "batch_id": str(submission.batch_id),
            "device_id": submission.device_id, "form": submission.form_id,
            "form_version": submission.form_version,
            "captured_at": _iso(submission.captured_at),
            "received_at": submission.received_at.isoformat(),
            "record_id": str(submission.record_id) if submission.record_id else None,
            "base_version": submission.base_version}


def _people(session: Session, conflict: Conflict) -> dict[int, User]:
    ids = [i for i in (conflict.collector_id, conflict.claimed_by_id, conflict.resolved_by_id) if i]
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def _person(role: str, user: User | None) -> dict[str, str | None]:
    return {role: _username(user), f"{role}_name": user.display_name if user else None}


def _username(user: User | None) -> str | None:
    return user.username if user else None


def _grid_code(session: Session, conflict: Conflict) -> str | None:
    if conflict.grid_id is None:
        return None
    return session.scalar(select(Grid.code).where(Grid.id == conflict.grid_id))


def _enum(value: Any) -> str:
    return str(getattr(value, "value", value))  # text() queries give enum values as str


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
