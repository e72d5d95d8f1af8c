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


class MeResponse(Schema):
    """The signed-in user."""

    username = fields.String()
    display_name = fields.String()
    role = fields.String()
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
