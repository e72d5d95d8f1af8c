"""The duty officer's use cases: declare a warning, change its level, stand it down. Audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.domain.emergency_plan import HAZARD_LEVELS, activations, level_rank
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.models import Emergency, Grid, User
from server.services.audit import record_audit
from server.services.emergencies import activation
from server.services.emergencies.plans import plan_in_force, plan_version
from server.services.scope import declares_warnings

DISTRICT_NAME = "全区"


@dataclass(frozen=True)
class Declared:
    """A warning and what its (new) level did."""

    emergency: Emergency
    counts: activation.ActivationCounts | None  # None: lowered or stood down (no new tasks)
    departments: list[str]


def declare(session: Session, user: User, hazard: str, level: str,
            area: str | None = None, now: datetime | None = None) -> Declared:
    """Declare a warning over the district (``area`` None) or a street (its code): its
    facilities are activated, tasks written, departments told. 409 if one is active there."""
    _may_declare(user)
    _check_level(hazard, level)
    now = now or datetime.now(timezone.utc)
    plan = plan_in_force(session, hazard)
    area_code, area_name = _area(session, area)
    emergency = Emergency(hazard=hazard, level=level, plan_version=plan.version,
                          area_code=area_code, area_name=area_name, declared_at=now,
                          declared_by_id=user.id, level_changed_at=now)
    try:
        with session.begin_nested():
            session.add(emergency)
            session.flush()
    except IntegrityError:
        active = session.scalar(select(Emergency.id).where(
            Emergency.hazard == hazard, Emergency.area_code.is_not_distinct_from(area_code),
            Emergency.stood_down_at.is_(None)))
        raise Conflict(f"A {hazard} warning is already in force over {area_name} "
                       f"(#{active}); change its level instead.", emergency=active) from None
    return _apply_level(session, user, emergency, level, "declared", now)


def change_level(session: Session, user: User, emergency_id: int, level: str,
                 now: datetime | None = None) -> Declared:
    """Raise (more facilities, more actions: tasks added or extended) or lower (open tasks
    stay; nothing new) an active warning's level."""
    _may_declare(user)
    now = now or datetime.now(timezone.utc)
    emergency = _active(session, emergency_id)
    _check_level(emergency.hazard, level)
    if level == emergency.level:
        return Declared(emergency, None, [])
    rising = level_rank(emergency.hazard, level) > level_rank(emergency.hazard, emergency.level)
    emergency.level, emergency.level_changed_at = level, now
    if rising:
        return _apply_level(session, user, emergency, level, "raised", now)
    plan = plan_version(session, emergency.hazard, emergency.plan_version).definition
    departments = activation.write_notices(session, emergency.id, level, "lowered",
                                           activations(plan, level), {})
    _audit(session, user, emergency, "emergency_lowered", {"level": level})
    return Declared(emergency, None, departments)


def stand_down(session: Session, user: User, emergency_id: int,
               now: datetime | None = None) -> tuple[Emergency, int]:
    """End a warning: its open tasks are closed, every department told before is told again.
    Returns the warning and the number of tasks closed."""
    _may_declare(user)
    now = now or datetime.now(timezone.utc)
    emergency = _active(session, emergency_id)
    emergency.stood_down_at, emergency.stood_down_by_id = now, user.id
    closed = activation.close_open_tasks(session, emergency.id, now)
    told = set(session.scalars(text(
        "SELECT DISTINCT department_code FROM emergency_notices WHERE emergency_id = :e"),
        {"e": emergency.id}))
    activation.write_notices(session, emergency.id, emergency.level, "stood_down", {}, {}, told)
    session.flush()
    _audit(session, user, emergency, "emergency_stood_down", {"tasks_closed": closed})
    return emergency, closed


def _apply_level(session: Session, user: User, emergency: Emergency, level: str, kind: str,
                 now: datetime) -> Declared:
    plan = plan_version(session, emergency.hazard, emergency.plan_version).definition
    classes = activations(plan, level)
    counts = activation.activate(session, emergency.id, level, emergency.area_code, classes,
                                 list(plan.get("resources", [])), plan.get("nearest", 3), now)
    departments = activation.write_notices(session, emergency.id, level, kind, classes,
                                           counts.by_class)
    session.flush()
    _audit(session, user, emergency, f"emergency_{kind}", {
        "level": level, "area": emergency.area_code, "plan_version": emergency.plan_version,
        "facilities": counts.facilities, "tasks_created": counts.created,
        "tasks_extended": counts.extended, "departments": departments})
    return Declared(emergency, counts, departments)


def _audit(session: Session, user: User, emergency: Emergency, action: str,
           details: dict) -> None:
    record_audit(session, action, actor_id=user.id, subject=f"emergency:{emergency.id}",
                 details={"hazard": emergency.hazard, **details})


def _may_declare(user: User) -> None:
    if not declares_warnings(user):
        raise Forbidden("Only the duty officers (应急管理局) and administrators declare, change "
                        "and stand down warnings.")


def _check_level(hazard: str, level: str) -> None:
    if level not in HAZARD_LEVELS[hazard]:
        raise Invalid(f"A {hazard} warning has no level {level!r}.", errors=[{
            "field": "level", "message": "one of " + ", ".join(HAZARD_LEVELS[hazard])}])


def _area(session: Session, area: str | None) -> tuple[str | None, str]:
    """A street (or community) code and its name; None: the whole district."""
    if area is None or area == "district":
        return None, DISTRICT_NAME
    grid = session.scalar(select(Grid).where(
        or_(Grid.street_code == area, Grid.community_code == area), Grid.retired_at.is_(None))
        .limit(1))
    if grid is None:
        raise Invalid(f"No street or community {area}.",
                      errors=[{"field": "area", "message": "no street or community has this code"}])
    return area, (grid.street_name if grid.street_code == area else grid.community_name) or area


def _active(session: Session, emergency_id: int) -> Emergency:
    emergency = session.get(Emergency, emergency_id, with_for_update=True)
    if emergency is None:
        raise NotFound(f"No warning {emergency_id}.")
    if emergency.stood_down_at is not None:
        raise Conflict(f"Warning {emergency_id} was stood down at "
                       f"{emergency.stood_down_at.isoformat()}.")
    return emergency
