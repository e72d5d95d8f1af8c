"""Publishing emergency plans (versioned data, like forms) and reading the one in force."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.emergency_plan import plan_errors
from server.errors import Conflict, Invalid
from server.models import EmergencyPlan, FormVersion
from server.services.versioned import publish_version


@dataclass(frozen=True)
class PlanPublication:
    """The stored version, and whether this call stored it (False: it was already there)."""

    plan: EmergencyPlan
    created: bool


def publish_plan(session: Session, definition: Any, actor_id: int | None = None
                 ) -> PlanPublication:
    """Check a plan against the published forms' kinds and store it as an immutable version
    (the same content again: a no-op; other content under a published version: 409)."""
    kinds = set(session.scalars(select(FormVersion.kind).distinct()))
    errors = plan_errors(definition, kinds)
    if errors:
        raise Invalid("The emergency plan is not valid.",
                      errors=[{"field": e.path, "message": e.message} for e in errors])
    hazard, version = definition["hazard"], definition["version"]
    published = publish_version(
        session, EmergencyPlan, (hazard, version), definition, actor_id,
        name=f"The {hazard} plan v{version}", audit="emergency_plan_published",
        subject=f"emergency_plan:{hazard}@{version}", hazard=hazard, version=version)
    return PlanPublication(published.row, published.created)


def plan_in_force(session: Session, hazard: str) -> EmergencyPlan:
    """The hazard's latest plan (409 when none is published)."""
    plan = session.scalar(select(EmergencyPlan).where(EmergencyPlan.hazard == hazard)
                          .order_by(EmergencyPlan.version.desc()).limit(1))
    if plan is None:
        raise Conflict(f"No {hazard} plan is published; publish one with "
                       f"`flask emergencies plan plans/{hazard}.v1.json`.")
    return plan


def plan_version(session: Session, hazard: str, version: int) -> EmergencyPlan:
    """One published version (a warning keeps the version it was declared under)."""
    plan = session.get(EmergencyPlan, (hazard, version))
    assert plan is not None, "a warning's plan version is never deleted"
    return plan


def latest_plans(session: Session) -> list[EmergencyPlan]:
    """The latest version of each hazard's plan."""
    plans = session.scalars(select(EmergencyPlan).order_by(EmergencyPlan.hazard,
                                                           EmergencyPlan.version.desc()))
    latest: dict[str, EmergencyPlan] = {}
    for plan in plans:
        latest.setdefault(plan.hazard, plan)
    return list(latest.values())
