"""The review queue."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, current_app, jsonify
from server.api.blueprint import Blueprint
from marshmallow import Schema, fields, validate

from server.api.schemas import RecordSchema
from server.auth.current import current_user, login_required
from server.extensions import db
from server.models import ConflictKind
from server.services import review
from server.services.record_rows import record_row
from server.services.record_view import record_body

blp = Blueprint("conflicts", __name__, url_prefix="/api/v1/conflicts",
                description="Conflicts waiting for a supervisor")


class ConflictQuery(Schema):
    """Filters and paging (``after``: the last id of the previous page)."""

    status = fields.String(validate=validate.OneOf(["open", "resolved", "all"]),
                           load_default="open")
    grid = fields.String()
    kind = fields.String(validate=validate.OneOf([k.value for k in ConflictKind]))
    collector = fields.String()
    older_than_hours = fields.Float(validate=validate.Range(min=0, max=24 * 366 * 30))  # harden: 30 years; more overflowed timedelta (500)
    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class Resolution(Schema):
    """How to resolve: accept the incoming item, reject it, or merge field values."""

    action = fields.String(required=True, validate=validate.OneOf(review.ACTIONS))
    data = fields.Dict()
    note = fields.String(validate=validate.Length(max=2000))


class ConflictSummary(Schema):
    """One conflict in the queue."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    grid = fields.String(allow_none=True)
    record_id = fields.UUID(allow_none=True)
    collector = fields.String(allow_none=True)
    collector_name = fields.String(allow_none=True)
    claimed_by = fields.String(allow_none=True)
    claimed_by_name = fields.String(allow_none=True)
    claim_expires_at = fields.DateTime(allow_none=True)
    changed_fields = fields.List(fields.String(), allow_none=True)
    resolution = fields.String(allow_none=True)


class ConflictPage(Schema):
    """A page of the queue; ``next_after`` continues it (null on the last page)."""

    items = fields.List(fields.Nested(ConflictSummary), required=True)
    next_after = fields.Integer(allow_none=True)


class ConflictDetail(ConflictSummary):
    """Base, current and incoming side by side, the changed fields and the location check."""

    submission = fields.Dict(required=True)
    record = fields.Nested(RecordSchema, allow_none=True)
    current = fields.Dict(allow_none=True)
    base = fields.Dict(allow_none=True)
    incoming = fields.Dict(required=True)
    location_check = fields.Dict(allow_none=True)
    record_version_at_open = fields.Integer(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)


class ResolutionResult(Schema):
    """The resulting record version (none when the incoming item was rejected)."""

    conflict_id = fields.Integer(required=True)
    resolution = fields.String(required=True)
    record_id = fields.UUID(allow_none=True)
    version = fields.Integer()
    record = fields.Nested(RecordSchema, allow_none=True)


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(ConflictQuery, location="query")
@blp.response(200, ConflictPage)
@login_required()
def list_conflicts(query: dict[str, Any]) -> Response:
    """Conflicts of the grids I supervise, oldest first."""
    status = None if query["status"] == "all" else query["status"]
    wanted = review.ConflictFilter(status, query.get("grid"), query.get("kind"),
                                   query.get("collector"), query.get("older_than_hours"),
                                   query["after"], query["limit"])
    items = [review.conflict_summary(r)
             for r in review.list_conflicts(db.session, current_user(), wanted)]
    return jsonify(items=items, next_after=items[-1]["id"] if len(items) == wanted.limit else None)


@blp.route("/<int:conflict_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, ConflictDetail)
@login_required()
def one(conflict_id: int) -> Response:
    """Base, current and incoming side by side, the changed fields and the location check."""
    user = current_user()
    conflict = review.get_conflict(db.session, user, conflict_id)
    return jsonify(review.conflict_body(db.session, user, conflict))


@blp.route("/<int:conflict_id>/claim", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, ConflictDetail)
@login_required()
def claim(conflict_id: int) -> Response:
    """Take the conflict for a while (409 if another reviewer holds it)."""
    user, minutes = current_user(), float(current_app.config["REVIEW_CLAIM_MINUTES"])
    conflict = review.claim_conflict(db.session, user, conflict_id, timedelta(minutes=minutes))
    db.session.commit()
    return jsonify(review.conflict_body(db.session, user, conflict))


@blp.route("/<int:conflict_id>/release", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, ConflictDetail)
@login_required()
def release(conflict_id: int) -> Response:
    """Give the conflict back to the queue."""
    user = current_user()
    conflict = review.release_conflict(db.session, user, conflict_id)
    db.session.commit()
    return jsonify(review.conflict_body(db.session, user, conflict))


@blp.route("/<int:conflict_id>/resolve", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(Resolution)
@blp.response(200, ResolutionResult)
@login_required()
def resolve(body: dict[str, Any], conflict_id: int) -> Response:
    """Resolve: the resulting record version (409 if already resolved or held by another)."""
    user = current_user()
    try:
        outcome = review.resolve_conflict(db.session, user, conflict_id, body["action"],
                                          body.get("data"), body.get("note"))
    except review.StaleConflict:
        db.session.commit()  # keep the refreshed snapshot for the reviewer's next look
        raise
    db.session.commit()
    row = record_row(db.session, outcome["record_id"]) if outcome.get("record_id") else None
    return jsonify({**outcome, "record": record_body(db.session, user, row) if row else None})
