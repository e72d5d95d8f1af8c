"""The review queue."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, current_app, jsonify
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select, text

from server.api.records_out import record_body
from server.auth.current import current_user, login_required
from server.extensions import db
from server.models import Conflict, Submission, User
from server.services import resolution, review
from server.services.disclosure import shown_data
from server.services.records import RECORD_COLUMNS, RECORD_FROM

blp = Blueprint("conflicts", __name__, url_prefix="/api/v1/conflicts",
                description="Conflicts waiting for a supervisor")


class ConflictQuery(Schema):
    """Filters and paging (``after``: the last id of the previous page)."""

    status = fields.String(validate=validate.OneOf(["open", "resolved", "all"]),
                           load_default="open")
    grid = fields.String()
    kind = fields.String(validate=validate.OneOf([k.value for k in review.ConflictKind]))
    collector = fields.String()
    older_than_hours = fields.Float(validate=validate.Range(min=0, max=24 * 366 * 30))  # harden: 30 years; more overflowed timedelta (500)
    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class Resolution(Schema):
    """How to resolve: accept the incoming item, reject it, or merge field values."""

    action = fields.String(required=True, validate=validate.OneOf(resolution.ACTIONS))
    data = fields.Dict()
    note = fields.String(validate=validate.Length(max=2000))


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(ConflictQuery, location="query")
@blp.response(200)
@login_required()
def list_conflicts(query: dict[str, Any]) -> Response:
    """Conflicts of the grids I supervise, oldest first."""
    status = None if query["status"] == "all" else query["status"]
    wanted = review.ConflictFilter(status, query.get("grid"), query.get("kind"),
                                   query.get("collector"), query.get("older_than_hours"),
                                   query["after"], query["limit"])
    rows = review.list_conflicts(db.session, current_user(), wanted)
    items = [_summary(r) for r in rows]
    return jsonify(items=items, next_after=items[-1]["id"] if len(items) == wanted.limit else None)


@blp.route("/<int:conflict_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200)
@login_required()
def one(conflict_id: int) -> Response:
    """Base, current and incoming side by side, the changed fields and the location check."""
    conflict = review.get_conflict(db.session, current_user(), conflict_id)
    return jsonify(conflict_body(conflict))


@blp.route("/<int:conflict_id>/claim", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200)
@login_required()
def claim(conflict_id: int) -> Response:
    """Take the conflict for a while (409 if another reviewer holds it)."""
    minutes = float(current_app.config.get("REVIEW_CLAIM_MINUTES", 15))
    conflict = review.claim_conflict(db.session, current_user(), conflict_id,
                                     timedelta(minutes=minutes))
    db.session.commit()
    return jsonify(conflict_body(conflict))


@blp.route("/<int:conflict_id>/release", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200)
@login_required()
def release(conflict_id: int) -> Response:
    """Give the conflict back to the queue."""
    conflict = review.release_conflict(db.session, current_user(), conflict_id)
    db.session.commit()
    return jsonify(conflict_body(conflict))


@blp.route("/<int:conflict_id>/resolve", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(Resolution)
@blp.response(200)
@login_required()
def resolve(body: dict[str, Any], conflict_id: int) -> Response:
    """Resolve: the resulting record version (409 if already resolved or held by another)."""
    user = current_user()
    try:
        outcome = resolution.resolve_conflict(db.session, user, conflict_id, body["action"],
                                              body.get("data"), body.get("note"))
    except review.StaleConflict:
        db.session.commit()  # keep the refreshed snapshot for the reviewer's next look
        raise
    db.session.commit()
    if outcome.get("record_id"):
        row = db.session.execute(text(f"SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} "
                                      "WHERE r.id = :id"), {"id": outcome["record_id"]}).first()
        outcome["record"] = record_body(db.session, user, row) if row else None
    return jsonify(outcome)


def _summary(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind.value if hasattr(row.kind, "value") else row.kind,
            "status": row.status.value if hasattr(row.status, "value") else row.status,
            "created_at": row.created_at.isoformat(), "grid": row.grid,
            "record_id": str(row.record_id) if row.record_id else None,
            "collector": row.collector, "collector_name": row.collector_name,
            "claimed_by": row.claimed_by, "claimed_by_name": row.claimed_by_name,
            "changed_fields": row.changed_fields,
            "claim_expires_at": row.claim_expires_at.isoformat() if row.claim_expires_at else None,
            "resolution": row.resolution}


def conflict_body(conflict: Conflict) -> dict[str, Any]:
    """Everything a reviewer needs, with record data shown as the reviewer's role allows."""
    session, user = db.session, current_user()
    submission = session.get(Submission, conflict.submission_id)
    assert submission is not None
    form_id, version = submission.form_id, submission.form_version

    def shown(side: dict[str, Any] | None) -> dict[str, Any] | None:
        if side is None:
            return None
        return {**side, "data": shown_data(session, user, form_id, version, side.get("data"))}

    record = None
    if conflict.record_id:
        row = session.execute(text(f"SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} WHERE r.id = :id"),
                              {"id": conflict.record_id}).first()
        record = record_body(session, user, row) if row else None
    ids = [i for i in (conflict.collector_id, conflict.claimed_by_id, conflict.resolved_by_id) if i]
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    name = lambda i: people[i].username if i in people else None
    return {
        "id": conflict.id, "kind": conflict.kind.value, "status": conflict.status.value,
        "created_at": conflict.created_at.isoformat(),
        "grid": _grid_code(conflict.grid_id), "collector": name(conflict.collector_id),
        "collector_name": people[conflict.collector_id].display_name
        if conflict.collector_id in people else None,
        "submission": {"id": str(submission.id), "batch_id": str(submission.batch_id),
                       "device_id": submission.device_id, "form": form_id,
                       "form_version": version,
                       "captured_at": submission.captured_at.isoformat()
                       if submission.captured_at else None,
                       "received_at": submission.received_at.isoformat(),
                       "record_id": str(submission.record_id) if submission.record_id else None,
                       "base_version": submission.base_version},
        "record": record, "current": shown(conflict.current), "base": shown(conflict.base),
        "incoming": shown(conflict.incoming), "changed_fields": conflict.changed_fields,
        "location_check": conflict.location_check,
        "record_version_at_open": conflict.record_version_at_open,
        "claimed_by": name(conflict.claimed_by_id),
        "claimed_by_name": people[conflict.claimed_by_id].display_name
        if conflict.claimed_by_id in people else None,
        "claim_expires_at": conflict.claim_expires_at.isoformat()
        if conflict.claim_expires_at else None,
        "resolution": conflict.resolution, "resolved_by": name(conflict.resolved_by_id),
        "resolved_at": conflict.resolved_at.isoformat() if conflict.resolved_at else None,
        "note": conflict.note}


def _grid_code(grid_id: int | None) -> str | None:
    if grid_id is None:
        return None
    return db.session.execute(text("SELECT code FROM grids WHERE id = :id"),
                              {"id": grid_id}).scalar()
