"""Upload batches from phones; the change feed back to them."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from flask import current_app, jsonify, request, Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from psycopg.errors import DeadlockDetected
from sqlalchemy.exc import OperationalError

from server.api.records_out import record_body
from server.auth.current import current_user, login_required
from server.errors import Invalid
from server.extensions import db
from server.json_strict import loads_strict
from server.models import Role
from server.services.assignments import workable_grid_ids
from server.services.change_feed import MAX_LIMIT, changes_since
from server.services.sync import batch_results, process_batch

blp = Blueprint("sync", __name__, url_prefix="/api/v1", description="Phone synchronisation")
RETRIES = 3


class BatchDoc(Schema):
    """A batch of items captured offline (see the API contract for every member)."""

    batch_id = fields.UUID(required=True)
    device_id = fields.String(required=True)
    items = fields.List(fields.Dict(), required=True)


class ChangesQuery(Schema):
    """Where to continue the feed."""

    since = fields.String()
    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_LIMIT), load_default=500)


@blp.route("/sync/batches", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}], requestBody={
    "content": {"application/json": {"schema": BatchDoc}}})
@blp.response(200)
@login_required(Role.collector)
def upload() -> Response:
    """Store every item raw, then merge it, queue it for review, hold it or reject it."""
    try:
        body = loads_strict(request.get_data())
    except ValueError as error:
        raise Invalid("The body is not valid JSON; nothing was stored.",
                      errors=[{"field": "body", "message": str(error)}]) from None
    for attempt in range(RETRIES):
        try:
            outcome = process_batch(db.session, current_user(), body, datetime.now(timezone.utc))
            db.session.commit()
            return jsonify(outcome)
        except OperationalError as error:
            db.session.rollback()
            if not isinstance(error.orig, DeadlockDetected) or attempt == RETRIES - 1:
                raise
            current_app.logger.warning("deadlock on batch upload; retrying")
    raise AssertionError("unreachable")


@blp.route("/sync/batches/<uuid:batch_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200)
@login_required(Role.collector)
def results(batch_id: uuid.UUID) -> Response:
    """The results of a batch again, for a phone that lost the response."""
    return jsonify(batch_results(db.session, current_user(), batch_id))


@blp.route("/records/changes")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(ChangesQuery, location="query")
@blp.response(200)
@login_required()
def changes(query: dict[str, Any]) -> Response:
    """Records of my grids changed since a cursor; follow `next` until `more` is false."""
    grids = _feed_grids(current_user())
    rows, cursor, more = changes_since(db.session, grids, query.get("since"), query["limit"])
    user = current_user()
    return jsonify(items=[record_body(db.session, user, r) for r in rows], next=cursor, more=more)


def _feed_grids(user: Any) -> set[int]:
    from server.services.grid_views import visible_grids
    if user.role == Role.collector:
        return workable_grid_ids(db.session, user.id, datetime.now(timezone.utc))
    return visible_grids(db.session, user).grid_ids(db.session)
