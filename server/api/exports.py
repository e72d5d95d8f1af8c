"""Exports: the records I may read as a file (streamed), or a job for a large set."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

from flask import Response, current_app, request, send_file, stream_with_context, url_for
from marshmallow import Schema, ValidationError, fields, validate

from server.api.blueprint import Blueprint
from server.api.jobs import JobSchema
from server.auth.current import current_user, login_required
from server.domain.export_table import CHOICES, LANGS
from server.domain.id_card import CHINA_STANDARD_TIME
from server.extensions import db
from server.services.exports import downloads
from server.services.exports.formats import FORMATS
from server.services.exports.request import ExportRequest
from server.services.exports.service import StreamedExport, start_export

blp = Blueprint("exports", __name__, url_prefix="/api/v1/exports",
                description="Records as CSV, XLSX, GeoJSON or GeoPackage files")
FILE = {"schema": {"type": "string", "format": "binary"}}
FILE_CONTENT = {f.media_type.split(";")[0]: FILE for f in FORMATS.values()}
KIND = r"^[a-z][a-z0-9_]{0,63}$"  # a name, as forms name kinds
AREA_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$"
PURPOSE = r"^[^\x00-\x1f\x7f]{1,200}$"  # one line of text


class SinceField(fields.AwareDateTime):
    """An ISO 8601 date-time with its zone, or a date (midnight, China time)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and len(value) == 10:
            try:
                return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(),
                                        CHINA_STANDARD_TIME)
            except ValueError:
                raise ValidationError("Not a date (YYYY-MM-DD) or date-time.") from None
        return super()._deserialize(value, attr, data, **kwargs)


class ExportQuery(Schema):
    """Which records (kind, grid, updated_since) and how to write them."""

    kind = fields.String(required=True, validate=validate.Regexp(KIND),
                         metadata={"description": "record kind: resident, rental, fixture…"})
    format = fields.String(load_default="csv", validate=validate.OneOf(list(FORMATS)))
    grid = fields.String(validate=validate.Regexp(AREA_CODE), metadata={
        "description": "a grid, community or street code (all of its grids)"})
    updated_since = SinceField(metadata={
        "description": "records changed at or after this instant (ISO 8601 with zone, e.g. "
                       "2026-03-01T08:00:00Z), or since this date's midnight in China time"})
    lang = fields.String(load_default="zh", validate=validate.OneOf(LANGS), metadata={
        "description": "headers and choice labels: zh, en, both, or none (field names)"})
    choices = fields.String(load_default="both", validate=validate.OneOf(CHOICES), metadata={
        "description": "select fields as their code and label (both), label or value"})
    purpose = fields.String(validate=validate.Regexp(PURPOSE), metadata={
        "description": "why the records are exported (kept with the export in the log)"})


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}], responses={"200": {
    "description": "The file, streamed (up to ZHIWANG_EXPORT_STREAM_ROWS records)",
    "content": FILE_CONTENT}})
@blp.arguments(ExportQuery, location="query", unknown="raise")
@blp.alt_response(202, schema=JobSchema, success=True, description=(
    "A larger set (or `Prefer: respond-async`): a job; its Location is /api/v1/jobs/{id}, "
    "whose result_url downloads the file when done"))
@login_required()
def export(query: dict[str, Any]) -> Response:
    """The records of a kind I may read, masked as my role allows, as a file or a job."""
    wanted = ExportRequest(kind=query["kind"], format=query["format"], area=query.get("grid"),
                           updated_since=query.get("updated_since"), lang=query["lang"],
                           choices=query["choices"], purpose=query.get("purpose"))
    started = start_export(db.session, current_user(), wanted,
                           stream_rows=current_app.config["EXPORT_STREAM_ROWS"],
                           respond_async="respond-async" in request.headers.get("Prefer", ""))
    if isinstance(started, StreamedExport):
        return _streamed(started)
    db.session.commit()
    response = Response(JobSchema().dumps(started), 202, mimetype="application/json")
    response.headers["Location"] = url_for("jobs.one", job_id=started.id)
    return response


@blp.route("/<int:job_id>/file")
@blp.doc(security=[{"bearerAuth": []}], responses={"200": {
    "description": "The file of a finished export job", "content": FILE_CONTENT}})
@login_required()
def download(job_id: int) -> Response:
    """The file an export job of mine wrote (administrators: any)."""
    kept = downloads.kept_export(db.session, current_user(), job_id,
                                 keep_hours=current_app.config["EXPORT_KEEP_HOURS"])
    response = send_file(kept.path, mimetype=kept.media_type, as_attachment=True,
                         download_name=kept.filename, conditional=True)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _streamed(export: StreamedExport) -> Response:
    """The file as it is written; the request's transaction commits when it is complete."""
    def body() -> Iterator[bytes]:
        try:
            yield from export.pieces
        except GeneratorExit:
            db.session.commit()
            raise
        db.session.commit()

    response = Response(stream_with_context(body()), content_type=export.formatter.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
