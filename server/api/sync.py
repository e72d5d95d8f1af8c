"""Upload batches from phones; the change feed back to them."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from flask import current_app, jsonify, Response
from server.api.blueprint import Blueprint
from marshmallow import (EXCLUDE, INCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate,
                         validates_schema)
from psycopg.errors import DeadlockDetected
from sqlalchemy.exc import OperationalError

from server.api.schemas import ItemResultSchema, RecordSchema
from server.auth.current import current_user, login_required
from server.errors import TooLarge
from server.extensions import db
from server.models import Role
from server.services.change_feed import MAX_LIMIT, changes_since
from server.services.events.board import with_event_summaries
from server.services.record_view import record_body
from server.services.scope import readable_kinds, record_scope
from server.services.sync import UploadBatch, batch_results, process_batch

blp = Blueprint("sync", __name__, url_prefix="/api/v1", description="Phone synchronisation")
RETRIES = 3
MAX_ITEMS = 500


def _is_uuid(value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ValidationError("must be a UUID") from None


class SyncItemSchema(Schema):
    """One item captured offline. Only its id is checked here: every other member is checked
    item by item, so one bad item is rejected alone and the rest of the batch goes on."""

    class Meta:
        unknown = INCLUDE  # the item is stored raw, as received

    id = fields.String(required=True, validate=_is_uuid, metadata={"format": "uuid"})
    form = fields.Raw(metadata={"type": "string"})
    form_version = fields.Raw(metadata={"type": "integer"})
    record_id = fields.Raw(metadata={"type": "string", "format": "uuid"})
    base_version = fields.Raw(metadata={"type": "integer", "description": "an update's base"})
    branch_id = fields.Raw(metadata={"type": "string"})
    captured_at = fields.Raw(metadata={"type": "string", "format": "date-time"})
    location = fields.Raw(metadata={"type": "object", "description": "{lon, lat, accuracy_m?, "
                                                                      "crs?: WGS84|GCJ02}"})
    data = fields.Raw(metadata={"type": "object"})


class SyncBatchSchema(Schema):
    """A batch of items captured offline; a malformed batch is refused whole, storing nothing.
    Members other than these are accepted (newer phones) but neither read nor stored."""

    class Meta:
        unknown = EXCLUDE

    batch_id = fields.UUID(required=True)
    device_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    items = fields.List(fields.Nested(SyncItemSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_ITEMS))

    @pre_load
    def refuse_too_many(self, body: Any, **_: Any) -> Any:
        """More items than a batch may hold is 413, before anything else is looked at."""
        items = body.get("items") if isinstance(body, dict) else None
        if isinstance(items, list) and len(items) > MAX_ITEMS:
            raise TooLarge(f"A batch may hold at most {MAX_ITEMS} items; this one has "
                           f"{len(items)}. Split it into smaller batches.", max_items=MAX_ITEMS)
        return body

    @validates_schema
    def ids_once(self, body: dict[str, Any], **_: Any) -> None:
        """An item id may appear once in a batch."""
        seen: set[uuid.UUID] = set()
        for index, item in enumerate(body.get("items", [])):
            item_id = uuid.UUID(item["id"])
            if item_id in seen:
                raise ValidationError({"items": {index: {"id": ["appears twice in the batch"]}}})
            seen.add(item_id)

    @post_load
    def upload_batch(self, body: dict[str, Any], **_: Any) -> UploadBatch:
        """The parsed batch as the sync service takes it."""
        return UploadBatch(body["batch_id"], body["device_id"], body["items"])


class BatchResults(Schema):
    """One result per item, in the batch's order."""

    batch_id = fields.UUID(required=True)
    results = fields.List(fields.Nested(ItemResultSchema), required=True)


class ChangesQuery(Schema):
    """Where to continue the feed."""

    since = fields.String(validate=validate.Length(max=80))
    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_LIMIT), load_default=500)


class ChangesPage(Schema):
    """Records changed since the cursor; follow ``next`` while ``more``."""

    items = fields.List(fields.Nested(RecordSchema), required=True)
    next = fields.String(required=True)
    more = fields.Boolean(required=True)
    estimated_total = fields.Integer(metadata={
        "description": "first page only (no `since`): about how many records the whole feed "
                       "holds, for showing progress; an estimate, not a promise"})


@blp.route("/sync/batches", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(SyncBatchSchema)
@blp.response(200, BatchResults)
@login_required(Role.collector)
def upload(batch: UploadBatch) -> Response:
    """Store every item raw, then merge it, queue it for review, hold it or reject it."""
    for attempt in range(RETRIES):
        try:
            outcome = process_batch(db.session, current_user(), batch, datetime.now(timezone.utc))
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
@blp.response(200, BatchResults)
@login_required(Role.collector)
def results(batch_id: uuid.UUID) -> Response:
    """The results of a batch again, for a phone that lost the response."""
    return jsonify(batch_results(db.session, current_user(), batch_id))


@blp.route("/records/changes")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(ChangesQuery, location="query")
@blp.response(200, ChangesPage)
@login_required()
def changes(query: dict[str, Any]) -> Response:
    """Records of my grids changed since a cursor; follow `next` until `more` is false."""
    user = current_user()
    page = changes_since(db.session, record_scope(db.session, user),
                         readable_kinds(db.session, user), query.get("since"), query["limit"])
    items = with_event_summaries(db.session, [record_body(db.session, user, r) for r in page.rows])
    body: dict[str, Any] = {"items": items, "next": page.next, "more": page.more}
    if page.estimated_total is not None:
        body["estimated_total"] = max(page.estimated_total, len(page.rows))
    return jsonify(body)
