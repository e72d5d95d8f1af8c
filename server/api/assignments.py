"""Assignments of collectors, roving staff and supervisors to grids."""
from __future__ import annotations

from typing import Any

from server.api.blueprint import Blueprint
from marshmallow import Schema, fields

from server.auth.current import current_user, login_required
from server.extensions import db
from server.models import Assignment, AssignmentKind
from server.services import assignments as service

blp = Blueprint("assignments", __name__, url_prefix="/api/v1/assignments",
                description="Who works in or supervises which grid")


class AssignmentSchema(Schema):
    """An assignment and its validity window."""

    id = fields.Integer()
    username = fields.Function(lambda a: a.user.username)
    display_name = fields.Function(lambda a: a.user.display_name)
    grid = fields.Function(lambda a: a.grid.code)
    grid_name = fields.Function(lambda a: a.grid.name)
    kind = fields.Function(lambda a: a.kind.value)
    valid_from = fields.DateTime()
    valid_to = fields.DateTime(allow_none=True)


class AssignmentQuery(Schema):
    """Filters of the list."""

    grid = fields.String()
    user = fields.String()
    active = fields.Boolean()


class NewAssignment(Schema):
    """Assign a user to a grid."""

    username = fields.String(required=True)
    grid = fields.String(required=True)
    kind = fields.Enum(AssignmentKind, required=True)
    valid_from = fields.AwareDateTime()


class EndAssignment(Schema):
    """When an assignment ends (now by default)."""

    valid_to = fields.AwareDateTime()


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(AssignmentQuery, location="query")
@blp.response(200, AssignmentSchema(many=True))
@login_required()
def list_assignments(query: dict[str, Any]) -> list[Assignment]:
    """Assignments I may see, newest first."""
    wanted = service.AssignmentFilter(query.get("grid"), query.get("user"), query.get("active"))
    return service.list_assignments(db.session, current_user(), wanted)


@blp.route("", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(NewAssignment)
@blp.response(201, AssignmentSchema)
@login_required()
def create(body: dict[str, Any]) -> Assignment:
    """Assign; a new primary ends the grid's old one, a new roving post ends the user's old one."""
    assignment = service.assign(db.session, current_user(), body["username"], body["grid"],
                                body["kind"], body.get("valid_from"))
    db.session.commit()
    return assignment


@blp.route("/<int:assignment_id>/end", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(EndAssignment, required=False)  # no body: the assignment ends now
@blp.response(200, AssignmentSchema)
@login_required()
def end(body: dict[str, Any], assignment_id: int) -> Assignment:
    """End an assignment."""
    assignment = service.end_assignment(db.session, current_user(), assignment_id,
                                        body.get("valid_to"))
    db.session.commit()
    return assignment
