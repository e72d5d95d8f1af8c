"""Reading warnings: the list, one warning's figures, the situation map, a collector's tasks and
the printable summary — always within the reader's scope, facility data through disclosure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.emergency_plan import activations
from server.domain.masking import VISIBLE
from server.errors import NotFound
from server.models import Emergency, User
from server.services.disclosure import reader_for, shown_data, validator
from server.services.emergencies.plans import plan_version
from server.services.scope import emergency_scope, readable_kinds

# A check still open this long after it was asked for is overdue (plans may say otherwise).
CHECK_WITHIN = timedelta(minutes=120)


@dataclass(frozen=True)
class TaskScope:
    """The tasks a user sees: of these grids and kinds (None: all), or given to this user."""

    user_id: int
    grid_ids: list[int] | None
    kinds: list[str] | None

    def sql(self, alias: str = "t") -> str:
        """SQL condition over an emergency_tasks alias (parameters :grids, :kinds, :user)."""
        grids = "TRUE" if self.grid_ids is None else f"{alias}.grid_id = ANY(:grids)"
        kinds = "TRUE" if self.kinds is None else f"{alias}.kind = ANY(:kinds)"
        return f"(({grids}) OR :user = ANY({alias}.assignees)) AND {kinds}"

    def params(self) -> dict[str, Any]:
        """The parameters of ``sql``."""
        return {"grids": self.grid_ids, "kinds": self.kinds, "user": self.user_id}


def task_scope(session: Session, user: User) -> TaskScope:
    """The one rule for which warning tasks a user sees (scope.emergency_scope + grants)."""
    return TaskScope(user.id, emergency_scope(session, user), readable_kinds(session, user))


def list_emergencies(session: Session, active_only: bool) -> list[Emergency]:
    """Warnings, active first, newest first."""
    where = "WHERE stood_down_at IS NULL" if active_only else ""
    ids = session.scalars(text(f"SELECT id FROM emergencies {where} "
                               "ORDER BY stood_down_at IS NOT NULL, declared_at DESC LIMIT 100"))
    return [session.get(Emergency, i) for i in ids]


def get_emergency(session: Session, emergency_id: int) -> Emergency:
    """One warning (every signed-in user may know a warning is in force)."""
    emergency = session.get(Emergency, emergency_id)
    if emergency is None:
        raise NotFound(f"No warning {emergency_id}.")
    return emergency


def emergency_body(session: Session, user: User, emergency: Emergency,
                   now: datetime | None = None, full: bool = True) -> dict[str, Any]:
    """A warning with its tasks by class and state and, when ``full``, its plan level,
    shelters and the departments told."""
    now = now or datetime.now(timezone.utc)
    scope = task_scope(session, user)
    params = {"e": emergency.id, "overdue": now - CHECK_WITHIN, **scope.params()}
    counts = session.execute(text(f"""
        SELECT t.kind, t.state, count(*) AS n,
               count(*) FILTER (WHERE t.state = 'open' AND t.created_at < :overdue) AS overdue,
               coalesce(sum(t.evacuated), 0) AS evacuated
          FROM emergency_tasks t WHERE t.emergency_id = :e AND {scope.sql()}
         GROUP BY t.kind, t.state"""), params).all()
    by_class: dict[str, dict[str, int]] = {}
    for row in counts:
        entry = by_class.setdefault(row.kind, {"open": 0, "done": 0, "closed": 0})
        entry[row.state] = row.n
    body = {**header(session, emergency),
            "facilities": sum(r.n for r in counts),
            "tasks": {s: sum(r.n for r in counts if r.state == s) for s in ("open", "done", "closed")},
            "overdue": sum(r.overdue for r in counts),
            "evacuated": sum(r.evacuated for r in counts),
            "by_class": by_class}
    if full:
        body.update(plan=plan_level(session, emergency),
                    shelters=shelters(session, user, emergency),
                    notices=notices(session, emergency.id))
    return body


def header(session: Session, emergency: Emergency) -> dict[str, Any]:
    """What a warning is: hazard, level, area, when, by whom."""
    names = dict(session.execute(text(
        "SELECT id, username FROM users WHERE id = ANY(:ids)"),
        {"ids": [i for i in (emergency.declared_by_id, emergency.stood_down_by_id) if i]}).all())
    return {"id": emergency.id, "hazard": emergency.hazard, "level": emergency.level,
            "area": emergency.area_code, "area_name": emergency.area_name,
            "plan_version": emergency.plan_version, "declared_at": emergency.declared_at,
            "declared_by": names.get(emergency.declared_by_id),
            "level_changed_at": emergency.level_changed_at,
            "active": emergency.stood_down_at is None,
            "stood_down_at": emergency.stood_down_at,
            "stood_down_by": names.get(emergency.stood_down_by_id)}


def plan_level(session: Session, emergency: Emergency) -> dict[str, Any]:
    """The plan's entry for the warning's current level."""
    plan = plan_version(session, emergency.hazard, emergency.plan_version).definition
    entry = next(e for e in plan["levels"] if e["level"] == emergency.level)
    return {"title": plan["title"], "label": entry["label"], "classes": {
        k: {"actions": list(a.actions), "departments": list(a.departments)}
        for k, a in activations(plan, emergency.level).items()}}


def shelters(session: Session, user: User, emergency: Emergency) -> list[dict[str, Any]]:
    """The shelters of the warning's area: capacity and the occupancy last reported."""
    rows = session.execute(text("""
        SELECT r.id, r.form_id, r.form_version, r.data, g.code AS grid,
               ST_X(r.geometry) AS lon, ST_Y(r.geometry) AS lat,
               (SELECT t.sheltered FROM emergency_tasks t
                 WHERE t.record_id = r.id AND t.emergency_id = :e AND t.sheltered IS NOT NULL
                 ORDER BY t.done_at DESC LIMIT 1) AS sheltered
          FROM records r JOIN grids g ON g.id = r.grid_id
         WHERE r.kind = 'shelter' AND r.retired_at IS NULL
           AND (CAST(:area AS text) IS NULL OR g.street_code = :area OR g.community_code = :area)
         ORDER BY g.code, r.key LIMIT 500"""),
        {"e": emergency.id, "area": emergency.area_code}).all()
    shown = []
    for r in rows:
        data = shown_data(session, user, r.form_id, r.form_version, r.data, r.id) or {}
        shown.append({"id": r.id, "name": data.get("name"), "grid": r.grid,
                      "capacity": data.get("capacity"), "sheltered": r.sheltered,
                      "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]}})
    return shown


def notices(session: Session, emergency_id: int) -> list[dict[str, Any]]:
    """The departments told, and what, in order."""
    return [dict(r._mapping) for r in session.execute(text("""
        SELECT n.department_code AS department, d.name AS department_name, n.level, n.kind,
               n.classes, n.at
          FROM emergency_notices n LEFT JOIN departments d ON d.code = n.department_code
         WHERE n.emergency_id = :e ORDER BY n.id"""), {"e": emergency_id})]


def situation_features(session: Session, user: User, emergency: Emergency,
                       now: datetime | None = None) -> dict[str, Any]:
    """The situation map: every activated facility the user sees, by class and task state."""
    now = now or datetime.now(timezone.utc)
    scope = task_scope(session, user)
    rows = session.execute(text(f"""
        SELECT DISTINCT ON (t.record_id) t.id, t.record_id, t.kind, t.state, t.result,
               t.actions, t.created_at < :overdue AND t.state = 'open' AS overdue,
               t.evacuated, g.code AS grid, g.street_code AS street, r.form_id, r.form_version,
               r.data->>'name' AS name, ST_X(r.geometry) AS lon, ST_Y(r.geometry) AS lat
          FROM emergency_tasks t JOIN records r ON r.id = t.record_id
          JOIN grids g ON g.id = t.grid_id
         WHERE t.emergency_id = :e AND {scope.sql()}
         ORDER BY t.record_id, t.created_at DESC"""),
        {"e": emergency.id, "overdue": now - CHECK_WITHIN, **scope.params()})
    names = _FacilityNames(session, user)
    features = []
    for r in rows:
        properties = {"record": str(r.record_id), "kind": r.kind,
                      "name": names.shown(r.form_id, r.form_version, r.name, r.record_id),
                      "state": r.state, "result": r.result, "overdue": r.overdue or None,
                      "actions": r.actions, "evacuated": r.evacuated, "grid": r.grid,
                      "street": r.street}
        features.append({"type": "Feature", "geometry": {
            "type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
            "properties": {k: v for k, v in properties.items() if v is not None}})
    return {"type": "FeatureCollection", "features": features}


class _FacilityNames:
    """Facility names as the reader may see them: through the disclosure function, asked once
    per form version when the name is an ordinary visible field (20,000 points on a map)."""

    def __init__(self, session: Session, user: User) -> None:
        self.session, self.reader = session, reader_for(session, user)
        self.plain: dict[tuple[str, int], bool] = {}

    def shown(self, form_id: str, version: int, name: str | None, subject: Any) -> str | None:
        """The name, masked or hidden when the reader's grant says so."""
        key = (form_id, version)
        if key not in self.plain:
            form = validator(self.session, form_id, version)
            self.plain[key] = (form is not None and "name" not in form.sensitive_fields
                               and self.reader.level(form, "name") == VISIBLE)
        if self.plain[key] or name is None:
            return name
        form = validator(self.session, form_id, version)
        return self.reader.show(form, {"name": name}, subject).get("name") if form else None
