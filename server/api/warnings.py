"""Decision support: indicator files, the warning model, monthly runs, warnings, the economy."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, jsonify, request, url_for
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import text

from server.api.blueprint import Blueprint
from server.api.jobs import JobSchema
from server.auth.current import current_user, login_required
from server.config import data_dir
from server.domain.indicators import add_months, parse_month
from server.domain.warning_model import LEVELS
from server.errors import Invalid
from server.extensions import db
from server.http_limits import body_limit
from server.models import Role
from server.services.indicators import accept_indicator_upload
from server.services.warnings import dashboards
from server.services.warnings.job import enqueue_run
from server.services.warnings.model import current_model, publish_model

blp = Blueprint("warnings", __name__, url_prefix="/api/v1",
                description="Decision support: labour-dispute warnings and the economic run")


class Month(fields.Field):
    """A month ``YYYY-MM`` (the first day of it)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date:
        month = parse_month(value) if isinstance(value, str) and len(value) == 7 else None
        if month is None:
            raise ValidationError("is not a month YYYY-MM")
        return month


class IndicatorImportQuery(Schema):
    """The department that delivered the file."""

    department = fields.String(validate=validate.Length(min=1, max=32))


class RunRequest(Schema):
    """The month to run."""

    month = Month(required=True, metadata={"type": "string", "example": "2026-10"})


class WarningQuery(Schema):
    """Filters of the warning list."""

    month = Month(metadata={"type": "string"})
    level = fields.String(validate=validate.OneOf(LEVELS))
    grid = fields.String(validate=validate.Length(max=32))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class MonthRange(Schema):
    """Months ``from``..``to`` (default: the twelve months to the latest run)."""

    from_ = Month(data_key="from", metadata={"type": "string"})
    to = Month(metadata={"type": "string"})


class MapQuery(Schema):
    """The month of the map."""

    month = Month(required=True, metadata={"type": "string"})


class EconomyQuery(MonthRange):
    """An area: ``district``, a street code or a community code."""

    area = fields.String(load_default="district", validate=validate.Length(min=1, max=32))


class Signal(Schema):
    """A signal that fired, with the numbers behind it."""

    signal = fields.String(required=True)
    indicator = fields.String(required=True)
    value = fields.Float(allow_none=True)
    baseline = fields.Float(allow_none=True, metadata={"description": "the trailing median"})
    change = fields.Float(allow_none=True, metadata={"description": "against the baseline"})
    weight = fields.Float(allow_none=True)
    reason = fields.String(required=True)


class WarningSchema(Schema):
    """An enterprise's warning for a month."""

    enterprise = fields.Dict(required=True)
    month = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    score = fields.Float(required=True)
    grid = fields.String(required=True)
    signals = fields.List(fields.Nested(Signal), required=True)
    event = fields.UUID(allow_none=True, metadata={"description": "the event it was dispatched as"})
    dispatch = fields.String(allow_none=True)
    model_version = fields.Integer(required=True)


class MonthCounts(Schema):
    """A month run, and its warnings per level."""

    month = fields.String(required=True)
    blue = fields.Integer(required=True)
    yellow = fields.Integer(required=True)
    orange = fields.Integer(required=True)
    red = fields.Integer(required=True)


class SummarySchema(Schema):
    """Warnings per month and level."""

    items = fields.List(fields.Nested(MonthCounts), required=True)


class GridCounts(Schema):
    """A grid's warnings of a month."""

    grid = fields.String(required=True)
    name = fields.String(required=True)
    blue = fields.Integer(required=True)
    yellow = fields.Integer(required=True)
    orange = fields.Integer(required=True)
    red = fields.Integer(required=True)
    total = fields.Integer(required=True)


class MapSchema(Schema):
    """A month's warnings per grid."""

    month = fields.String(required=True)
    items = fields.List(fields.Nested(GridCounts), required=True)


class EnterprisePage(Schema):
    """An enterprise, its indicator series ``{indicator: [[month, value]…]}`` and warnings."""

    enterprise = fields.Dict(required=True)
    series = fields.Dict(keys=fields.String(), values=fields.List(fields.List(fields.Raw())),
                         required=True)
    warnings = fields.List(fields.Nested(WarningSchema), required=True)


class EconomyMonth(Schema):
    """An area's month, with the same month a year before."""

    month = fields.String(required=True)
    area_level = fields.String(required=True)
    enterprises = fields.Integer(required=True)
    energy = fields.Float(allow_none=True)
    activity = fields.Float(allow_none=True)
    growth_index = fields.Float(allow_none=True)
    new_enterprises = fields.Integer(required=True)
    exited_enterprises = fields.Integer(required=True)
    trend_down = fields.Boolean(required=True)
    year_ago = fields.Dict(allow_none=True)


