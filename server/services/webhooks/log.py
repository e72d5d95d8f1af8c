"""A subscription's delivery log: newest first, paged by id."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.webhook_events import event_id, event_type
from server.models import DeliveryState, User, WebhookDelivery
from server.services.webhooks.subscriptions import subscription


def delivery_log(session: Session, user: User, subscription_id: int, state: str | None,
                 before: int | None, limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """The subscription's deliveries (of a ``state``) before id ``before``; the next ``before``
    when there may be more."""
    found = subscription(session, user, subscription_id)
    query = (select(WebhookDelivery).where(WebhookDelivery.subscription_id == found.id)
             .order_by(WebhookDelivery.id.desc()).limit(limit))
    if state:
        query = query.where(WebhookDelivery.state == DeliveryState(state))
    if before:
        query = query.where(WebhookDelivery.id < before)
    rows = list(session.scalars(query))
    items = [{"id": d.id, "event_id": event_id(d.record_id, d.version),
              "type": event_type(d.version), "record_id": d.record_id, "version": d.version,
              "state": d.state.value, "attempts": d.attempts, "created_at": d.created_at,
              "last_attempt_at": d.last_attempt_at, "next_attempt_at": d.next_attempt_at,
              "retry_until": d.retry_until, "delivered_at": d.delivered_at,
              "last_status": d.last_status, "last_error": d.last_error} for d in rows]
    return items, (rows[-1].id if len(rows) == limit else None)
