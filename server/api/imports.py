"""Bulk imports of records from CSV or XLSX files (administrators)."""
from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from marshmallow import Schema, fields, validate

from server.api.blueprint import Blueprint
from server.api.jobs import JobSchema
from server.auth.current import current_user, login_required
from server.config import data_dir
from server.errors import Invalid, NotFound
from server.extensions import db
from server.http_limits import body_limit
from server.models import Job, Role
from server.services.imports import IMPORT_JOB, accept_upload, rejections

blp = Blueprint("imports", __name__, url_prefix="/api/v1/imports",
                description="Bulk imports of records from CSV or XLSX files")

_FILE_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "CSV (UTF-8, or GB18030) or XLSX; the first row "
                                           "names the columns (see the README)"}}}}}}


class ImportQuery(Schema):
    """Which form the rows are records of, and whether to only report what would happen."""

    form = fields.String(required=True, validate=validate.Length(min=1, max=64))
    dry_run = fields.Boolean(load_default=False)


class RejectionsQuery(Schema):
    """A page of rejected rows."""

    after = fields.Integer(load_default=0, validate=validate.Range(min=0),
                           metadata={"description": "the last row of the previous page"})
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


class RejectedRow(Schema):
    """A rejected row: its number in the file (the header is row 1) and its errors."""

    row = fields.Integer(required=True)
    errors = fields.List(fields.Dict(), required=True,
                         metadata={"description": "{field, column?, code, message, message_zh}"})


class RejectionsPage(Schema):
    """Rejected rows in file order; follow ``next`` while ``more``."""

    items = fields.List(fields.Nested(RejectedRow), required=True)
    next = fields.Integer(allow_none=True)
    more = fields.Boolean(required=True)


@blp.route("", methods=["POST"])
@body_limit("MAX_IMPORT_BYTES")
@blp.doc(security=[{"bearerAuth": []}], requestBody=_FILE_BODY)
@blp.arguments(ImportQuery, location="query")
@blp.response(202, JobSchema, description="The import job; follow its Location. Its result is "
              "{created, updated, unchanged, rejected: [{row, errors}], rejected_count, …}.")
@login_required(Role.admin)
def start(query: dict[str, Any]) -> Any:
    """Import the records of a file in the background (``dry_run``: only report)."""
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("Send the file as the multipart/form-data field 'file'.",
                      errors=[{"field": "file", "message": "is required"}])
    job = accept_upload(db.session, current_user(), query["form"], upload.stream,
                        upload.filename, query["dry_run"], data_dir(current_app.config))
    db.session.commit()
    return job, 202, {"Location": url_for("jobs.one", job_id=job.id)}


@blp.route("/<int:job_id>/rejections")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(RejectionsQuery, location="query")
@blp.response(200, RejectionsPage)
@login_required(Role.admin)
def rejected_rows(query: dict[str, Any], job_id: int) -> dict[str, Any]:
    """Every rejected row of an import, a page at a time."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != IMPORT_JOB:
        raise NotFound(f"No import {job_id}.")
    items, more = rejections(db.session, job_id, query["after"], query["limit"])
    return {"items": items, "next": items[-1]["row"] if items else None, "more": more}