class EconomySchema(Schema):
    """An area's economic figures, month by month."""

    area = fields.String(required=True)
    items = fields.List(fields.Nested(EconomyMonth), required=True)


class ModelSchema(Schema):
    """A version of the warning model."""

    version = fields.Integer(required=True)
    definition = fields.Dict()
    created = fields.Boolean()


def _months(query: dict[str, Any]) -> tuple[date, date]:
    until = query.get("to") or _latest_month()
    since = query.get("from_") or add_months(until, -11)
    if since > until:
        raise Invalid("from is after to.", errors=[{"field": "from", "message": "after to"}])
    return since, until


def _latest_month() -> date:
    latest = db.session.scalar(text("SELECT max(month) FROM warning_runs"))
    today = date.today()
    return latest or date(today.year, today.month, 1)


@blp.route("/indicators/imports", methods=["POST"])
@body_limit("MAX_IMPORT_BYTES")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(IndicatorImportQuery, location="query")
@blp.response(202, JobSchema, description="The import job; its result reports every rejected row.")
@login_required(Role.admin)
def import_indicators(query: dict[str, Any]) -> Any:
    """Import a department's file of ``credit_code,month,indicator,value`` rows."""
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("Send the file as the multipart/form-data field 'file'.",
                      errors=[{"field": "file", "message": "is required"}])
    job = accept_indicator_upload(db.session, current_user(), query.get("department"),
                                  upload.stream, upload.filename, data_dir(current_app.config))
    db.session.commit()
    return job, 202, {"Location": url_for("jobs.one", job_id=job.id)}


@blp.route("/warnings/runs", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(RunRequest)
@blp.response(202, JobSchema, description="The run's job; its result: levels and dispatch counts.")
@login_required(Role.admin)
def run(body: dict[str, Any]) -> Any:
    """Run a month (warnings, their dispatch, the economy) in the background."""
    job = enqueue_run(db.session, body["month"], current_user().id)
    db.session.commit()
    return job, 202, {"Location": url_for("jobs.one", job_id=job.id)}


@blp.route("/warnings/model")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, ModelSchema)
@login_required()
def model() -> Any:
    """The warning model in force."""
    found = current_model(db.session)
    return {"version": found.version, "definition": found.definition}


@blp.route("/warnings/models", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}], requestBody={"required": True, "content": {
    "application/json": {"schema": {"type": "object"}}}})
@blp.response(201, ModelSchema, description="Published (200 with the same body: it already was).")
@blp.alt_response(200, schema=ModelSchema, description="The same content was already published.")
@login_required(Role.admin)
def publish() -> Any:
    """Publish a new version of the warning model (the JSON body is the definition)."""
    publication = publish_model(db.session, request.get_json(silent=True), current_user().id)
    db.session.commit()
    return ({"version": publication.model.version, "created": publication.created},
            201 if publication.created else 200)


@blp.route("/warnings")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(WarningQuery, location="query")
@blp.response(200, WarningSchema(many=True))
@login_required()
def list_warnings(query: dict[str, Any]) -> Any:
    """Warnings I may see, highest score first."""
    # Shaped by the service as documented; answered as is (a schema dump of 1,000 warnings'
    # signals would cost more than the query).
    return jsonify(dashboards.list_warnings(db.session, current_user(), query.get("month"),
                                            query.get("level"), query.get("grid"),
                                            query["limit"], query["offset"]))


@blp.route("/warnings/summary")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(MonthRange, location="query")
@blp.response(200, SummarySchema)
@login_required()
def summary(query: dict[str, Any]) -> Any:
    """Warnings per month and level."""
    since, until = _months(query)
    return {"items": dashboards.warnings_by_month(db.session, current_user(), since, until)}


@blp.route("/warnings/map")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(MapQuery, location="query")
@blp.response(200, MapSchema)
@login_required()
def warning_map(query: dict[str, Any]) -> Any:
    """A month's warnings per grid: ``{month, items: [{grid, name, blue, yellow, orange, red,
    total}]}`` (draw them on ``GET /grids``)."""
    month = query["month"]
    return {"month": f"{month:%Y-%m}",
            "items": dashboards.warnings_by_grid(db.session, current_user(), month)}


@blp.route("/warnings/enterprises/<string:credit_code>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, EnterprisePage)
@login_required()
def enterprise(credit_code: str) -> Any:
    """One enterprise: its eight indicator series and its warnings with their signals."""
    return dashboards.enterprise_page(db.session, current_user(), credit_code)


@blp.route("/economy")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(EconomyQuery, location="query")
@blp.response(200, EconomySchema)
@login_required()
def economy(query: dict[str, Any]) -> Any:
    """An area's monthly energy, activity and growth index, with the year before."""
    since, until = _months(query)
    return {"area": query["area"], "items": dashboards.economy_series(
        db.session, current_user(), query["area"], since, until)}
