"""A collector's check tasks (the phone's list), one warning's tasks page, and the summary."""
from __future__ import annotations

import math
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.models import Emergency, User
from server.services.disclosure import shown_data
from server.services.emergencies.situation import emergency_body, task_scope

_TASK_COLUMNS = """t.id, t.emergency_id, e.hazard, e.level AS emergency_level, t.kind,
       t.level, t.actions, t.departments, t.nearest, t.state, t.created_at, t.done_at,
       t.result, t.evacuated, t.sheltered, t.record_id, r.form_id, r.form_version, r.data,
       r.version AS record_version, g.code AS grid, ST_X(r.geometry) AS lon,
       ST_Y(r.geometry) AS lat"""
_TASK_JOINS = """FROM emergency_tasks t JOIN emergencies e ON e.id = t.emergency_id
  JOIN records r ON r.id = t.record_id JOIN grids g ON g.id = t.grid_id"""


def my_tasks(session: Session, user: User, near: tuple[float, float] | None = None
             ) -> list[dict[str, Any]]:
    """The tasks of the warnings in force that the user sees (a collector: those of the grids
    it works in now and those it was given), open first, then nearest first when ``near``."""
    scope = task_scope(session, user)
    rows = session.execute(text(f"""
        SELECT {_TASK_COLUMNS} {_TASK_JOINS}
         WHERE e.stood_down_at IS NULL AND t.state <> 'closed' AND {scope.sql()}
         ORDER BY t.state <> 'open', t.created_at, t.id LIMIT 5000"""), scope.params()).all()
    tasks = [task_body(session, user, r) for r in rows]
    if near is not None:
        tasks.sort(key=lambda t: (t["state"] != "open", _metres(near, t["geometry"])))
    return tasks


def emergency_tasks(session: Session, user: User, emergency: Emergency, state: str | None,
                    grid: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    """A page of one warning's tasks the user sees, by grid."""
    scope = task_scope(session, user)
    rows = session.execute(text(f"""
        SELECT {_TASK_COLUMNS} {_TASK_JOINS}
         WHERE t.emergency_id = :e AND {scope.sql()}
           AND (CAST(:state AS text) IS NULL OR t.state = :state)
           AND (CAST(:grid AS text) IS NULL OR g.code = :grid)
         ORDER BY g.code, t.kind, t.id LIMIT :limit OFFSET :offset"""),
        {"e": emergency.id, "state": state, "grid": grid, "limit": limit, "offset": offset,
         **scope.params()}).all()
    return [task_body(session, user, r) for r in rows]


def task_body(session: Session, user: User, r: Any) -> dict[str, Any]:
    """One task as the API shows it, with its facility as the user may see it."""
    return {"id": r.id, "emergency": {"id": r.emergency_id, "hazard": r.hazard,
                                      "level": r.emergency_level},
            "kind": r.kind, "level": r.level, "actions": r.actions,
            "departments": r.departments, "state": r.state, "created_at": r.created_at,
            "done_at": r.done_at, "result": r.result, "evacuated": r.evacuated,
            "sheltered": r.sheltered, "grid": r.grid, "nearest": r.nearest,
            "facility": {"id": r.record_id, "form": r.form_id, "form_version": r.form_version,
                         "version": r.record_version,
                         "data": shown_data(session, user, r.form_id, r.form_version, r.data,
                                            r.record_id)},
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]}}


def summary(session: Session, user: User, emergency: Emergency) -> dict[str, Any]:
    """The printable summary: the plan at this level, the counts, progress by street and
    grid, and who has not reported (the collectors of grids with open checks)."""
    scope = task_scope(session, user)
    grids = session.execute(text(f"""
        SELECT g.street_code AS street, g.street_name, g.code AS grid, g.name AS grid_name,
               count(*) FILTER (WHERE t.state = 'open') AS open,
               count(*) FILTER (WHERE t.state = 'done') AS done,
               count(*) FILTER (WHERE t.state = 'closed') AS closed,
               (SELECT array_agg(DISTINCT coalesce(u.display_name, u.username))
                  FROM emergency_tasks o JOIN users u ON u.id = ANY(o.assignees)
                 WHERE o.emergency_id = :e AND o.grid_id = g.id AND o.state = 'open')
               AS not_reported
          FROM emergency_tasks t JOIN grids g ON g.id = t.grid_id
         WHERE t.emergency_id = :e AND {scope.sql()}
         GROUP BY g.id ORDER BY g.street_code, g.code"""),
        {"e": emergency.id, **scope.params()}).all()
    streets: dict[str, dict[str, Any]] = {}
    for row in grids:
        street = streets.setdefault(row.street or "", {"street": row.street, "name": row.street_name,
                                                       "open": 0, "done": 0, "closed": 0})
        for state in ("open", "done", "closed"):
            street[state] += getattr(row, state)
    return {**emergency_body(session, user, emergency), "streets": list(streets.values()),
            "grids": [{"grid": r.grid, "name": r.grid_name, "street": r.street, "open": r.open,
                       "done": r.done, "closed": r.closed,
                       "not_reported": sorted(r.not_reported or [])} for r in grids]}


def _metres(near: tuple[float, float], geometry: dict[str, Any]) -> float:
    lon, lat = geometry["coordinates"]
    dx = (lon - near[0]) * math.cos(math.radians(lat)) * 111_320
    return math.hypot(dx, (lat - near[1]) * 110_574)
