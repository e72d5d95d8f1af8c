"""Departments, their grants, and the access log of personal data."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from server.api.blueprint import Blueprint
from server.auth.current import current_user, login_required
from server.domain.masking import LEVELS
from server.extensions import db
from server.models import Department, Role
from server.services import access_log, departments as service

blp = Blueprint("departments", __name__, url_prefix="/api/v1",
                description="Departments, what they are granted, who read what")
CODE = validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$", error="a code: a-z, 0-9, _ (at most 32)")


class GridsField(fields.Field):
    """``"all"`` or a list of street, community or grid codes."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if value == "all":
            return value
        if (isinstance(value, list) and len(value) <= 1000
                and all(isinstance(c, str) and 0 < len(c) <= 32 for c in value)):
            return value
        raise ValidationError('must be "all" or a list of street, community or grid codes')

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return value


class GrantSchema(Schema):
    """Which record kinds and grids a department reads, and each form field's level."""

    kinds = fields.List(fields.String(validate=validate.Length(min=1, max=32)), required=True,
                        validate=validate.Length(max=100))
    grids = GridsField(required=True, metadata={"oneOf": [
        {"type": "string", "enum": ["all"]}, {"type": "array", "items": {"type": "string"}}]})
    levels = fields.Dict(
        data_key="fields", attribute="fields",
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                           values=fields.String(metadata={"enum": list(LEVELS)})),
        load_default=dict, metadata={"description": "{form_id: {field: hidden|masked|visible}}"})
    updated_at = fields.DateTime(dump_only=True)


class DepartmentSchema(Schema):
    """A department, with its grant when it has one."""

    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    grant = fields.Method("_grant", dump_only=True, allow_none=True,
                          metadata={"type": "object", "nullable": True})

    def _grant(self, department: Department) -> Any:
        grant = service.grant_of(db.session, department.code)
        return GrantSchema().dump(grant) if grant else None


class AccessQuery(Schema):
    """Which entries: who read this record, what this user read, since when."""

    record_id = fields.UUID()
    user = fields.String(validate=validate.Length(max=64))
    action = fields.String(validate=validate.Length(max=64))
    since = fields.AwareDateTime()
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class AccessEntrySchema(Schema):
    """One logged read."""

    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    user = fields.String(allow_none=True)
    action = fields.String(required=True)
    purpose = fields.String(allow_none=True)
    record_count = fields.Integer(required=True)
    record_ids = fields.List(fields.UUID(), required=True,
                             metadata={"description": "the first 50 records revealed"})
    details = fields.Dict(required=True)


@blp.route("/departments")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, DepartmentSchema(many=True))
@login_required()
def list_departments() -> list[Department]:
    """Every department (administrators) or my own."""
    return service.list_departments(db.session, current_user())


@blp.route("/departments", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(DepartmentSchema)
@blp.response(201, DepartmentSchema)
@login_required(Role.admin)
def create_department(body: dict[str, Any]) -> Department:
    """Add a department."""
    department = service.create_department(db.session, current_user().id, body["code"],
                                           body["name"])
    db.session.commit()
    return department


@blp.route("/departments/<code>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, DepartmentSchema)
@login_required()
def one_department(code: str) -> Department:
    """One department with its grant."""
    return service.get_department(db.session, current_user(), code)


@blp.route("/departments/<code>/grants", methods=["PUT"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(GrantSchema)
@blp.response(200, GrantSchema)
@login_required(Role.admin)
def put_grant(body: dict[str, Any], code: str) -> Any:
    """Replace what the department may read (audited)."""
    grant = service.put_grant(db.session, current_user().id, code, body["kinds"], body["grids"],
                              body["fields"])
    db.session.commit()
    return grant


@blp.route("/access-log")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(AccessQuery, location="query")
@blp.response(200, AccessEntrySchema(many=True))
@login_required(Role.admin)
def read_access_log(query: dict[str, Any]) -> list[dict[str, Any]]:
    """Who read which records in clear, when and why — newest first."""
    wanted = access_log.AccessFilter(query.get("record_id"), query.get("user"),
                                     query.get("action"), query.get("since"), query["limit"])
    rows = access_log.access_entries(db.session, wanted)
    records = access_log.records_of(db.session, [entry.id for entry, _ in rows])
    return [{"id": e.id, "at": e.at, "user": username, "action": e.action, "purpose": e.purpose,
             "record_count": e.record_count, "record_ids": records.get(e.id, []),
             "details": e.details} for e, username in rows]
