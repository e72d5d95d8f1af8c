"""The one scope rule: which grids a user may see or act on, from role and assignments.

- An assignment is in force at ``t`` when ``valid_from <= t < valid_to`` (open when valid_to is
  NULL). The rule is written once (``in_force``) and used both in ORM queries and, compiled, in
  the set-based SQL of the sync (``works_in_sql``).
- A collector works in a grid at ``t`` through a primary or roving assignment in force at ``t``.
  It reads the records of the grids it works in now, and sees those grids' neighbours' outlines.
- A supervisor sees, reads and reviews the grids it supervises now.
- Administrators see and read the whole district and review everywhere.
- Viewers (department staff) see the district's outlines and read the record kinds and grids
  their department is granted (the whole district and every kind without a grant).
- Warnings (emergencies): administrators and the staff of the duty department (应急管理局,
  ``DUTY_DEPARTMENT``) declare, raise, lower and stand them down, and see every check task;
  everyone else sees the tasks of the grids whose records they may read (a collector: the grids
  it works in now, or tasks it was given when they were made).
- Events (domain/event_workflow.py): supervisors see those of the grids they supervise and
  supervise them (register, reject, dispatch, close); administrators all of them. Department
  staff see and handle only the events dispatched to their department (a viewer without one
  sees none). Collectors see the events of the grids they work in and verify them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, literal_column, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from server.domain.event_workflow import HANDLE, SUPERVISE, VERIFY
from server.errors import Forbidden
from server.models import Assignment, AssignmentKind, Grant, Grid, GridNeighbour, Role, User

WORKING_KINDS = (AssignmentKind.primary, AssignmentKind.roving)
DISTRICT_ROLES = frozenset({Role.admin, Role.viewer})


def in_force(valid_from: Any, valid_to: Any, at: Any) -> ColumnElement[bool]:
    """An assignment window [valid_from, valid_to) containing ``at``."""
    return and_(valid_from <= at, or_(valid_to.is_(None), valid_to > at))


def active_at(at: datetime) -> ColumnElement[bool]:
    """Assignments in force at ``at`` (ORM form of the rule)."""
    return in_force(Assignment.valid_from, Assignment.valid_to, at)


def works_in_sql(alias: str, user: str, at: str) -> str:
    """SQL: assignment ``alias`` lets ``user`` collect in ``alias.grid_id`` at ``at``."""
    return f"{alias}.user_id = {user} AND {collects_sql(alias, at)}"


def collects_sql(alias: str, at: str) -> str:
    """SQL: assignment ``alias`` lets its user collect in ``alias.grid_id`` at ``at``."""
    window = in_force(literal_column(f"{alias}.valid_from"), literal_column(f"{alias}.valid_to"),
                      literal_column(at))
    kinds = ", ".join(f"'{k.value}'" for k in WORKING_KINDS)
    rule = window.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    return f"{alias}.kind IN ({kinds}) AND {rule}"


def workable_grid_ids(session: Session, user_id: int, at: datetime) -> set[int]:
    """The grids this user could work in at ``at`` (primary or roving assignments)."""
    return set(session.scalars(
        select(Assignment.grid_id).where(Assignment.user_id == user_id,
                                         Assignment.kind.in_(WORKING_KINDS), active_at(at))))


def supervised_grid_ids(session: Session, user_id: int, at: datetime | None = None) -> set[int]:
    """The grids this user supervises at ``at`` (now by default)."""
    return set(session.scalars(
        select(Assignment.grid_id).where(Assignment.user_id == user_id,
                                         Assignment.kind == AssignmentKind.supervises,
                                         active_at(at or _now()))))


@dataclass(frozen=True)
class GridScope:
    """The grids a user may see: grid id -> relation, or None for the whole district."""

    relations: dict[int, str] | None

    def relation(self, grid_id: int) -> str | None:
        """How the user relates to a grid (None: not visible)."""
        return "district" if self.relations is None else self.relations.get(grid_id)

    def grid_ids(self, session: Session) -> set[int]:
        """The visible grid ids (the whole district's active grids when unrestricted)."""
        if self.relations is not None:
            return set(self.relations)
        return set(session.scalars(select(Grid.id).where(Grid.retired_at.is_(None))))


def visible_grids(session: Session, user: User) -> GridScope:
    """Grid outlines the user may see: assigned (+ neighbours), supervised, or the district."""
    if user.role in DISTRICT_ROLES:
        return GridScope(None)
    if user.role == Role.supervisor:
        return GridScope({g: "supervised" for g in supervised_grid_ids(session, user.id)})
    assigned = workable_grid_ids(session, user.id, _now())
    neighbours = set(session.scalars(select(GridNeighbour.neighbour_id)
                                     .where(GridNeighbour.grid_id.in_(assigned)))) - assigned
    return GridScope({**{g: "neighbour" for g in neighbours}, **{g: "assigned" for g in assigned}})


def record_scope(session: Session, user: User) -> list[int] | None:
    """The grids whose records the user may read now; None for the whole district."""
    if user.role == Role.admin:
        return None
    if user.role == Role.viewer:
        return _granted_grids(session, user)
    if user.role == Role.supervisor:
        return sorted(supervised_grid_ids(session, user.id))
    return sorted(workable_grid_ids(session, user.id, _now()))


def readable_kinds(session: Session, user: User) -> list[str] | None:
    """The record kinds the user may read; None for every kind."""
    return department_kinds(session, user.department_code) if user.role == Role.viewer else None


def _granted_grids(session: Session, user: User) -> list[int] | None:
    return department_grid_ids(session, user.department_code)


def department_kinds(session: Session, code: str | None) -> list[str] | None:
    """The record kinds a department reads (its staff, its webhooks); None for every kind
    (no grant: the default grant)."""
    grant = session.get(Grant, code) if code else None
    return sorted(grant.kinds) if grant is not None else None


def department_grid_ids(session: Session, code: str | None) -> list[int] | None:
    """The grids whose records a department reads; None for the whole district."""
    grant = session.get(Grant, code) if code else None
    if grant is None or grant.grids == "all":
        return None
    return sorted(set().union(*grids_named(session, list(grant.grids)).values()))


def grids_named(session: Session, codes: list[str]) -> dict[str, set[int]]:
    """The grids each code names: a grid, or every grid of a community or street (codes that
    name none are left out)."""
    named: dict[str, set[int]] = {}
    for grid_id, *names in session.execute(
            select(Grid.id, Grid.code, Grid.street_code, Grid.community_code).where(
                Grid.code.in_(codes) | Grid.street_code.in_(codes)
                | Grid.community_code.in_(codes))):
        for code in set(names) & set(codes):
            named.setdefault(code, set()).add(grid_id)
    return named


def review_scope(session: Session, user: User) -> list[int] | None:
    """Grids whose conflicts the user reviews: admins all (None), supervisors theirs."""
    if user.role == Role.admin:
        return None
    if user.role == Role.supervisor:
        return sorted(supervised_grid_ids(session, user.id))
    raise Forbidden("Only supervisors and administrators review conflicts.")


DUTY_DEPARTMENT = "emergency"


def declares_warnings(user: User) -> bool:
    """Whether the user may declare, change and stand down warnings (the duty officer)."""
    return user.role == Role.admin or (user.role == Role.viewer
                                       and user.department_code == DUTY_DEPARTMENT)


def emergency_scope(session: Session, user: User) -> list[int] | None:
    """The grids whose warning check tasks the user sees; None for the whole district."""
    return None if declares_warnings(user) else record_scope(session, user)


@dataclass(frozen=True)
class EventScope:
    """The events a user may see: of these grids (None: all), dispatched to this department
    (None: any)."""

    grid_ids: list[int] | None
    department: str | None

    def covers(self, grid_id: int, department: str | None) -> bool:
        """Whether an event of this grid, dispatched to this department, is visible."""
        return ((self.grid_ids is None or grid_id in self.grid_ids)
                and (self.department is None or department == self.department))


def event_scope(session: Session, user: User) -> EventScope:
    """The events a user may see (403 for a viewer without a department)."""
    if user.role == Role.admin:
        return EventScope(None, None)
    if user.role == Role.viewer:
        if not user.department_code:
            raise Forbidden("Events are seen by supervisors, collectors and the departments "
                            "they are dispatched to; you belong to no department.")
        return EventScope(None, user.department_code)
    if user.role == Role.supervisor:
        return EventScope(sorted(supervised_grid_ids(session, user.id)), None)
    return EventScope(sorted(workable_grid_ids(session, user.id, _now())), None)


def event_capabilities(session: Session, user: User, grid_id: int,
                       department: str | None) -> frozenset[str]:
    """What the user may do to an event of this grid, dispatched to this department."""
    if user.role == Role.admin:
        return frozenset({SUPERVISE})
    if user.role == Role.supervisor and grid_id in supervised_grid_ids(session, user.id):
        return frozenset({SUPERVISE})
    if user.role == Role.viewer and department and user.department_code == department:
        return frozenset({HANDLE})
    if user.role == Role.collector and grid_id in workable_grid_ids(session, user.id, _now()):
        return frozenset({VERIFY})
    return frozenset()


def _now() -> datetime:
    return datetime.now(timezone.utc)
