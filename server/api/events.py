"""Events: the board, one event with its timeline, moving it, department performance."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, fields, validate

from server.api.blueprint import Blueprint
from server.auth.current import current_user, login_required
from server.domain.event_standard import time_limit, usual_department
from server.domain.event_workflow import ACTIONS, RESULTS, STATES
from server.extensions import db
from server.services.events import board, performance, workflow
from server.services.events.standard import current_standard, standard_in_force

blp = Blueprint("events", __name__, url_prefix="/api/v1/events",
                description="Events and their workflow (立案 → 派遣 → 处置 → 核查 → 结案)")


class EventQuery(Schema):
    """The board's filters; ``state``: one state, ``open`` (default) or ``all``."""

    state = fields.String(load_default=board.OPEN,
                          validate=validate.OneOf([board.OPEN, board.ALL, *STATES]))
    grid = fields.String(validate=validate.Length(max=32))
    department = fields.String(validate=validate.Length(max=32))
    category = fields.String(validate=validate.Length(max=64))
    overdue = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))


class TransitionRequest(Schema):
    """An action; dispatch names the department, a verification may say what it found."""

    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    department = fields.String(validate=validate.Length(min=1, max=32))
    note = fields.String(validate=validate.Length(max=2000))
    result = fields.String(validate=validate.OneOf(RESULTS),
                           metadata={"description": "verify only; fixed by default"})


class PerformanceQuery(Schema):
    """Months ``YYYY-MM`` (the last twelve by default), and a department."""

    from_ = fields.String(data_key="from", validate=validate.Length(equal=7))
    to = fields.String(validate=validate.Length(equal=7))
    department = fields.String(validate=validate.Length(max=32))


class EventSchema(Schema):
    """An event: its workflow state and its record's data (as the caller may see it)."""

    id = fields.UUID(required=True, metadata={"description": "the event record's id"})
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    category = fields.String(allow_none=True)
    grid = fields.String(required=True)
    department = fields.String(allow_none=True)
    department_name = fields.String(allow_none=True)
    reported_at = fields.DateTime(required=True)
    reported_by = fields.String(allow_none=True)
    dispatched_at = fields.DateTime(allow_none=True)
    deadline = fields.DateTime(allow_none=True)
    handled_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(required=True)
    overdue_since = fields.DateTime(allow_none=True, metadata={"description": "when flagged"})
    updated_at = fields.DateTime(required=True)
    form = fields.String(required=True)
    form_version = fields.Integer(required=True)
    version = fields.Integer(required=True)
    geometry = fields.Dict(allow_none=True)
    data = fields.Dict(allow_none=True)


class TimelineEntry(Schema):
    """One row of an event's history."""

    action = fields.String(required=True)
    from_ = fields.String(data_key="from", allow_none=True)
    to = fields.String(required=True)
    at = fields.DateTime(required=True)
    by = fields.String(allow_none=True, metadata={"description": "null: the system"})
    by_name = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    department_name = fields.String(allow_none=True)
    deadline = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    submission_id = fields.UUID(allow_none=True)


class EventDetail(EventSchema):
    """An event with its timeline, what the caller may do now, and the standard's advice."""

    timeline = fields.List(fields.Nested(TimelineEntry), required=True)
    allowed = fields.List(fields.String(), required=True)
    usual_department = fields.String(allow_none=True)
    time_limit_hours = fields.Float(allow_none=True)


class EventPage(Schema):
    """A page of the board, and the open events per state (and overdue) under the filters."""

    items = fields.List(fields.Nested(EventSchema), required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    next_offset = fields.Integer(allow_none=True)


class MonthFigures(Schema):
    """One department's month."""

    month = fields.String(required=True)
    department = fields.String(allow_none=True)
    department_name = fields.String(allow_none=True)
    handled = fields.Integer(required=True)
    on_time = fields.Integer(required=True)
    returned = fields.Integer(required=True)
    on_time_rate = fields.Float(allow_none=True)
    median_handling_hours = fields.Float(allow_none=True)


class PerformancePage(Schema):
    """Department performance, month by month."""

    items = fields.List(fields.Nested(MonthFigures), required=True)


class StandardSchema(Schema):
    """The event handling standard in force."""

    version = fields.Integer(required=True)
    definition = fields.Dict(required=True)


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(EventQuery, location="query")
@blp.response(200, EventPage)
@login_required()
def list_events(query: dict[str, Any]) -> Response:
    """The board: events I may see by state, overdue first; open events counted per state."""
    user, now = current_user(), datetime.now(timezone.utc)
    wanted = board.EventFilter(**query)
    rows, counts = board.list_events(db.session, user, wanted, now)
    return jsonify(items=[board.event_body(db.session, user, r, now) for r in rows],
                   counts=counts, next_offset=(wanted.offset + len(rows)
                                               if len(rows) == wanted.limit else None))


@blp.route("/<uuid:event_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, EventDetail)
@login_required()
def one(event_id: uuid.UUID) -> Response:
    """One event with its timeline and the actions I may take."""
    return jsonify(_detail(event_id))


@blp.route("/<uuid:event_id>/transitions", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(TransitionRequest)
@blp.response(200, EventDetail)
@login_required()
def transition(body: dict[str, Any], event_id: uuid.UUID) -> Response:
    """Move the event (409 naming the allowed actions when this one is not allowed)."""
    workflow.take_action(db.session, current_user(), event_id, body["action"],
                         department=body.get("department"), note=body.get("note"),
                         result=body.get("result"))
    db.session.commit()
    return jsonify(_detail(event_id))


@blp.route("/performance")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(PerformanceQuery, location="query")
@blp.response(200, PerformancePage)
@login_required()
def department_performance(query: dict[str, Any]) -> Response:
    """Per department and month: handled, on time, on-time rate, median hours, returned."""
    items = performance.department_performance(
        db.session, current_user(), query.get("from_"), query.get("to"), query.get("department"))
    return jsonify(items=items)


@blp.route("/standard")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, StandardSchema)
@login_required()
def standard() -> Response:
    """The handling standard in force: time limits and usual departments per category."""
    found = current_standard(db.session)
    return jsonify(version=found.version, definition=found.definition)


def _detail(event_id: uuid.UUID) -> dict[str, Any]:
    user, now = current_user(), datetime.now(timezone.utc)
    event = workflow.visible_event(db.session, user, event_id)
    body = board.event_body(db.session, user, board.event_row(db.session, event_id), now)
    found = standard_in_force(db.session)
    advice = {"usual_department": None, "time_limit_hours": None}
    if found is not None:
        advice = {"usual_department": usual_department(found.definition, event.category),
                  "time_limit_hours": time_limit(found.definition,
                                                 event.category).total_seconds() / 3600}
    return {**body, "timeline": board.timeline(db.session, event_id),
            "allowed": workflow.actions_for(db.session, user, event), **advice}
