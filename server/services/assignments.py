"""Who works in or supervises which grid, and when."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from psycopg.errors import ExclusionViolation
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from server.domain.time_window import outside_window
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.models import Assignment, AssignmentKind, Grid, Role, User
from server.services.audit import record_audit
from server.services.scope import active_at, supervised_grid_ids


def current_assignments(session: Session, user_id: int) -> list[Assignment]:
    """The user's assignments active now, with their grids."""
    return list(session.scalars(
        select(Assignment).options(joinedload(Assignment.grid))
        .where(Assignment.user_id == user_id, active_at(_now()))
        .order_by(Assignment.kind, Assignment.valid_from)))


@dataclass(frozen=True)
class AssignmentFilter:
    """Which assignments a list asks for."""

    grid_code: str | None = None
    username: str | None = None
    active: bool | None = None


def list_assignments(session: Session, actor: User, wanted: AssignmentFilter) -> list[Assignment]:
    """Assignments the actor may see: admins all, supervisors their grids' and every roving
    post (roving staff is the district's pool, which any supervisor may call into its grids),
    others their own."""
    query = (select(Assignment).join(Assignment.grid).join(Assignment.user)
             .options(joinedload(Assignment.grid), joinedload(Assignment.user))
             .order_by(Assignment.valid_from.desc(), Assignment.id.desc()))
    if actor.role == Role.supervisor:
        query = query.where(or_(Assignment.grid_id.in_(supervised_grid_ids(session, actor.id)),
                                Assignment.kind == AssignmentKind.roving))
    elif actor.role != Role.admin:
        query = query.where(Assignment.user_id == actor.id)
    if wanted.grid_code:
        query = query.where(Grid.code == wanted.grid_code)
    if wanted.username:
        query = query.where(User.username == wanted.username)
    if wanted.active is not None:
        now = _now()
        query = query.where(active_at(now) if wanted.active else ~active_at(now))
    return list(session.scalars(query).unique())


def assign(session: Session, actor: User, username: str, grid_code: str, kind: AssignmentKind,
           valid_from: datetime | None = None) -> Assignment:
    """Assign a user to a grid; a new primary or roving post ends the one it replaces."""
    _require_assigning_role(actor)
    start = valid_from or _now()
    _require_sane_moment("valid_from", start)
    grid = _active_grid(session, grid_code)
    _require_may_assign(session, actor, grid, kind)
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise NotFound(f"No active user {username!r}.")
    _require_fitting_role(user, kind)
    for replaced in _replaced_by(session, user, grid, kind, start):
        _end(session, actor, replaced, start)
    assignment = Assignment(user_id=user.id, grid_id=grid.id, kind=kind, valid_from=start,
                            created_by_id=actor.id)
    with _window_change(session):
        session.add(assignment)
    record_audit(session, "assignment_created", actor_id=actor.id, subject=grid.code,
                 details={"assignment_id": assignment.id, "username": username,
                          "kind": kind.value, "valid_from": start.isoformat()})
    return assignment


def end_assignment(session: Session, actor: User, assignment_id: int,
                   valid_to: datetime | None = None) -> Assignment:
    """End an assignment at ``valid_to`` (now by default)."""
    _require_assigning_role(actor)  # before the database: a collector learns nothing of ids
    end = valid_to or _now()
    _require_sane_moment("valid_to", end)
    assignment = session.get(Assignment, assignment_id, with_for_update=True)
    if assignment is None:
        raise NotFound(f"No assignment {assignment_id}.")
    _require_may_assign(session, actor, assignment.grid, assignment.kind)
    if assignment.valid_to is not None and assignment.valid_to <= _now():
        raise Conflict("This assignment has already ended.")
    if end < assignment.valid_from:
        raise Invalid("valid_to is before the assignment starts.",
                      errors=[{"field": "valid_to", "message": "must not precede valid_from"}])
    _end(session, actor, assignment, end)
    return assignment


def _end(session: Session, actor: User, assignment: Assignment, end: datetime) -> None:
    with _window_change(session):
        assignment.valid_to = end
        assignment.ended_by_id = actor.id
    record_audit(session, "assignment_ended", actor_id=actor.id, subject=assignment.grid.code,
                 details={"assignment_id": assignment.id, "user_id": assignment.user_id,
                          "kind": assignment.kind.value, "valid_to": end.isoformat()})


def _replaced_by(session: Session, user: User, grid: Grid, kind: AssignmentKind,
                 start: datetime) -> list[Assignment]:
    """The open assignments a new one replaces: the grid's primary, or the user's roving post."""
    if kind == AssignmentKind.supervises:
        same = session.scalars(select(Assignment).where(
            Assignment.user_id == user.id, Assignment.grid_id == grid.id,
            Assignment.kind == kind, active_at(start))).first()
        if same:
            raise Conflict(f"{user.username} already supervises {grid.code}.")
        return []
    owner = (Assignment.grid_id == grid.id) if kind == AssignmentKind.primary else (
        Assignment.user_id == user.id)
    open_ones = list(session.scalars(select(Assignment).where(
        owner, Assignment.kind == kind,
        or_(Assignment.valid_to.is_(None), Assignment.valid_to > start)).with_for_update()))
    if any(a.valid_from >= start for a in open_ones):
        raise Conflict("Another assignment of this kind starts at or after valid_from.")
    return open_ones


@contextmanager
def _window_change(session: Session) -> Iterator[None]:
    """Write a changed window; one the database finds overlapping another post is a 409."""
    try:
        with session.begin_nested():  # a refused write leaves the session usable
            yield
            session.flush()
    except IntegrityError as error:
        if not isinstance(error.orig, ExclusionViolation):
            raise
        raise Conflict("This window overlaps another assignment of the same kind: a grid has "
                       "one primary collector at a time, a roving collector one post at a "
                       "time.") from None


def _require_sane_moment(field: str, moment: datetime) -> None:
    problem = outside_window(moment, _now())
    if problem:
        raise Invalid(f"{field} {problem}.", errors=[{"field": field, "message": problem}])


def _require_assigning_role(actor: User) -> None:
    if actor.role not in (Role.admin, Role.supervisor):
        raise Forbidden("Only supervisors and administrators change assignments.")


def _require_may_assign(session: Session, actor: User, grid: Grid, kind: AssignmentKind) -> None:
    _require_assigning_role(actor)
    if actor.role == Role.admin:
        return
    if kind == AssignmentKind.supervises:
        raise Forbidden("Only administrators assign supervisors.")
    if grid.id not in supervised_grid_ids(session, actor.id):
        raise Forbidden(f"You do not supervise grid {grid.code}.")


def _require_fitting_role(user: User, kind: AssignmentKind) -> None:
    wanted = (Role.supervisor, Role.admin) if kind == AssignmentKind.supervises else (
        Role.collector,)
    if user.role not in wanted:
        raise Invalid(f"A {user.role.value} cannot hold a {kind.value} assignment.",
                      errors=[{"field": "username", "message": f"role {user.role.value} "
                               f"does not fit kind {kind.value}"}])


def _active_grid(session: Session, code: str) -> Grid:
    grid = session.scalar(select(Grid).where(Grid.code == code, Grid.retired_at.is_(None)))
    if grid is None:
        raise NotFound(f"No active grid {code!r}.")
    return grid


def _now() -> datetime:
    return datetime.now(timezone.utc)
