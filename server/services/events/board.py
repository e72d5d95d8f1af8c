"""Reading events: the board (by state, overdue first), one event with its timeline, and what
the change feed tells phones about an event. Always within the event scope; record data always
through the disclosure function."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.event_workflow import DISPATCHED, EVENT_KIND, OPEN_STATES, STATES
from server.models import User
from server.services.disclosure import shown_data
from server.services.scope import event_scope

OPEN, ALL = "open", "all"


@dataclass(frozen=True)
class EventFilter:
    """What the board asks for: a state (or every open state, or all), grid, department,
    category (a subclass ``env.exposed_garbage`` or its class ``env``), only overdue ones."""

    state: str = OPEN
    grid: str | None = None
    department: str | None = None
    category: str | None = None
    overdue: bool = False
    limit: int = 50
    offset: int = 0


_COLUMNS = """e.record_id AS id, e.state, e.category, g.code AS grid, e.department_code AS department,
       d.name AS department_name, e.reported_at, ru.username AS reported_by, e.dispatched_at,
       e.deadline, e.handled_at, e.overdue_at, e.closed_at, e.updated_at, r.data, r.form_id,
       r.form_version, r.version, ST_AsGeoJSON(r.geometry, 7) AS geometry"""
_JOINS = """JOIN records r ON r.id = e.record_id JOIN grids g ON g.id = e.grid_id
       LEFT JOIN departments d ON d.code = e.department_code
       LEFT JOIN users ru ON ru.id = e.reported_by_id"""
_OVERDUE = f"(e.state = '{DISPATCHED}' AND e.deadline < :now)"


def list_events(session: Session, user: User, wanted: EventFilter, now: datetime
                ) -> tuple[list[Any], dict[str, int]]:
    """A page of the board (overdue first, then the nearest deadline, then the latest change)
    and the number of open events in each state (and overdue) under the same filters."""
    where, params = _conditions(session, user, wanted, now)
    states = list(STATES) if wanted.state == ALL else (
        list(OPEN_STATES) if wanted.state == OPEN else [wanted.state])
    page = session.execute(text(f"""
        SELECT {_COLUMNS} FROM (
            SELECT * FROM events e WHERE {' AND '.join(where)}
               AND e.state = ANY(CAST(:states AS text[]))
               {"AND " + _OVERDUE if wanted.overdue else ""}
             ORDER BY {_OVERDUE} DESC, e.deadline NULLS LAST, e.updated_at DESC, e.record_id
             LIMIT :limit OFFSET :offset) AS e {_JOINS}
         ORDER BY {_OVERDUE} DESC, e.deadline NULLS LAST, e.updated_at DESC, e.record_id"""),
        {**params, "states": states, "limit": wanted.limit, "offset": wanted.offset}).all()
    counts = session.execute(text(f"""
        SELECT e.state, count(*) AS n, count(*) FILTER (WHERE {_OVERDUE}) AS overdue
          FROM events e WHERE {' AND '.join(where)} AND e.state = ANY(CAST(:open AS text[]))
         GROUP BY e.state"""), {**params, "open": list(OPEN_STATES)}).all()
    tally = {state: 0 for state in OPEN_STATES} | {row.state: row.n for row in counts}
    tally["overdue"] = sum(row.overdue for row in counts)
    return page, tally


def _conditions(session: Session, user: User, wanted: EventFilter, now: datetime
                ) -> tuple[list[str], dict[str, Any]]:
    """The scope and the filters, only those that apply (catch-all terms spoil plans)."""
    scope = event_scope(session, user)
    where, params = ["true"], {"now": now}
    grids = scope.grid_ids
    if wanted.grid:
        grid_id = session.execute(text("SELECT id FROM grids WHERE code = :code"),
                                  {"code": wanted.grid}).scalar()
        grids = [g for g in (grids if grids is not None else [grid_id]) if g == grid_id]
    if grids is not None:
        where.append("e.grid_id = ANY(CAST(:grids AS bigint[]))")
        params["grids"] = grids
    departments = {scope.department, wanted.department} - {None}
    if len(departments) > 1:  # another department's events: none of them is visible
        where.append("false")
    elif departments:
        where.append("e.department_code = :department")
        params["department"] = departments.pop()
    if wanted.category:
        exact = "." in wanted.category
        where.append("e.category = :category" if exact else "e.category LIKE :category")
        params["category"] = wanted.category if exact else _like_escape(wanted.category) + ".%"
    return where, params


def event_row(session: Session, event_id: uuid.UUID) -> Any:
    """One event as responses show it (scope checked by the caller)."""
    return session.execute(text(f"SELECT {_COLUMNS} FROM events e {_JOINS} "
                                "WHERE e.record_id = :id"), {"id": event_id}).one()


def timeline(session: Session, event_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every row of the event's history, oldest first: who, when, from where to where, why."""
    rows = session.execute(text("""
        SELECT t.action, t.from_state, t.to_state, t.at, u.username, u.display_name,
               t.department_code, d.name AS department_name, t.deadline, t.note, t.result,
               t.on_time, t.submission_id
          FROM event_transitions t LEFT JOIN users u ON u.id = t.actor_id
          LEFT JOIN departments d ON d.code = t.department_code
         WHERE t.event_id = :id ORDER BY t.id"""), {"id": event_id})
    return [{"action": r.action, "from": r.from_state, "to": r.to_state,
             "at": r.at.isoformat(), "by": r.username, "by_name": r.display_name,
             "department": r.department_code, "department_name": r.department_name,
             "deadline": _iso(r.deadline), "note": r.note, "result": r.result,
             "on_time": r.on_time,
             "submission_id": str(r.submission_id) if r.submission_id else None} for r in rows]


