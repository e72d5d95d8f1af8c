"""Marshmallow schemas shared across blueprints."""
from marshmallow import INCLUDE, Schema, fields, validate


class TokenRequest(Schema):
    """Username and password."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))
    device_id = fields.String(validate=validate.Length(max=128))


class RefreshRequest(Schema):
    """A refresh token."""

    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenResponse(Schema):
    """A new token pair."""

    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)


class AssignmentSummary(Schema):
    """One grid a user is assigned to."""

    code = fields.String()
    name = fields.String()
    kind = fields.String()
    valid_from = fields.DateTime()
    valid_to = fields.DateTime(allow_none=True)


class DepartmentSummary(Schema):
    """A department by code and name."""

    code = fields.String(required=True)
    name = fields.String(required=True)


class MeResponse(Schema):
    """The signed-in user."""

    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    department = fields.Nested(DepartmentSummary, allow_none=True)
    grids = fields.List(fields.Nested(AssignmentSummary))


class FieldErrorSchema(Schema):
    """One error of one field, named by its path."""

    class Meta:
        unknown = INCLUDE

    field = fields.String()
    code = fields.String()
    message = fields.String()
    message_zh = fields.String()


class ProblemSchema(Schema):
    """An RFC 9457 problem document; extension members may follow (RFC 9457 section 3.2)."""

    class Meta:
        unknown = INCLUDE  # documents additionalProperties: true

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))
    code = fields.String(metadata={"description": "a stable code, e.g. token_expired"})
    retry_after = fields.Integer(metadata={"description": "seconds, as in Retry-After"})
    max_items = fields.Integer()
    max_bytes = fields.Integer()
    header = fields.String(metadata={"description": "the header that was too large"})


class PhotoRefSchema(Schema):
    """A photo a record version references, and whether its bytes have arrived."""

    field = fields.String(required=True)
    sha256 = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["pending", "arrived"]),
                          metadata={"description": "pending until the photo is uploaded; "
                                                   "read it at /api/v1/attachments/{sha256}"})


class RecordSchema(Schema):
    """A record of the resource database, as the caller may see it (see disclosure)."""

    id = fields.UUID(required=True)
    kind = fields.String(required=True)
    key = fields.String(required=True)
    grid = fields.String(required=True)
    version = fields.Integer(required=True)
    form = fields.String(required=True)
    form_version = fields.Integer(required=True)
    geometry = fields.Dict(allow_none=True, metadata={"description": "GeoJSON Point (WGS-84)"})
    data = fields.Dict(allow_none=True, metadata={"description": "field values, masked as the "
                                                   "caller's role allows"})
    photos = fields.List(fields.Nested(PhotoRefSchema), required=True)
    updated_at = fields.DateTime(required=True)
    updated_by = fields.String(allow_none=True)
    retired = fields.Boolean(required=True)
    event = fields.Dict(allow_none=True, metadata={
        "description": "change feed, event records only: {state, department, department_name, "
                       "deadline, handled_at, handled_note}"})


class RecordList(Schema):
    """Records found."""

    items = fields.List(fields.Nested(RecordSchema), required=True)


class ItemResultSchema(Schema):
    """The outcome of one uploaded item."""

    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["merged", "conflict", "rejected", "duplicate", "held", "received"]))
    record_id = fields.UUID()
    version = fields.Integer()
    conflict_id = fields.Integer()
    conflict_kind = fields.String()
    record_version = fields.Integer()
    auto_merged_fields = fields.List(fields.String())
    errors = fields.List(fields.Nested(FieldErrorSchema))
    note = fields.String(metadata={"description": "the reviewer's note"})
    reason = fields.Dict(metadata={"description": "why a conflict waits: {distance_m, "
                                   "tolerance_m, covering_grid, nearest_assigned_grid} | "
                                   "{fields, current} | {record_id, key} | {elsewhere}"})
    first = fields.Dict(metadata={"description": "a duplicate's first result"})
