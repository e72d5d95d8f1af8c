"""Login throttling in PostgreSQL, so that every gunicorn worker and machine sees one count.

The policy (what waits how long, and why no stranger can lock a collector out) is in
``server/domain/login_throttle.py``. Attempts on one account are serialised by an advisory
lock held until the sign-in commits, so parallel guesses cannot slip past the count.
"""
from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.login_throttle import FORGET_AFTER, POLICY, TRUSTED_FOR, throttle_keys
from server.errors import TooManyRequests
from server.services.audit import record_audit


def refuse_if_waiting(session: Session, username: str, remote_addr: str | None,
                      now: datetime) -> None:
    """Raise TooManyRequests (audited) while a counter of this attempt makes it wait."""
    keys = throttle_keys(username, remote_addr)
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 7))"),
                    {"k": "login:" + username})
    rows = {row.scope: row for row in session.execute(text(_STATE), _key_params(keys))}
    trusted = (rows.get("pair") is not None and rows["pair"].last_success_at is not None
               and rows["pair"].last_success_at > now - TRUSTED_FOR)
    waiting = {scope: row.blocked_until for scope, row in rows.items()
               if row.blocked_until is not None and row.blocked_until > now
               and not (scope == "account" and trusted)}
    if not waiting:
        return
    retry_after = max(1, math.ceil((max(waiting.values()) - now).total_seconds()))
    record_audit(session, "login_throttled", subject=username, remote_addr=remote_addr,
                 details={"scopes": sorted(waiting), "retry_after_s": retry_after})
    raise TooManyRequests(f"Too many failed sign-ins; try again in {retry_after} s.",
                          retry_after=retry_after)


def count_failure(session: Session, username: str, remote_addr: str | None,
                  now: datetime) -> dict[str, int]:
    """Count a failed sign-in against every counter; the waits it starts, in seconds."""
    keys = throttle_keys(username, remote_addr)
    counts = {row.scope: row.failures for row in session.execute(
        text(_COUNT_FAILURE), {**_key_params(keys), "now": now, "forget": now - FORGET_AFTER})}
    waits = {scope: POLICY[scope].wait_after(n) for scope, n in counts.items()}
    waits = {scope: wait for scope, wait in waits.items() if wait > timedelta(0)}
    for scope, wait in waits.items():
        session.execute(text("""
            UPDATE login_throttles SET blocked_until = GREATEST(blocked_until, :until)
             WHERE scope = :scope AND key = :key"""),
            {"until": now + wait, "scope": scope, "key": keys[scope]})
    if secrets.randbelow(100) == 0:  # now and then, so that the table does not grow forever
        forget_stale(session, now)
    return {scope: math.ceil(wait.total_seconds()) for scope, wait in waits.items()}


def count_success(session: Session, username: str, remote_addr: str | None,
                  now: datetime) -> None:
    """A successful sign-in clears its account-and-address counter and trusts the address."""
    session.execute(text("""
        INSERT INTO login_throttles (scope, key, failures, last_success_at)
        VALUES ('pair', :key, 0, :now)
        ON CONFLICT (scope, key) DO UPDATE
           SET failures = 0, blocked_until = NULL, last_success_at = :now"""),
        {"key": throttle_keys(username, remote_addr)["pair"], "now": now})


def forget_stale(session: Session, now: datetime) -> int:
    """Drop counters nothing needs any more (no recent failure, wait or trusted sign-in)."""
    return session.execute(text("""
        DELETE FROM login_throttles
         WHERE (last_failure_at IS NULL OR last_failure_at < :forget)
           AND (blocked_until IS NULL OR blocked_until < :now)
           AND (last_success_at IS NULL OR last_success_at < :trusted)"""),
        {"forget": now - FORGET_AFTER, "now": now, "trusted": now - TRUSTED_FOR}).rowcount


def _key_params(keys: dict[str, str]) -> dict[str, str]:
    return {"pair": keys["pair"], "address": keys["address"], "account": keys["account"]}


_STATE = """
SELECT scope, blocked_until, last_success_at FROM login_throttles
 WHERE (scope, key) IN (('pair', :pair), ('address', :address), ('account', :account))"""

# A counter whose last failure is older than FORGET_AFTER starts again from one.
_COUNT_FAILURE = """
INSERT INTO login_throttles AS t (scope, key, failures, last_failure_at)
VALUES ('pair', :pair, 1, :now), ('address', :address, 1, :now), ('account', :account, 1, :now)
ON CONFLICT (scope, key) DO UPDATE
   SET failures = CASE WHEN t.last_failure_at IS NULL OR t.last_failure_at < :forget THEN 1
                       ELSE t.failures + 1 END,
       last_failure_at = :now
RETURNING scope, failures"""
