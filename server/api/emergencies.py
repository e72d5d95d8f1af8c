"""Typhoon and rainstorm warnings: declare, change level, stand down; the situation; tasks."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.api.blueprint import Blueprint
from server.auth.current import current_user, login_required
from server.domain.emergency_plan import HAZARD_LEVELS
from server.extensions import db
from server.services.emergencies import declaration, situation, tasks
from server.services.emergencies.plans import latest_plans

blp = Blueprint("emergencies", __name__, url_prefix="/api/v1/emergencies",
                description="Typhoon and rainstorm warnings over the 14 classes of facilities")

LEVELS = sorted({level for levels in HAZARD_LEVELS.values() for level in levels})


class DeclareRequest(Schema):
    """A hazard at a level over the district (no area) or a street or community (its code)."""

    hazard = fields.String(required=True, validate=validate.OneOf(list(HAZARD_LEVELS)))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    area = fields.String(allow_none=True, validate=validate.Length(min=1, max=32))

    @validates_schema
    def level_of_hazard(self, data: dict[str, Any], **_: Any) -> None:
        """typhoon: white…red; rainstorm: yellow…red."""
        if data["level"] not in HAZARD_LEVELS[data["hazard"]]:
            raise ValidationError("one of " + ", ".join(HAZARD_LEVELS[data["hazard"]]), "level")


class LevelRequest(Schema):
    """The new level of a warning in force."""

    level = fields.String(required=True, validate=validate.OneOf(LEVELS))


class ListQuery(Schema):
    """``active``: only warnings in force (default)."""

    active = fields.Boolean(load_default=True)


class TasksQuery(Schema):
    """Filters of a warning's tasks."""

    state = fields.String(validate=validate.OneOf(["open", "done", "closed"]))
    grid = fields.String(validate=validate.Length(max=32))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class NearQuery(Schema):
    """Where the phone is: tasks nearest first."""

    lon = fields.Float(validate=validate.Range(min=-180, max=180))
    lat = fields.Float(validate=validate.Range(min=-90, max=90))


class Declaration(Schema):
    """What a declaration or a change of level did."""

    id = fields.Integer(required=True)
    level = fields.String(required=True)
    facilities = fields.Integer(required=True, metadata={"description": "activated by this level"})
    tasks = fields.Integer(required=True, metadata={"description": "check tasks created"})
    tasks_extended = fields.Integer(required=True)
    departments = fields.List(fields.String(), required=True)


class EmergencySchema(Schema):
    """A warning with its figures (tasks by class and state, shelters, notices)."""

    id = fields.Integer(required=True)
    hazard = fields.String(required=True)
    level = fields.String(required=True)
    area = fields.String(allow_none=True)
    area_name = fields.String(required=True)
    active = fields.Boolean(required=True)
    facilities = fields.Integer()
    tasks = fields.Dict()
    by_class = fields.Dict()
    shelters = fields.List(fields.Dict())
    notices = fields.List(fields.Dict())
    plan = fields.Dict()


class FeatureCollection(Schema):
    """GeoJSON: each activated facility a Point with its class, task state and result."""

    type = fields.String(required=True)
    features = fields.List(fields.Dict(), required=True)


class EmergencyList(Schema):
    """Warnings, active first."""

    items = fields.List(fields.Dict(), required=True)


class TaskList(Schema):
    """Check tasks with their facility and nearest shelters and resources."""

    items = fields.List(fields.Dict(), required=True)


class PlanList(Schema):
    """The plan in force for each hazard."""

    items = fields.List(fields.Dict(), required=True)


_AUTH = [{"bearerAuth": []}]


@blp.route("", methods=["POST"])
@blp.doc(security=_AUTH)
@blp.arguments(DeclareRequest)
@blp.response(201, Declaration)
@login_required()
def declare(body: dict[str, Any]) -> tuple[Response, int]:
    """Declare a warning: facilities activated, tasks for the collectors, departments told."""
    done = declaration.declare(db.session, current_user(), body["hazard"], body["level"],
                               body.get("area"))
    db.session.commit()
    return jsonify(_declared(done)), 201


