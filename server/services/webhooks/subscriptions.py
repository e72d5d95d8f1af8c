"""Webhook subscriptions: who may make them, what they may ask for, and what they reach.

Who: administrators, for any department; department staff (viewers with a department), for
their own department only — the department is the subscriber, and sees its own subscriptions
whoever made them. Nobody else. What: the URL passes the address policy (domain/webhook_urls);
``kinds`` and ``grids`` (codes of grids, communities or streets; left out: all the grant has)
must lie within the department's grant. What a subscription reaches is decided again at every
step from the grant as it is then (``reach``), so a narrowed grant narrows every subscription.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from server.domain.webhook_events import new_secret
from server.domain.webhook_urls import normalized_url
from server.errors import Forbidden, Invalid, NotFound
from server.models import (Department, DeliveryState, FormVersion, Role, SubscriptionState, User,
                           WebhookDelivery, WebhookSubscription)
from server.services.audit import record_audit
from server.services.change_feed import HORIZON
from server.services.scope import department_grid_ids, department_kinds, grids_named
from server.services.webhooks.settings import WebhookSettings

MAX_ID = 2 ** 63 - 1


@dataclass(frozen=True)
class Reach:
    """The kinds and grids a subscription receives now (None: every one)."""

    kinds: list[str] | None
    grid_ids: list[int] | None

    def covers(self, kind: str, grid_id: int) -> bool:
        """Whether a record of this kind in this grid is delivered."""
        return ((self.kinds is None or kind in self.kinds)
                and (self.grid_ids is None or grid_id in self.grid_ids))


def reach(session: Session, subscription: WebhookSubscription) -> Reach:
    """What the subscription asked for, within what its department is granted now."""
    granted_kinds = department_kinds(session, subscription.department_code)
    granted_grids = department_grid_ids(session, subscription.department_code)
    kinds = _within(subscription.kinds, granted_kinds)
    grids = None if subscription.grids is None else sorted(
        set().union(*grids_named(session, subscription.grids).values()))
    return Reach(kinds, _within(grids, granted_grids))


def _within(asked: list[Any] | None, granted: list[Any] | None) -> list[Any] | None:
    if asked is None or granted is None:
        return asked if granted is None else granted
    return sorted(set(asked) & set(granted))


def create_subscription(session: Session, user: User, settings: WebhookSettings,
                        department: str | None, url: str, kinds: list[str] | None,
                        grids: list[str] | None) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (shown this once): it receives the changes
    committed from now on."""
    code = _subscriber(session, user, department)
    errors = [{"field": "url", "message": m} for m in settings.policy.url_errors(url)]
    errors += _kind_errors(session, code, kinds) + _grid_errors(session, code, grids)
    if errors:
        raise Invalid("The subscription asks for what it may not have.", errors=errors)
    secret = new_secret()
    kid, sealed = settings.key_ring().seal(secret)
    subscription = WebhookSubscription(
        department_code=code, url=normalized_url(url), state=SubscriptionState.active,
        kinds=sorted(set(kinds)) if kinds is not None else None,
        grids=sorted(set(grids)) if grids is not None else None,
        secret_kid=kid, secret_sealed=sealed, created_by_id=user.id,
        # The oldest transaction still running: every change committed after this one is
        # ahead of the cursor (see change_feed), so none is missed.
        cursor_xid=session.execute(text(f"SELECT {HORIZON}")).scalar_one(),
        cursor_record_id=uuid.UUID(int=0), cursor_version=0)
    session.add(subscription)
    session.flush()
    _audit(session, "webhook_created", user, subscription,
           {"url": subscription.url, "kinds": subscription.kinds, "grids": subscription.grids})
    return subscription, secret


def subscriptions_of(session: Session, user: User,
                     department: str | None = None) -> list[WebhookSubscription]:
    """The subscriptions the user may manage (an administrator: of ``department``, or all)."""
    query = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if user.role == Role.admin:
        if department:
            query = query.where(WebhookSubscription.department_code == department)
    else:
        query = query.where(WebhookSubscription.department_code == _own_department(user))
    return list(session.scalars(query))


def subscription(session: Session, user: User, subscription_id: int) -> WebhookSubscription:
    """One subscription the user may manage."""
    own = None if user.role == Role.admin else _own_department(user)
    found = (session.get(WebhookSubscription, subscription_id)
             if 0 < subscription_id <= MAX_ID else None)
    if found is None or (own is not None and found.department_code != own):
        raise NotFound(f"No webhook {subscription_id} of yours.")
    return found


def delete_subscription(session: Session, user: User, subscription_id: int) -> None:
    """Remove a subscription and its delivery log."""
    found = subscription(session, user, subscription_id)
    _audit(session, "webhook_deleted", user, found, {"url": found.url})
    session.execute(delete(WebhookSubscription).where(WebhookSubscription.id == found.id))