def event_body(session: Session, user: User, row: Any, now: datetime) -> dict[str, Any]:
    """An event as the API shows it; its record data through the disclosure function."""
    return {"id": str(row.id), "state": row.state, "category": row.category, "grid": row.grid,
            "department": row.department, "department_name": row.department_name,
            "reported_at": _iso(row.reported_at), "reported_by": row.reported_by,
            "dispatched_at": _iso(row.dispatched_at), "deadline": _iso(row.deadline),
            "handled_at": _iso(row.handled_at), "closed_at": _iso(row.closed_at),
            "overdue": row.state == DISPATCHED and row.deadline is not None and row.deadline < now,
            "overdue_since": _iso(row.overdue_at), "updated_at": _iso(row.updated_at),
            "form": row.form_id, "form_version": row.form_version, "version": row.version,
            "geometry": json.loads(row.geometry) if row.geometry else None,
            "data": shown_data(session, user, row.form_id, row.form_version, row.data, row.id)}


def with_event_summaries(session: Session, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records as the change feed hands them out, each event record with its ``event``."""
    summaries = feed_summaries(session, [uuid.UUID(b["id"]) for b in bodies
                                         if b["kind"] == EVENT_KIND])
    for body in bodies:
        if body["kind"] == EVENT_KIND:
            body["event"] = summaries.get(uuid.UUID(body["id"]))
    return bodies


def feed_summaries(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """What a phone needs to know of these events (the change feed carries it with each event
    record): the state, the department and its deadline, and what the department did."""
    if not ids:
        return {}
    rows = session.execute(text("""
        SELECT e.record_id, e.state, e.department_code, d.name AS department_name, e.deadline,
               e.handled_at, h.note AS handled_note
          FROM events e LEFT JOIN departments d ON d.code = e.department_code
          LEFT JOIN LATERAL (SELECT note FROM event_transitions t
                              WHERE t.event_id = e.record_id AND t.action = 'handle'
                              ORDER BY t.id DESC LIMIT 1) AS h ON true
         WHERE e.record_id = ANY(CAST(:ids AS uuid[]))"""), {"ids": ids})
    return {r.record_id: {"state": r.state, "department": r.department_code,
                          "department_name": r.department_name, "deadline": _iso(r.deadline),
                          "handled_at": _iso(r.handled_at), "handled_note": r.handled_note}
            for r in rows}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
