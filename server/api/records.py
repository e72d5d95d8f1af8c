"""The resource database: search, one record, its history."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Response, jsonify
from server.api.blueprint import Blueprint
from marshmallow import Schema, fields, validate

from server.api.schemas import PhotoRefSchema, RecordList, RecordSchema
from server.auth.current import current_user, login_required
from server.extensions import db
from server.services import records as service
from server.services.record_view import record_body, version_body

blp = Blueprint("records", __name__, url_prefix="/api/v1/records",
                description="The resource database")


class SearchQuery(Schema):
    """What to look for."""

    kind = fields.String(validate=validate.Length(max=32))
    q = fields.String(validate=validate.Length(max=64))
    grid = fields.String(validate=validate.Length(max=32))
    limit = fields.Integer(validate=validate.Range(min=1, max=200), load_default=20)


class VersionSchema(Schema):
    """One version of a record: who made it, when, from which submission or review."""

    version = fields.Integer(required=True)
    data = fields.Dict(allow_none=True)
    photos = fields.List(fields.Nested(PhotoRefSchema), required=True)
    grid = fields.String(required=True)
    form = fields.String(required=True)
    form_version = fields.Integer(required=True)
    made_at = fields.DateTime(required=True)
    made_by = fields.String(allow_none=True, metadata={"description": "username"})
    made_by_name = fields.String(allow_none=True, metadata={"description": "display name"})
    submission_id = fields.UUID(allow_none=True)
    conflict_id = fields.Integer(allow_none=True)
    branch = fields.String(allow_none=True)
    changed_fields = fields.List(fields.String(), allow_none=True)
    auto_merged_fields = fields.List(fields.String(), allow_none=True)
    note = fields.String(allow_none=True)


class HistorySchema(Schema):
    """Every version of a record, oldest first."""

    record_id = fields.UUID(required=True)
    versions = fields.List(fields.Nested(VersionSchema), required=True)


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(SearchQuery, location="query")
@blp.response(200, RecordList)
@login_required()
def search(query: dict[str, Any]) -> Response:
    """Search by name (exact, prefix, within), whole ID-card or phone number; within my scope."""
    user = current_user()
    rows = service.search_records(db.session, user, kind=query.get("kind"), q=query.get("q"),
                                  grid_code=query.get("grid"), limit=query["limit"])
    return jsonify(items=[record_body(db.session, user, r) for r in rows])


@blp.route("/<uuid:record_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, RecordSchema)
@login_required()
def one(record_id: uuid.UUID) -> Response:
    """One record."""
    user = current_user()
    return jsonify(record_body(db.session, user, service.get_record(db.session, user, record_id)))


@blp.route("/<uuid:record_id>/history")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, HistorySchema)
@login_required()
def history(record_id: uuid.UUID) -> Response:
    """Every version of a record: who changed what, when, from which submission or review."""
    user = current_user()
    rows = service.record_history(db.session, user, record_id)
    return jsonify(record_id=str(record_id),
                   versions=[version_body(db.session, user, r) for r in rows])