def disable_subscription(session: Session, user: User, subscription_id: int) -> WebhookSubscription:
    """Stop deliveries; changes keep being kept for it (the history), and are delivered when
    it is enabled again."""
    found = subscription(session, user, subscription_id)
    if found.state != SubscriptionState.disabled:
        found.state, found.disabled_reason = SubscriptionState.disabled, (
            f"disabled by {user.username}")
        found.disabled_at = datetime.now(timezone.utc)
        _audit(session, "webhook_disabled", user, found, {})
    session.flush()
    return found


def enable_subscription(session: Session, user: User, settings: WebhookSettings,
                        subscription_id: int) -> WebhookSubscription:
    """Deliver again: parked deliveries are retried first (in order), each with a new retry
    window, then everything that changed while the subscription was disabled."""
    found = subscription(session, user, subscription_id)
    found.state, found.disabled_at, found.disabled_reason = SubscriptionState.active, None, None
    found.failing_since = found.retry_at = None  # the receiver is mended, supposedly: try it
    session.execute(update(WebhookDelivery).where(
        WebhookDelivery.subscription_id == found.id,
        WebhookDelivery.state.in_([DeliveryState.pending, DeliveryState.failed])).values(
        state=DeliveryState.pending, next_attempt_at=text("now()"),
        retry_until=text("now() + make_interval(secs => :window)")),
        {"window": settings.retry_window.total_seconds()})
    _audit(session, "webhook_enabled", user, found, {})
    session.flush()
    return found


def open_deliveries(session: Session, ids: list[int]) -> dict[int, dict[str, int]]:
    """Per subscription: how many deliveries are pending and how many are parked."""
    counts: dict[int, dict[str, int]] = {i: {"pending": 0, "failed": 0} for i in ids}
    for subscription_id, state, count in session.execute(text("""
            SELECT subscription_id, state, count(*) FROM webhook_deliveries
             WHERE subscription_id = ANY(CAST(:ids AS bigint[]))
               AND state IN ('pending', 'failed')
             GROUP BY subscription_id, state"""), {"ids": ids}):
        counts[subscription_id][state] = count
    return counts


def _subscriber(session: Session, user: User, department: str | None) -> str:
    """The department a new subscription is for, if the user may make it."""
    if user.role == Role.admin:
        if not department:
            raise Invalid("Name the department that receives the deliveries.", errors=[
                {"field": "department", "message": "required when an administrator subscribes"}])
        if session.get(Department, department) is None:
            raise Invalid("No such department.", errors=[
                {"field": "department", "message": f"no department {department!r}"}])
        return department
    own = _own_department(user)
    if department and department != own:
        raise Forbidden("Department staff subscribe for their own department only.")
    return own


def _own_department(user: User) -> str:
    if user.role != Role.viewer or not user.department_code:
        raise Forbidden("Only administrators and department staff manage webhooks.")
    return user.department_code


def _kind_errors(session: Session, code: str, kinds: list[str] | None) -> list[dict[str, str]]:
    if kinds is None:
        return []
    if not kinds:
        return [{"field": "kinds", "message": "name a kind, or leave kinds out for every kind "
                 "the department reads"}]
    known = set(session.scalars(select(FormVersion.kind).distinct()))
    granted = department_kinds(session, code)
    return [{"field": f"kinds[{i}]", "message": (
                f"no form writes records of kind {kind!r}" if kind not in known
                else f"department {code!r} is not granted records of kind {kind!r}")}
            for i, kind in enumerate(kinds)
            if kind not in known or (granted is not None and kind not in granted)]


def _grid_errors(session: Session, code: str, grids: list[str] | None) -> list[dict[str, str]]:
    if grids is None:
        return []
    if not grids:
        return [{"field": "grids", "message": "name a grid, community or street, or leave "
                 "grids out for every grid the department reads"}]
    named = grids_named(session, grids)
    granted = department_grid_ids(session, code)
    errors = []
    for i, grid in enumerate(grids):
        if grid not in named:
            errors.append({"field": f"grids[{i}]",
                           "message": f"{grid!r} is no grid, community or street code"})
        elif granted is not None and not named[grid] <= set(granted):
            errors.append({"field": f"grids[{i}]", "message":
                           f"{grid!r} reaches beyond the grids department {code!r} is granted"})
    return errors


def _audit(session: Session, action: str, user: User | None,
           subscription: WebhookSubscription, details: dict[str, Any]) -> None:
    record_audit(session, action, actor_id=user.id if user else None,
                 subject=f"webhook:{subscription.id}",
                 details={"department": subscription.department_code, **details})
