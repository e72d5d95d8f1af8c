"""The set-based heart of a warning: activated facilities, their check tasks, their nearest
shelters and resources, and the departments' notices — a few statements per declaration.

A facility is activated when its record's kind is a class the level activates and it lies in
a grid of the warning's area (records carry the grid PostGIS found for their point). Its task
goes to the collectors working in its grid at that moment (primary and roving). Raising the
level extends a facility's open task with the new actions, and gives a new task to a facility
whose earlier check did not cover them; nearest resources are found by KNN (``<->`` on the
GiST index of kind and point), per resource class.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.emergency_plan import Activation
from server.services.scope import collects_sql

OPEN, DONE, CLOSED = "open", "done", "closed"


@dataclass(frozen=True)
class ActivationCounts:
    """What one activation did: facilities activated (by class), tasks created and extended."""

    facilities: int
    created: int
    extended: int
    by_class: dict[str, int]


def activate(session: Session, emergency_id: int, level: str, area_code: str | None,
             classes: dict[str, Activation], resources: list[str], nearest: int,
             now: datetime) -> ActivationCounts:
    """Write the tasks of one level of a warning, set-based (one statement)."""
    plan = [{"kind": k, "actions": list(a.actions), "departments": list(a.departments)}
            for k, a in classes.items()]
    row = session.execute(_ACTIVATE, {
        "plan": json.dumps(plan), "emergency": emergency_id, "level": level, "area": area_code,
        "resources": resources, "nearest": nearest, "now": now}).one()
    return ActivationCounts(row.facilities, row.created, row.extended, row.by_class or {})


def close_open_tasks(session: Session, emergency_id: int, now: datetime) -> int:
    """Standing down: every open task of the warning is closed unchecked."""
    return session.execute(text(
        "UPDATE emergency_tasks SET state = :closed, closed_at = :now "
        "WHERE emergency_id = :e AND state = :open"),
        {"closed": CLOSED, "open": OPEN, "now": now, "e": emergency_id}).rowcount


def write_notices(session: Session, emergency_id: int, level: str, kind: str,
                  classes: dict[str, Activation], by_class: dict[str, int],
                  departments: set[str] | None = None) -> list[str]:
    """Tell each department the plan names at this level what of its facilities is activated
    (``departments``: tell these too, with nothing activated, e.g. on standing down).
    Returns the departments told."""
    told: dict[str, dict[str, Any]] = {code: {} for code in departments or ()}
    for class_, activation in classes.items():
        for code in activation.departments:
            told.setdefault(code, {})[class_] = {"actions": list(activation.actions),
                                                 "facilities": by_class.get(class_, 0)}
    if told:
        session.execute(text(
            "INSERT INTO emergency_notices (emergency_id, department_code, level, kind, classes) "
            "SELECT :e, d.code, :level, :kind, d.classes FROM jsonb_to_recordset(CAST(:rows AS "
            "jsonb)) AS d(code text, classes jsonb)"),
            {"e": emergency_id, "level": level, "kind": kind, "rows": json.dumps(
                [{"code": c, "classes": v} for c, v in sorted(told.items())],
                ensure_ascii=False)})
    return sorted(told)


_ACTIVATE = text(f"""
WITH plan AS (
    SELECT * FROM jsonb_to_recordset(CAST(:plan AS jsonb))
                  AS p(kind text, actions text[], departments text[])),
area AS (
    SELECT id FROM grids
     WHERE CAST(:area AS text) IS NULL
        OR street_code = :area OR community_code = :area OR code = :area),
facility AS MATERIALIZED (
    SELECT r.id, r.kind, r.grid_id, r.geometry, p.actions, p.departments
      FROM records r JOIN plan p ON p.kind = r.kind
     WHERE r.retired_at IS NULL AND r.grid_id IN (SELECT id FROM area)),
extended AS (
    UPDATE emergency_tasks t
       SET actions = t.actions || ARRAY(SELECT a FROM unnest(f.actions) AS a
                                         WHERE a <> ALL(t.actions)),
           departments = t.departments || ARRAY(SELECT d FROM unnest(f.departments) AS d
                                                 WHERE d <> ALL(t.departments)),
           level = :level
      FROM facility f
     WHERE t.emergency_id = :emergency AND t.record_id = f.id AND t.state = 'open'
       AND NOT t.actions @> f.actions
    RETURNING t.id),
fresh AS (
    SELECT f.* FROM facility f
     WHERE NOT EXISTS (SELECT 1 FROM emergency_tasks t
                        WHERE t.emergency_id = :emergency AND t.record_id = f.id
                          AND (t.state = 'open' OR (t.state = 'done' AND t.actions @> f.actions)))),
collectors AS (
    SELECT a.grid_id, array_agg(DISTINCT a.user_id ORDER BY a.user_id) AS users
      FROM assignments a
     WHERE a.grid_id IN (SELECT grid_id FROM fresh) AND {collects_sql("a", ":now")}
     GROUP BY a.grid_id),
created AS (
    INSERT INTO emergency_tasks (emergency_id, record_id, kind, grid_id, level, actions,
                                 departments, assignees, nearest, state, created_at)
    SELECT :emergency, f.id, f.kind, f.grid_id, :level, f.actions, f.departments,
           coalesce(c.users, '{{}}'), coalesce(n.nearest, '[]'), 'open', :now
      FROM fresh f
      LEFT JOIN collectors c ON c.grid_id = f.grid_id
      LEFT JOIN LATERAL (
          SELECT jsonb_agg(jsonb_build_object(
                     'id', s.id, 'kind', s.kind, 'name', s.data->>'name',
                     'capacity', s.data->'capacity',
                     'distance_m', round(ST_Distance(CAST(s.geometry AS geography),
                                                     CAST(f.geometry AS geography))))
                 ORDER BY s.d) AS nearest
            FROM unnest(CAST(:resources AS text[])) AS rk(kind)
            CROSS JOIN LATERAL (
                SELECT r.id, r.kind, r.data, r.geometry, r.geometry <-> f.geometry AS d
                  FROM records r
                 WHERE r.kind = rk.kind AND r.retired_at IS NULL AND r.id <> f.id
                 ORDER BY r.geometry <-> f.geometry LIMIT :nearest) s) n ON true
    RETURNING id)
SELECT (SELECT count(*) FROM facility) AS facilities,
       (SELECT count(*) FROM created) AS created,
       (SELECT count(*) FROM extended) AS extended,
       (SELECT jsonb_object_agg(kind, n) FROM (SELECT kind, count(*) AS n FROM facility
                                                GROUP BY kind) k) AS by_class""")
