"""Departments and their grants: what each may read, changed by administrators, audited."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server.domain.masking import LEVELS
from server.errors import Conflict, Invalid, NotFound
from server.models import Department, FormVersion, Grant, Grid, Role, User
from server.services.audit import record_audit
from server.services.forms import validator_of


def create_department(session: Session, actor_id: int | None, code: str, name: str) -> Department:
    """Add a department (409 if the code is taken)."""
    if session.get(Department, code) is not None:
        raise Conflict(f"Department {code!r} exists.")
    department = Department(code=code, name=name)
    session.add(department)
    session.flush()
    record_audit(session, "department_created", actor_id=actor_id, subject=code,
                 details={"name": name})
    return department


def list_departments(session: Session, user: User) -> list[Department]:
    """Every department (administrators), or the user's own."""
    query = select(Department).order_by(Department.code)
    if user.role != Role.admin:
        query = query.where(Department.code == user.department_code)
    return list(session.scalars(query))


def get_department(session: Session, user: User, code: str) -> Department:
    """One department the user may look at."""
    department = session.get(Department, code)
    if department is None or (user.role != Role.admin and user.department_code != code):
        raise NotFound(f"No department {code!r}.")
    return department


def grant_of(session: Session, code: str) -> Grant | None:
    """A department's grant, if it has one."""
    return session.get(Grant, code)


def put_grant(session: Session, actor_id: int | None, code: str, kinds: list[str], grids: Any,
              fields: dict[str, dict[str, str]]) -> Grant:
    """Replace a department's grant after checking every kind, grid code, form and field."""
    if session.get(Department, code) is None:
        raise NotFound(f"No department {code!r}.")
    errors = (_kind_errors(session, kinds) + _grid_errors(session, grids)
              + _field_errors(session, fields))
    if errors:
        raise Invalid("The grant names things that do not exist.", errors=errors)
    grant = session.get(Grant, code)
    before = _as_dict(grant) if grant else None
    if grant is None:
        grant = Grant(department_code=code)
        session.add(grant)
    grant.kinds, grant.grids, grant.fields = sorted(set(kinds)), grids, fields
    grant.updated_by_id, grant.updated_at = actor_id, func.now()
    session.flush()
    record_audit(session, "grant_changed", actor_id=actor_id, subject=code,
                 details={"before": before, "after": _as_dict(grant)})
    return grant


def _as_dict(grant: Grant) -> dict[str, Any]:
    return {"kinds": list(grant.kinds), "grids": grant.grids, "fields": grant.fields}


def _kind_errors(session: Session, kinds: list[str]) -> list[dict[str, str]]:
    known = set(session.scalars(select(FormVersion.kind).distinct()))
    return [{"field": f"kinds[{i}]", "message": f"no form writes records of kind {k!r}"}
            for i, k in enumerate(kinds) if k not in known]


def _grid_errors(session: Session, grids: Any) -> list[dict[str, str]]:
    if grids == "all":
        return []
    known = set()
    for row in session.execute(select(Grid.code, Grid.street_code, Grid.community_code).where(
            or_(Grid.code.in_(grids), Grid.street_code.in_(grids),
                Grid.community_code.in_(grids)))):
        known |= set(row)
    return [{"field": f"grids[{i}]", "message": f"{c!r} is no grid, community or street code"}
            for i, c in enumerate(grids) if c not in known]


def _field_errors(session: Session, fields: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    errors = []
    for form_id, levels in fields.items():
        versions = session.scalars(select(FormVersion).where(FormVersion.form_id == form_id)).all()
        names = {n for v in versions for n in validator_of(v).field_types}
        if not versions:
            errors.append({"field": f"fields.{form_id}", "message": "no such form"})
        for name, level in levels.items():
            if name not in names and versions:
                errors.append({"field": f"fields.{form_id}.{name}", "message": "no such field"})
            elif level not in LEVELS:
                errors.append({"field": f"fields.{form_id}.{name}",
                               "message": f"must be one of {', '.join(LEVELS)}"})
    return errors