@blp.route("")
@blp.doc(security=_AUTH)
@blp.arguments(ListQuery, location="query")
@blp.response(200, EmergencyList)
@login_required()
def list_all(query: dict[str, Any]) -> Response:
    """Warnings (in force by default), with their tasks by state as I may see them."""
    user = current_user()
    items = [situation.emergency_body(db.session, user, e, full=False)
             for e in situation.list_emergencies(db.session, query["active"])]
    return jsonify(items=_plain(items))


@blp.route("/plans")
@blp.doc(security=_AUTH)
@blp.response(200, PlanList)
@login_required()
def plans() -> Response:
    """The plan in force for each hazard."""
    return jsonify(items=[{"hazard": p.hazard, "version": p.version, "definition": p.definition}
                          for p in latest_plans(db.session)])


@blp.route("/tasks")
@blp.doc(security=_AUTH)
@blp.arguments(NearQuery, location="query")
@blp.response(200, TaskList)
@login_required()
def my_tasks(query: dict[str, Any]) -> Response:
    """My check tasks in the warnings in force (a collector: those of my grids), open first,
    nearest first when ``lon`` and ``lat`` are given."""
    near = (query["lon"], query["lat"]) if "lon" in query and "lat" in query else None
    return jsonify(items=_plain(tasks.my_tasks(db.session, current_user(), near)))


@blp.route("/<int:emergency_id>")
@blp.doc(security=_AUTH)
@blp.response(200, EmergencySchema)
@login_required()
def one(emergency_id: int) -> Response:
    """A warning: its plan level, tasks by class and state, shelters, departments told."""
    emergency = situation.get_emergency(db.session, emergency_id)
    return jsonify(_plain(situation.emergency_body(db.session, current_user(), emergency)))


@blp.route("/<int:emergency_id>/level", methods=["POST"])
@blp.doc(security=_AUTH)
@blp.arguments(LevelRequest)
@blp.response(200, Declaration)
@login_required()
def change_level(body: dict[str, Any], emergency_id: int) -> Response:
    """Raise (tasks added or extended) or lower (nothing new) a warning's level."""
    done = declaration.change_level(db.session, current_user(), emergency_id, body["level"])
    db.session.commit()
    return jsonify(_declared(done))


@blp.route("/<int:emergency_id>/stand-down", methods=["POST"])
@blp.doc(security=_AUTH)
@blp.response(200, EmergencySchema)
@login_required()
def stand_down(emergency_id: int) -> Response:
    """End a warning: its open tasks are closed, the departments told."""
    emergency, _ = declaration.stand_down(db.session, current_user(), emergency_id)
    db.session.commit()
    return jsonify(_plain(situation.emergency_body(db.session, current_user(), emergency)))


@blp.route("/<int:emergency_id>/tasks")
@blp.doc(security=_AUTH)
@blp.arguments(TasksQuery, location="query")
@blp.response(200, TaskList)
@login_required()
def task_page(query: dict[str, Any], emergency_id: int) -> Response:
    """A page of the warning's tasks I may see, by grid."""
    emergency = situation.get_emergency(db.session, emergency_id)
    return jsonify(items=_plain(tasks.emergency_tasks(
        db.session, current_user(), emergency, query.get("state"), query.get("grid"),
        query["limit"], query["offset"])))


@blp.route("/<int:emergency_id>/situation")
@blp.doc(security=_AUTH)
@blp.response(200, FeatureCollection)
@login_required()
def situation_map(emergency_id: int) -> Response:
    """The situation map: activated facilities by class and task state (GeoJSON)."""
    emergency = situation.get_emergency(db.session, emergency_id)
    return jsonify(_plain(situation.situation_features(db.session, current_user(), emergency)))


@blp.route("/<int:emergency_id>/summary")
@blp.doc(security=_AUTH)
@blp.response(200, EmergencySchema)
@login_required()
def summary(emergency_id: int) -> Response:
    """The printable summary: plan, counts, progress by street and grid, who has not reported."""
    emergency = situation.get_emergency(db.session, emergency_id)
    return jsonify(_plain(tasks.summary(db.session, current_user(), emergency)))


def _declared(done: declaration.Declared) -> dict[str, Any]:
    counts = done.counts
    return {"id": done.emergency.id, "level": done.emergency.level,
            "facilities": counts.facilities if counts else 0,
            "tasks": counts.created if counts else 0,
            "tasks_extended": counts.extended if counts else 0,
            "departments": done.departments}


def _plain(value: Any) -> Any:
    """Dates as ISO 8601 and ids as text, all the way down."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
