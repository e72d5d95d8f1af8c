"""Dispatching warnings to the labour department as events (the event workflow).

A warning of a level the model dispatches (橙/红 by default) becomes an event record (category,
department and source from the model), registered and dispatched by the system at once, with
the signals in its description. An enterprise whose earlier warning's event is still open is
not reported again: the warning joins that event, and when its level is higher than the one
last reported the event's history gets an ``escalate`` row (the department sees it rise).
A warning already linked to an event is left alone, so running a month again dispatches nothing.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.event_standard import time_limit
from server.domain.event_workflow import FINAL_STATES, move
from server.domain.indicators import month_text
from server.domain.warning_model import LEVELS
from server.models import Department
from server.services.events.ledger import EventMove, load_events, write_moves
from server.services.events.standard import current_standard
from server.services.forms import validator_of
from server.services.imports.start import latest_published
from server.services.record_store import VersionWrite, create_records, touch_records

LEVEL_ZH = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}


def dispatch_warnings(session: Session, month: date, model: dict[str, Any],
                      actor_id: int | None) -> dict[str, Any]:
    """Dispatch the month's undispatched warnings of the model's levels; counts by outcome."""
    rule = model["dispatch"]
    waiting = session.execute(_WAITING, {
        "month": month, "levels": rule["levels"], "final": sorted(FINAL_STATES),
        "levels_in_order": list(LEVELS)}).mappings().all()
    if not waiting:
        return {"dispatched": 0, "escalated": 0, "under_handling": 0}
    if session.get(Department, rule["department"]) is None:
        return {"dispatched": 0, "escalated": 0, "under_handling": 0,
                "skipped": f"no department {rule['department']}: {len(waiting)} not dispatched"}
    joined = [w for w in waiting if w["open_event"] is not None]
    escalated = [w for w in joined if _rank(w["level"]) > _rank(w["open_level"])]
    fresh = [w for w in waiting if w["open_event"] is None]
    links = [{"e": str(w["enterprise_id"]), "event": str(w["open_event"]),
              "how": "escalated" if w in escalated else "under_handling"} for w in joined]
    links += _open_events(session, month, rule, fresh, actor_id)
    session.execute(_LINK, {"month": month, "rows": json.dumps(links)})
    _escalate(session, month, escalated)
    return {"dispatched": len(fresh), "escalated": len(escalated),
            "under_handling": len(joined) - len(escalated)}


def _open_events(session: Session, month: date, rule: dict[str, Any],
                 warnings: list[Any], actor_id: int | None) -> list[dict[str, str]]:
    """New event records for these warnings, registered and dispatched to the department."""
    if not warnings:
        return []
    form = validator_of(latest_published(session, "event"))
    writes = []
    for w in warnings:
        data = {"category": rule["category"], "source": rule["source"],
                "description": _description(month, w)[:500],
                "location_description": (w["address"] or w["name"] or "")[:200] or "—"}
        cleaned, errors = form.validate(data)
        if errors:
            raise ValueError(f"the warning model's event does not fit the event form: {errors}")
        writes.append(VersionWrite(uuid.uuid4(), 1, form, cleaned, w["grid_id"], w["lon"],
                                   w["lat"], actor_id, list(cleaned)))
    create_records(session, writes)
    now = datetime.now(timezone.utc)
    limit = time_limit(current_standard(session).definition, rule["category"])
    events = load_events(session, {w.record_id for w in writes}, lock=True)
    for action, options in (("register", {}),
                            ("dispatch", {"department": rule["department"], "time_limit": limit})):
        moves = []
        for event_id, event in events.items():
            after, step = move(event.flow, action, now, **options)
            moves.append(EventMove(event, after, step, now, actor_id, "劳资纠纷预警（系统派遣）"))
        write_moves(session, moves)
        events = load_events(session, set(events))
    return [{"e": str(w["enterprise_id"]), "event": str(write.record_id), "how": "dispatched"}
            for w, write in zip(warnings, writes)]


def _description(month: date, warning: Any) -> str:
    reasons = "；".join(s["reason"] for s in warning["signals"])
    return (f"劳资纠纷预警 {LEVEL_ZH[warning['level']]}（{month_text(month)}，"
            f"得分 {warning['score']:g}）：{warning['name']}（{warning['key']}）。{reasons}")


def _escalate(session: Session, month: date, warnings: list[Any]) -> None:
    if not warnings:
        return
    rows = [{"event": str(w["open_event"]),
             "note": f"预警升级：{LEVEL_ZH[w['open_level']]} → {LEVEL_ZH[w['level']]}"
                     f"（{month_text(month)}）"} for w in warnings]
    session.execute(_ESCALATE, {"rows": json.dumps(rows, ensure_ascii=False)})
    touch_records(session, [uuid.UUID(r["event"]) for r in rows])


def _rank(level: str) -> int:
    return LEVELS.index(level)


_WAITING = text("""
SELECT w.enterprise_id, w.level, w.score, w.signals, w.grid_id, r.key, r.data->>'name' AS name,
       r.data->>'address' AS address, ST_X(r.geometry) AS lon, ST_Y(r.geometry) AS lat,
       prior.event_id AS open_event,
       (CAST(:levels_in_order AS text[]))[seen.top] AS open_level
  FROM warnings w JOIN records r ON r.id = w.enterprise_id
  LEFT JOIN LATERAL (
       SELECT p.event_id FROM warnings p JOIN events e ON e.record_id = p.event_id
        WHERE p.enterprise_id = w.enterprise_id AND p.month <> w.month
          AND e.state <> ALL(CAST(:final AS text[]))
        ORDER BY p.month DESC LIMIT 1) prior ON true
  LEFT JOIN LATERAL (  -- the highest level this event has been reported at
       SELECT max(array_position(CAST(:levels_in_order AS text[]), q.level)) AS top
         FROM warnings q  -- by the enterprise's index: event_id has none
        WHERE q.enterprise_id = w.enterprise_id AND q.event_id = prior.event_id) seen ON true
 WHERE w.month = :month AND w.event_id IS NULL AND w.level = ANY(CAST(:levels AS text[]))
 ORDER BY w.enterprise_id""")
_LINK = text("""
UPDATE warnings w SET event_id = l.event, dispatch = l.how
  FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS l(e uuid, event uuid, how text)
 WHERE w.month = :month AND w.enterprise_id = l.e""")
_ESCALATE = text("""
INSERT INTO event_transitions (event_id, action, from_state, to_state, note)
SELECT x.event, 'escalate', e.state, e.state, x.note
  FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(event uuid, note text)
  JOIN events e ON e.record_id = x.event""")
