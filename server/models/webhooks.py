"""Webhook subscriptions of departments, and the deliveries made for each of them."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (BigInteger, Enum, ForeignKey, ForeignKeyConstraint, Identity, Index,
                        LargeBinary, String, Text, func, text)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class SubscriptionState(str, enum.Enum):
    """Whether a subscription receives deliveries."""

    active = "active"
    disabled = "disabled"   # by a person, or after a delivery failed for the whole retry window


class DeliveryState(str, enum.Enum):
    """Where one delivery stands."""

    pending = "pending"      # to be sent (again) at next_attempt_at
    delivered = "delivered"  # the receiver answered 2xx
    failed = "failed"        # parked: every attempt of the retry window failed
    withheld = "withheld"    # the department's grant no longer covers the record


class WebhookSubscription(Base):
    """A department's URL that receives the changes of the records it may read."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    department_code: Mapped[str] = mapped_column(
        ForeignKey("departments.code", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    # Record kinds and grid codes (street, community or grid) asked for; None: all the grant has.
    kinds: Mapped[list[str] | None] = mapped_column(ARRAY(String(32)))
    grids: Mapped[list[str] | None] = mapped_column(ARRAY(String(32)))
    # The signing secret sealed with AES-256-GCM under the key named (see webhooks/secrets.py).
    secret_kid: Mapped[str] = mapped_column(String(64))
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[SubscriptionState] = mapped_column(
        Enum(SubscriptionState, name="webhook_state"), default=SubscriptionState.active)
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # A receiver that fails is probed with one event at a time, when its retry comes due, until
    # it takes one again: a dead receiver costs one attempt per retry, not one per event.
    failing_since: Mapped[datetime | None]
    retry_at: Mapped[datetime | None]
    # Where in the history (change_xid, record_id, version) the subscription's events are made.
    cursor_xid: Mapped[int] = mapped_column(BigInteger)
    cursor_record_id: Mapped[uuid.UUID]
    cursor_version: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WebhookDelivery(Base):
    """One version of one record, to be delivered to one subscription (its event id is stable:
    ``rv_<record_id>_<version>``)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        ForeignKeyConstraint(["record_id", "version"],
                             ["record_versions.record_id", "record_versions.version"],
                             name="fk_webhook_deliveries_record_version", ondelete="CASCADE"),
        # One delivery per version and subscription; also finds a record's earlier versions.
        Index("uq_webhook_deliveries_event", "subscription_id", "record_id", "version",
              unique=True),
        # Each subscription's pending deliveries, oldest first.
        Index("ix_webhook_deliveries_pending", "subscription_id", "id",
              postgresql_where=text("state = 'pending'")),
        # Open deliveries: a record's earlier versions still waiting (per due delivery, so it
        # must not scan a subscription's whole backlog), and the counts shown per subscription.
        Index("ix_webhook_deliveries_open", "subscription_id", "record_id", "version", "state",
              postgresql_where=text("state IN ('pending', 'failed')")),
        Index("ix_webhook_deliveries_log", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    record_id: Mapped[uuid.UUID]
    version: Mapped[int]
    state: Mapped[DeliveryState] = mapped_column(
        Enum(DeliveryState, name="webhook_delivery_state"), default=DeliveryState.pending)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    retry_until: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
