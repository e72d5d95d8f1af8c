"""The access log of personal data: who read which records in clear, when, and why.

Every response whose record data showed a sensitive field in clear is logged — one entry per
response naming the records it revealed — and so are exports and webhook deliveries. Number
searches (a whole ID-card or phone number) are logged whether they hit or not, because a search
that answers yes or no is an oracle for a masked number: they are limited per user
(``NUMBER_SEARCH_LIMIT`` per ``NUMBER_SEARCH_WINDOW``, then 429) and a run of misses raises an
``enumeration_alert`` entry for the administrators.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from server.errors import TooManyRequests
from server.models import AccessEntry, AccessRecord, User
from server.services.audit import record_audit

NUMBER_SEARCH_LIMIT = 30
NUMBER_SEARCH_WINDOW = timedelta(minutes=10)
ALERT_MISSES = 10
ALERT_WINDOW = timedelta(hours=1)
PENDING = "access_log.pending"


def log_reads(session: Session, user_id: int | None, action: str, subjects: Iterable[Any],
              purpose: str | None = None, details: dict[str, Any] | None = None
              ) -> AccessEntry | None:
    """One entry for one read, naming the records (ids) and other subjects it revealed."""
    subjects = set(subjects)
    records = sorted(s for s in subjects if isinstance(s, uuid.UUID))
    others = sorted(str(s) for s in subjects if not isinstance(s, uuid.UUID))
    entry = AccessEntry(user_id=user_id, action=action[:64], purpose=(purpose or None) and
                        purpose[:200], record_count=len(records),
                        details={**(details or {}), **({"subjects": others} if others else {})})
    session.add(entry)
    session.flush()
    session.info[PENDING] = True  # a read-only request must still commit its log entries
    if records:
        session.execute(insert(AccessRecord), [{"access_id": entry.id, "record_id": r}
                                               for r in records])
    return entry


def log_query_reads(session: Session, user_id: int, action: str, query: str,
                    params: dict[str, Any], details: dict[str, Any],
                    purpose: str | None = None) -> AccessEntry:
    """One entry for a large read (an export): its records taken by a query, set-based."""
    entry = log_reads(session, user_id, action, (), purpose=purpose, details=details)
    assert entry is not None
    count = session.execute(text(f"""
        WITH revealed AS (
            INSERT INTO access_log_records (access_id, record_id)
            SELECT DISTINCT CAST(:entry AS bigint), id FROM ({query}) AS q
            ON CONFLICT DO NOTHING RETURNING 1)
        SELECT count(*) FROM revealed"""), {**params, "entry": entry.id}).scalar_one()
    entry.record_count = count
    return entry


def check_number_search(session: Session, user: User) -> None:
    """Refuse a number search beyond the user's allowance (429 with Retry-After)."""
    since = _now() - NUMBER_SEARCH_WINDOW
    times = session.scalars(select(AccessEntry.at).where(
        AccessEntry.user_id == user.id, AccessEntry.action == "number_search",
        AccessEntry.at > since).order_by(AccessEntry.at).limit(NUMBER_SEARCH_LIMIT)).all()
    if len(times) >= NUMBER_SEARCH_LIMIT:
        retry = max(int((times[0] + NUMBER_SEARCH_WINDOW - _now()).total_seconds()) + 1, 1)
        raise TooManyRequests(
            f"At most {NUMBER_SEARCH_LIMIT} searches by whole ID-card or phone number per "
            f"{int(NUMBER_SEARCH_WINDOW.total_seconds() // 60)} minutes; try again later.",
            retry_after=retry)


def log_number_search(session: Session, user: User, term: str, hits: int) -> None:
    """Log one number search (the number itself masked) and watch for enumeration."""
    log_reads(session, user.id, "number_search", (), details={
        "term": term[:3] + "*" * max(len(term) - 7, 0) + term[-4:], "hits": hits})
    if hits == 0 and _recent_misses(session, user.id) >= ALERT_MISSES and not _alerted(
            session, user.id):
        log_reads(session, user.id, "enumeration_alert", (), details={
            "misses_in_last_hour": _recent_misses(session, user.id)})
        record_audit(session, "number_search_enumeration", actor_id=user.id,
                     subject=user.username)


def _recent_misses(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(AccessEntry).where(
        AccessEntry.user_id == user_id, AccessEntry.action == "number_search",
        AccessEntry.at > _now() - ALERT_WINDOW,
        AccessEntry.details["hits"].as_integer() == 0)) or 0


def _alerted(session: Session, user_id: int) -> bool:
    return session.scalar(select(func.count()).select_from(AccessEntry).where(
        AccessEntry.user_id == user_id, AccessEntry.action == "enumeration_alert",
        AccessEntry.at > _now() - ALERT_WINDOW)) > 0


@dataclass(frozen=True)
class AccessFilter:
    """Which entries an administrator asks for."""

    record_id: uuid.UUID | None = None
    username: str | None = None
    action: str | None = None
    since: datetime | None = None
    limit: int = 100


def access_entries(session: Session, wanted: AccessFilter) -> list[Any]:
    """Entries, newest first: who read which records (``record_id``: who read this one)."""
    query = (select(AccessEntry, User.username).outerjoin(User, User.id == AccessEntry.user_id)
             .order_by(AccessEntry.at.desc(), AccessEntry.id.desc()).limit(wanted.limit))
    if wanted.record_id is not None:
        query = query.where(AccessEntry.id.in_(select(AccessRecord.access_id).where(
            AccessRecord.record_id == wanted.record_id)))
    if wanted.username:
        query = query.where(User.username == wanted.username)
    if wanted.action:
        query = query.where(AccessEntry.action == wanted.action)
    if wanted.since:
        query = query.where(AccessEntry.at >= wanted.since)
    return list(session.execute(query))


def records_of(session: Session, entry_ids: list[int], limit: int = 50) -> dict[int, list[str]]:
    """The first records each entry revealed (the rest are counted)."""
    rows = session.execute(text("""
        SELECT access_id, (array_agg(record_id ORDER BY record_id))[1:CAST(:limit AS int)]
          FROM access_log_records WHERE access_id = ANY(CAST(:ids AS bigint[]))
         GROUP BY access_id"""), {"ids": entry_ids, "limit": limit})
    return {access_id: [str(r) for r in ids] for access_id, ids in rows}


def _now() -> datetime:
    return datetime.now(timezone.utc)
