"""Webhooks: a department's subscriptions to record changes, and their delivery logs."""
from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, fields, validate

from server.api.blueprint import Blueprint
from server.auth.current import current_user, login_required
from server.extensions import db
from server.models import DeliveryState, WebhookSubscription
from server.services.webhooks import subscriptions as service
from server.services.webhooks.log import delivery_log
from server.services.webhooks.settings import WebhookSettings

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="Deliveries of record changes to departments' URLs")
PRINTABLE = validate.Regexp(r"^[^\x00-\x1f\x7f]+$", error="no control characters")
CODE = [validate.Length(min=1, max=32), PRINTABLE]


def _settings() -> WebhookSettings:
    return WebhookSettings.from_config(current_app.config)


class WebhookRequest(Schema):
    """What to deliver where."""

    url = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                        metadata={"description": "http(s) URL that receives POSTed events"})
    kinds = fields.List(fields.String(validate=CODE), validate=validate.Length(max=50),
                        metadata={"description": "record kinds; left out: every granted kind"})
    grids = fields.List(fields.String(validate=CODE), validate=validate.Length(max=1000),
                        metadata={"description": "grid, community or street codes; left out: "
                                                 "every granted grid"})
    department = fields.String(validate=CODE, metadata={
        "description": "the receiving department (administrators; staff: their own)"})


class WebhookSchema(Schema):
    """A subscription, with its deliveries still pending and parked."""

    id = fields.Integer(required=True)
    department = fields.String(required=True)
    url = fields.String(required=True)
    kinds = fields.List(fields.String(), allow_none=True, required=True,
                        metadata={"description": "null: every kind the department is granted"})
    grids = fields.List(fields.String(), allow_none=True, required=True,
                        metadata={"description": "null: every grid the department is granted"})
    state = fields.String(required=True, metadata={"enum": ["active", "disabled"]})
    disabled_at = fields.DateTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True, metadata={
        "description": "who disabled it, or which delivery was parked and why"})
    failing_since = fields.DateTime(allow_none=True, metadata={
        "description": "since when the receiver fails (null: it takes deliveries)"})
    retry_at = fields.DateTime(allow_none=True, metadata={
        "description": "when a failing receiver is tried again"})
    created_at = fields.DateTime(required=True)
    pending = fields.Integer(required=True, metadata={"description": "deliveries to be sent"})
    parked = fields.Integer(required=True, metadata={
        "description": "deliveries that failed for the whole retry window"})


class CreatedWebhookSchema(WebhookSchema):
    """A new subscription and its signing secret, shown this once."""

    secret = fields.String(required=True, metadata={
        "description": "whsec_<base64>: verify each delivery's webhook-signature with it"})


class DeliveryQuery(Schema):
    """Which deliveries."""

    state = fields.String(validate=validate.OneOf([s.value for s in DeliveryState]))
    before = fields.Integer(validate=validate.Range(min=1, max=service.MAX_ID),
                            metadata={"description": "the `next` of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class DeliverySchema(Schema):
    """One event for one subscription: its stable id, where its delivery stands."""

    id = fields.Integer(required=True)
    event_id = fields.String(required=True, metadata={"description": "the webhook-id header"})
    type = fields.String(required=True)
    record_id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"enum": [s.value for s in DeliveryState]})
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    retry_until = fields.DateTime(required=True)
    delivered_at = fields.DateTime(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)


class DeliveryLog(Schema):
    """A page of deliveries, newest first."""

    items = fields.List(fields.Nested(DeliverySchema), required=True)
    next = fields.Integer(allow_none=True, required=True,
                          metadata={"description": "pass as `before` for the next page"})


def _shown(found: list[WebhookSubscription]) -> list[dict[str, Any]]:
    """Subscriptions with their pending and parked deliveries (one query for the list)."""
    counts = service.open_deliveries(db.session, [s.id for s in found])
    return [{"id": s.id, "department": s.department_code, "url": s.url, "kinds": s.kinds,
             "grids": s.grids, "state": s.state.value, "disabled_at": s.disabled_at,
             "disabled_reason": s.disabled_reason, "failing_since": s.failing_since,
             "retry_at": s.retry_at, "created_at": s.created_at,
             "pending": counts[s.id]["pending"], "parked": counts[s.id]["failed"]}
            for s in found]


@blp.route("", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(WebhookRequest)
@blp.response(201, CreatedWebhookSchema)
@login_required()
def create(body: dict[str, Any]) -> Any:
    """Subscribe a URL to record changes (administrators: for any department; department
    staff: for their own)."""
    subscription, secret = service.create_subscription(
        db.session, current_user(), _settings(), body.get("department"), body["url"],
        body.get("kinds"), body.get("grids"))
    db.session.commit()
    return {**_shown([subscription])[0], "secret": secret}


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(Schema.from_dict({"department": fields.String(validate=CODE)})(),
               location="query")
@blp.response(200, WebhookSchema(many=True))
@login_required()
def list_webhooks(query: dict[str, Any]) -> list[dict[str, Any]]:
    """My department's subscriptions (administrators: every one, or a department's)."""
    return _shown(service.subscriptions_of(db.session, current_user(), query.get("department")))


@blp.route("/<int:webhook_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, WebhookSchema)
@login_required()
def one(webhook_id: int) -> dict[str, Any]:
    """One subscription."""
    return _shown([service.subscription(db.session, current_user(), webhook_id)])[0]


@blp.route("/<int:webhook_id>", methods=["DELETE"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(204)
@login_required()
def remove(webhook_id: int) -> None:
    """Unsubscribe: the subscription and its delivery log are removed."""
    service.delete_subscription(db.session, current_user(), webhook_id)
    db.session.commit()


@blp.route("/<int:webhook_id>/disable", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, WebhookSchema)
@login_required()
def disable(webhook_id: int) -> dict[str, Any]:
    """Pause deliveries; changes made meanwhile are delivered when it is enabled again."""
    subscription = service.disable_subscription(db.session, current_user(), webhook_id)
    db.session.commit()
    return _shown([subscription])[0]


@blp.route("/<int:webhook_id>/enable", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, WebhookSchema)
@login_required()
def enable(webhook_id: int) -> dict[str, Any]:
    """Deliver again: parked deliveries first, with a new retry window, then what followed."""
    subscription = service.enable_subscription(db.session, current_user(), _settings(),
                                               webhook_id)
    db.session.commit()
    return _shown([subscription])[0]


@blp.route("/<int:webhook_id>/deliveries")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(DeliveryQuery, location="query")
@blp.response(200, DeliveryLog)
@login_required()
def deliveries(query: dict[str, Any], webhook_id: int) -> dict[str, Any]:
    """The subscription's delivery log, newest first: each event, its attempts, the last
    answer, when it is tried next."""
    items, after = delivery_log(db.session, current_user(), webhook_id, query.get("state"),
                                query.get("before"), query["limit"])
    return {"items": items, "next": after}
