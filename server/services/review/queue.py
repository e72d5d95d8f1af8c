"""The review queue: supervisors see, claim and release the conflicts of their grids."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from server.errors import Conflict as ConflictError
from server.errors import NotFound
from server.models import Conflict, ConflictStatus, User
from server.services.audit import record_audit
from server.services.scope import review_scope

DEFAULT_LEASE = timedelta(minutes=15)


class StaleConflict(ConflictError):
    """The record changed since the conflict opened: its snapshot was refreshed, look again."""


@dataclass(frozen=True)
class ConflictFilter:
    """Which conflicts a list asks for; ``after`` pages by id, oldest first."""

    status: str | None = "open"
    grid: str | None = None
    kind: str | None = None
    collector: str | None = None
    older_than_hours: float | None = None
    after: int = 0
    limit: int = 50


SUMMARY_COLUMNS = """c.id, c.kind, c.status, c.created_at, c.record_id, c.submission_id,
       g.code AS grid, col.username AS collector, col.display_name AS collector_name,
       holder.username AS claimed_by, holder.display_name AS claimed_by_name,
       c.claim_expires_at, c.resolution, c.changed_fields"""
SUMMARY_FROM = """conflicts c LEFT JOIN grids g ON g.id = c.grid_id
       JOIN users col ON col.id = c.collector_id
       LEFT JOIN users holder ON holder.id = c.claimed_by_id"""


def list_conflicts(session: Session, user: User, wanted: ConflictFilter) -> list[Any]:
    """Conflicts in the user's grids, oldest first, with stable id pagination."""
    scope = review_scope(session, user)
    return list(session.execute(text(f"""
        SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM}
         WHERE c.id > :after
           AND (CAST(:scope AS bigint[]) IS NULL OR c.grid_id = ANY(CAST(:scope AS bigint[]))
                OR c.point_grid_id = ANY(CAST(:scope AS bigint[])))
           AND (CAST(:status AS text) IS NULL OR c.status = CAST(:status AS conflict_status))
           AND (CAST(:kind AS text) IS NULL OR c.kind = CAST(:kind AS conflict_kind))
           AND (CAST(:grid AS text) IS NULL OR g.code = :grid)
           AND (CAST(:collector AS text) IS NULL OR col.username = :collector)
           AND (CAST(:age AS float8) IS NULL
                OR c.created_at <= now() - make_interval(secs => :age * 3600))
         ORDER BY c.id LIMIT :limit"""), {
        "after": wanted.after, "scope": scope, "status": wanted.status, "kind": wanted.kind,
        "grid": wanted.grid, "collector": wanted.collector, "age": wanted.older_than_hours,
        "limit": wanted.limit}))


def get_conflict(session: Session, user: User, conflict_id: int, *,
                 lock: bool = False) -> Conflict:
    """One conflict in the user's grids (its collector's or record's grid, or the point's)."""
    scope = review_scope(session, user)
    conflict = session.get(Conflict, conflict_id, with_for_update=lock or None)
    if conflict is None or (scope is not None and conflict.grid_id not in scope
                            and conflict.point_grid_id not in scope):
        raise NotFound(f"No conflict {conflict_id} among the grids you review.")
    return conflict


def claim_conflict(session: Session, user: User, conflict_id: int,
                   lease: timedelta = DEFAULT_LEASE) -> Conflict:
    """Take a conflict for a while; 409 if another reviewer holds a live claim."""
    get_conflict(session, user, conflict_id)
    now = datetime.now(timezone.utc)
    taken = session.execute(
        update(Conflict).where(
            Conflict.id == conflict_id, Conflict.status == ConflictStatus.open,
            (Conflict.claimed_by_id.is_(None)) | (Conflict.claimed_by_id == user.id)
            | (Conflict.claim_expires_at <= now))
        .values(claimed_by_id=user.id, claim_expires_at=now + lease)
        .returning(Conflict.id)).scalar()
    session.expire_all()
    conflict = get_conflict(session, user, conflict_id)
    if taken is None:
        raise_if_unavailable(session, conflict, user, now)
    record_audit(session, "conflict_claimed", actor_id=user.id, subject=str(conflict_id),
                 details={"until": (now + lease).isoformat()})
    return conflict


def release_conflict(session: Session, user: User, conflict_id: int) -> Conflict:
    """Give a claimed conflict back to the queue."""
    conflict = get_conflict(session, user, conflict_id, lock=True)
    if conflict.claimed_by_id == user.id and conflict.status == ConflictStatus.open:
        conflict.claimed_by_id, conflict.claim_expires_at = None, None
        record_audit(session, "conflict_released", actor_id=user.id, subject=str(conflict_id))
    return conflict


def raise_if_unavailable(session: Session, conflict: Conflict, user: User,
                         now: datetime) -> None:
    """409 when the conflict is resolved or held by someone else's live claim."""
    if conflict.status == ConflictStatus.resolved:
        raise ConflictError(f"Conflict {conflict.id} is already resolved.",
                            resolution=conflict.resolution)
    if (conflict.claimed_by_id not in (None, user.id) and conflict.claim_expires_at
            and conflict.claim_expires_at > now):
        holder = session.get(User, conflict.claimed_by_id)
        raise ConflictError(
            f"{holder.display_name if holder else 'Another reviewer'} holds this conflict "
            f"until {conflict.claim_expires_at.isoformat()}.",
            claimed_by=holder.username if holder else None,
            claimed_by_name=holder.display_name if holder else None,
            claim_expires_at=conflict.claim_expires_at.isoformat())
