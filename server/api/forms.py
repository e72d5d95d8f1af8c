"""Form definitions for the phones."""
from __future__ import annotations

import hashlib
import json

from flask import Response
from server.api.blueprint import Blueprint
from marshmallow import Schema, fields

from server.api.http_cache import cached_json
from server.auth.current import login_required
from server.extensions import db
from server.services import forms as service

blp = Blueprint("forms", __name__, url_prefix="/api/v1/forms", description="Form definitions")
ONE_YEAR = 365 * 24 * 3600


class FormSummary(Schema):
    """The latest published version of a form."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.Dict(required=True, metadata={"description": '{"zh": …, "en": …}'})
    sha256 = fields.String(required=True)


class FormDefinition(Schema):
    """A form definition (format: forms/README.md); unknown members are the definition's own."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    kind = fields.String(required=True)
    key = fields.String(required=True)
    title = fields.Dict(required=True)
    fields_ = fields.List(fields.Dict(), required=True, data_key="fields")


def _dump(body: object) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, FormSummary(many=True))
@login_required()
def list_forms() -> Response:
    """The latest published version of each form; ETag and 304."""
    body = _dump([{"id": f.form_id, "version": f.version, "kind": f.kind, "title": f.title,
                   "sha256": f.sha256} for f in service.latest_forms(db.session)])
    return cached_json(hashlib.sha256(body).hexdigest()[:32], lambda: body)


@blp.route("/<form_id>/versions/<int4:version>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, FormDefinition)
@login_required()
def one_version(form_id: str, version: int) -> Response:
    """One version's definition: immutable, so its ETag is its sha256 and it is cached long."""
    form = service.find_form_version(db.session, form_id, version)
    response = cached_json(form.sha256, lambda: _dump(form.definition), max_age=ONE_YEAR,
                           immutable=True)
    response.headers["X-Form-Status"] = form.status.value
    return response
