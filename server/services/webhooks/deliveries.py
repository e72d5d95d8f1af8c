"""The delivery pass: due deliveries are disclosed, logged, signed, sent and recorded.

Due deliveries are taken oldest first, never one whose record has an earlier version still
waiting (retrying or parked) for the same subscription: per record and subscription, versions
arrive in order. Each body is built now, as the department may see the record under its grant
as it is now (services/disclosure.py, via record_view.delivered_record); a record the grant no
longer covers is withheld. Records shown with a sensitive field in clear are written to the
access log (action ``webhook_delivery``) and committed BEFORE anything is sent. A failed attempt
is retried with exponential backoff until the delivery's retry window (a day) is over; then the
delivery is parked and its subscription disabled, with the reason shown, until someone enables
it again. A receiver that failed is left alone until that retry comes due, then probed with
one event; only once it takes one do the others follow (a dead receiver with a long backlog
costs one attempt per retry, and discloses only the one record it probes with).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from itertools import groupby
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.domain.webhook_events import event_id, event_type, next_attempt
from server.models import SubscriptionState, WebhookSubscription
from server.services.access_log import log_reads
from server.services.audit import record_audit
from server.services.disclosure import department_reader
from server.services.record_view import delivered_record
from server.services.webhooks.sender import Outgoing, Run, send_runs
from server.services.webhooks.settings import WebhookSettings
from server.services.webhooks.subscriptions import reach
from server.services.webhooks.transport import Endpoint

PER_SUBSCRIPTION = 100
PASS_SECONDS = 30.0

# Per active subscription whose receiver is not waiting out a retry: its oldest due deliveries
# (one only, a probe, while its receiver is failing), none whose record has an earlier version
# still retrying or parked. That check is a sub-select on purpose: as a plain NOT EXISTS the
# planner may turn it into an anti join that scans the subscription's whole backlog for each
# due delivery (when statistics are fresh-table guesses); as a sub-select it looks up one
# record's earlier versions in ix_webhook_deliveries_open.
_DUE = text("""
SELECT d.id, d.subscription_id, d.record_id, d.version, d.attempts, d.retry_until, r.kind,
       v.grid_id, g.code AS grid, v.data, v.form_id, v.form_version, v.made_at,
       ST_AsGeoJSON(v.geometry, 7) AS geometry, u.username AS made_by, v.changed_fields
  FROM webhook_subscriptions s
  CROSS JOIN LATERAL (
       SELECT d.* FROM webhook_deliveries d
        WHERE d.subscription_id = s.id AND d.state = 'pending' AND d.next_attempt_at <= :now
          AND NOT (SELECT EXISTS (
              SELECT 1 FROM webhook_deliveries e
               WHERE e.subscription_id = d.subscription_id AND e.record_id = d.record_id
                 AND e.version < d.version
                 AND (e.state = 'failed' OR (e.state = 'pending' AND e.next_attempt_at > :now))))
        ORDER BY d.id
        LIMIT CASE WHEN s.failing_since IS NULL THEN :per_subscription ELSE 1 END
        FOR UPDATE SKIP LOCKED) AS d
  JOIN record_versions v ON v.record_id = d.record_id AND v.version = d.version
  JOIN records r ON r.id = d.record_id
  JOIN grids g ON g.id = v.grid_id
  LEFT JOIN users u ON u.id = v.made_by_id
 WHERE s.state = 'active' AND (s.retry_at IS NULL OR s.retry_at <= :now)
 ORDER BY d.subscription_id, d.id""")

_RECORD_OUTCOMES = text("""
UPDATE webhook_deliveries d
   SET state = CAST(o.state AS webhook_delivery_state), attempts = d.attempts + o.tried,
       last_attempt_at = coalesce(o.at, d.last_attempt_at), next_attempt_at = o.next,
       last_status = CASE WHEN o.tried = 1 THEN o.status ELSE d.last_status END,
       last_error = CASE WHEN o.tried = 1 OR o.error IS NOT NULL THEN o.error
                         ELSE d.last_error END,
       delivered_at = CASE WHEN o.state = 'delivered' THEN o.at END
  FROM jsonb_to_recordset(CAST(:outcomes AS jsonb)) AS o(
       id bigint, state text, tried int, at timestamptz, next timestamptz, status int,
       error text)
 WHERE d.id = o.id""")


def send_due(session: Session, settings: WebhookSettings, commit: Callable[[], None],
             now: datetime | None = None) -> dict[str, int]:
    """One pass over the deliveries due at ``now``; what came of them."""
    now = now or datetime.now(timezone.utc)
    rows = session.execute(_DUE, {"now": now, "per_subscription": PER_SUBSCRIPTION}).all()
    if not rows:
        return {"delivered": 0, "failed": 0, "parked": 0, "withheld": 0}
    subscriptions = {s.id: s for s in session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.id.in_({row.subscription_id for row in rows})))}
    runs, withheld = _prepare(session, settings, subscriptions, rows)
    commit()  # the access log before anything leaves
    send_runs(list(runs.values()), PASS_SECONDS, settings.timeout + 5)
    outcomes = withheld + _outcomes(runs, {row.id: row for row in rows})
    session.execute(_RECORD_OUTCOMES, {"outcomes": json.dumps(outcomes, default=str)})
    _note_receivers(runs, subscriptions, {o["id"]: o for o in outcomes})
    parked = [o for o in outcomes if o["state"] == "failed"]
    _disable_after_parking(session, subscriptions, parked, settings)
    return {"delivered": sum(o["state"] == "delivered" for o in outcomes),
            "failed": sum(o["state"] == "pending" for o in outcomes),
            "parked": len(parked), "withheld": len(withheld)}


def _prepare(session: Session, settings: WebhookSettings,
             subscriptions: dict[int, WebhookSubscription],
             rows: list[Any]) -> tuple[dict[int, Run], list[dict[str, Any]]]:
    """Each subscription's run of bodies, as its department may see them, logged; and the
    deliveries its grant no longer covers."""
    runs: dict[int, Run] = {}
    withheld: list[dict[str, Any]] = []
    for subscription_id, due in groupby(rows, key=lambda row: row.subscription_id):
        subscription = subscriptions[subscription_id]
        reader = department_reader(session, subscription.department_code)
        reached, items = reach(session, subscription), []
        for row in due:
            if not reached.covers(row.kind, row.grid_id):
                withheld.append(_outcome(row.id, "withheld", tried=0, error=(
                    "not delivered: the department's grant no longer covers this record")))
                continue
            body = {"type": event_type(row.version), "timestamp": row.made_at.isoformat(),
                    "data": delivered_record(session, reader, row)}
            items.append(Outgoing(row.id, event_id(row.record_id, row.version), json.dumps(
                body, ensure_ascii=False, separators=(",", ":")).encode()))
        if reader.revealed:
            log_reads(session, None, "webhook_delivery", reader.revealed, details={
                "department": subscription.department_code, "webhook": subscription.id,
                "events": len(items)})
        if items:
            runs[subscription_id] = Run(Endpoint(subscription.url, settings.policy,
                                                 settings.timeout),
                                        _secret(settings, subscription), items)
    return runs, withheld


def _secret(settings: WebhookSettings, subscription: WebhookSubscription) -> str | None:
    if settings.keys is None:
        return None
    try:
        return settings.keys.unseal(subscription.secret_kid, subscription.secret_sealed)
    except KeyError:
        return None


def _outcomes(runs: dict[int, Run], rows: dict[int, Any]) -> list[dict[str, Any]]:
    outcomes = []
    for run in runs.values():
        for item, answer, at in run.tried:
            row = rows[item.delivery_id]
            if answer.ok:
                outcomes.append(_outcome(row.id, "delivered", 1, at, None, answer.status))
                continue
            retry_at = next_attempt(row.attempts + 1, at, row.retry_until)
            outcomes.append(_outcome(row.id, "pending" if retry_at else "failed", 1, at,
                                     retry_at, answer.status, answer.error)
                            | {"subscription_id": row.subscription_id, "event_id": item.event_id})
    return outcomes


def _outcome(delivery_id: int, state: str, tried: int, at: datetime | None = None,
             next_at: datetime | None = None, status: int | None = None,
             error: str | None = None) -> dict[str, Any]:
    return {"id": delivery_id, "state": state, "tried": tried, "at": at, "next": next_at,
            "status": status, "error": error and error[:500]}


def _note_receivers(runs: dict[int, Run], subscriptions: dict[int, WebhookSubscription],
                    outcomes: dict[int, dict[str, Any]]) -> None:
    """A receiver that failed is left alone until its failed event's retry, then probed with
    one event at a time; one that took its last event is well again."""
    for subscription_id, run in runs.items():
        if not run.tried:
            continue
        subscription = subscriptions[subscription_id]
        last, answer, at = run.tried[-1]
        if answer.ok:
            subscription.failing_since = subscription.retry_at = None
        else:
            subscription.failing_since = subscription.failing_since or at
            subscription.retry_at = outcomes[last.delivery_id]["next"]


def _disable_after_parking(session: Session, subscriptions: dict[int, WebhookSubscription],
                           parked: list[dict[str, Any]], settings: WebhookSettings) -> None:
    """A subscription whose delivery failed for the whole retry window is disabled, saying why."""
    hours = f"{settings.retry_window.total_seconds() / 3600:g}"
    for outcome in parked:
        subscription = subscriptions[outcome["subscription_id"]]
        if subscription.state == SubscriptionState.disabled:
            continue
        subscription.state = SubscriptionState.disabled
        subscription.disabled_at = datetime.now(timezone.utc)
        subscription.disabled_reason = (
            f"event {outcome['event_id']} could not be delivered for {hours} h (last: "
            f"{outcome['error']}); enable the webhook to deliver it and what followed")[:1000]
        record_audit(session, "webhook_disabled", subject=f"webhook:{subscription.id}",
                     details={"department": subscription.department_code,
                              "reason": subscription.disabled_reason})
    session.flush()
