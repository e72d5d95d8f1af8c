"""Events from the outbox: new record versions become deliveries, per subscription, set-based.

The history (``record_versions``) is the transactional outbox: a version is written in the
transaction of its change, with that transaction's id. Like the change feed, each active
subscription reads the versions after its cursor, ``(change_xid, record_id, version)``, but only
those of transactions older than the oldest one still running: a late commit is never skipped,
and a change that rolled back never existed. The versions its reach covers become pending
deliveries, and the cursor moves past the whole page, in one statement for every subscription.
A disabled subscription's cursor stays where it is: enabled again, it catches up.
"""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.models import SubscriptionState, WebhookSubscription
from server.services.change_feed import HORIZON
from server.services.webhooks.subscriptions import reach

PAGE = 1000

_MAKE_EVENTS = text(f"""
WITH reach AS (
    SELECT * FROM jsonb_to_recordset(CAST(:reach AS jsonb))
        AS x(id bigint, kinds text[], grid_ids bigint[])),
page AS (
    SELECT x.id AS subscription_id, x.kinds, x.grid_ids, v.record_id, v.version, v.change_xid,
           v.grid_id
      FROM reach x
      JOIN webhook_subscriptions s ON s.id = x.id AND s.state = 'active'
      CROSS JOIN LATERAL (
           SELECT v.record_id, v.version, v.change_xid, v.grid_id FROM record_versions v
            WHERE (v.change_xid, v.record_id, v.version)
                  > (s.cursor_xid, s.cursor_record_id, s.cursor_version)
              AND v.change_xid < {HORIZON}
            ORDER BY v.change_xid, v.record_id, v.version
            LIMIT :page) AS v),
made AS (
    INSERT INTO webhook_deliveries (subscription_id, record_id, version, state, next_attempt_at,
                                    retry_until)
    SELECT p.subscription_id, p.record_id, p.version, 'pending', now(),
           now() + make_interval(secs => :window)
      FROM page p JOIN records r ON r.id = p.record_id
     WHERE (p.kinds IS NULL OR r.kind = ANY(p.kinds))
       AND (p.grid_ids IS NULL OR p.grid_id = ANY(p.grid_ids))
     ORDER BY p.subscription_id, p.change_xid, p.record_id, p.version
    ON CONFLICT DO NOTHING
    RETURNING 1),
last AS (
    SELECT DISTINCT ON (subscription_id) subscription_id, change_xid, record_id, version,
           count(*) OVER (PARTITION BY subscription_id) AS read
      FROM page
     ORDER BY subscription_id, change_xid DESC, record_id DESC, version DESC),
moved AS (
    UPDATE webhook_subscriptions s
       SET cursor_xid = l.change_xid, cursor_record_id = l.record_id, cursor_version = l.version
      FROM last l WHERE s.id = l.subscription_id
    RETURNING l.read)
SELECT (SELECT count(*) FROM made) AS made, coalesce((SELECT max(read) FROM moved), 0) AS most
""")


def reaches(session: Session) -> list[dict[str, object]]:
    """What each active subscription reaches now (one row per subscription)."""
    active = session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.state == SubscriptionState.active))
    return [{"id": s.id, "kinds": r.kinds, "grid_ids": r.grid_ids}
            for s, r in ((s, reach(session, s)) for s in active)]


def make_events(session: Session, reached: list[dict[str, object]], window: timedelta,
                page: int = PAGE) -> tuple[int, bool]:
    """One page of new versions per subscription into deliveries; how many were made, and
    whether some subscription has more to read."""
    if not reached:
        return 0, False
    made, most = session.execute(_MAKE_EVENTS, {
        "reach": json.dumps(reached), "page": page,
        "window": window.total_seconds()}).one()
    return made, most >= page
