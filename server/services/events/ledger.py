"""Writing events' workflow state and history, set-based, in the transaction of the records.

The record store calls ``after_create`` and ``after_update`` for every set of record writes, so
whichever writer brings an event record (a sync batch, a review) opens its workflow, and
whichever brings a verification record moves its event. ``write_moves`` is the one statement
that moves events and writes their history rows; ``workflow`` uses it for a person's action.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.event_workflow import (CATEGORY_FIELD, DISPATCHED, EVENT_KIND, MOVES, NOTE_FIELD,
                                          REPORT, REPORTED, RESULT_FIELD, VERIFICATION_KIND,
                                          VERIFIED_EVENT_FIELD, Step, Workflow, move)
from server.services.jobs import enqueue

OVERDUE_JOB = "events.flag_overdue"
_OVERDUE_CHECK_SLACK = timedelta(minutes=5)  # one check serves every deadline this close


@dataclass(frozen=True)
class EventState:
    """An event as the workflow sees it: its workflow, where it lies, what kind of problem."""

    id: uuid.UUID
    flow: Workflow
    grid_id: int
    category: str | None


@dataclass(frozen=True)
class EventMove:
    """One move of one event: the workflow before and after, and its history row."""

    event: EventState
    after: Workflow
    step: Step
    at: datetime
    actor_id: int | None
    note: str | None = None
    submission_id: uuid.UUID | None = None

    def row(self) -> dict[str, Any]:
        """The move as one row of ``write_moves``."""
        a, s = self.after, self.step
        return {"event_id": self.event.id, "source": s.source, "state": a.state,
                "department_code": a.department, "dispatched_at": a.dispatched_at,
                "deadline": a.deadline, "handled_at": a.handled_at, "overdue_at": a.overdue_at,
                "closed_at": a.closed_at, "action": s.action, "at": self.at,
                "actor_id": self.actor_id, "note": self.note, "result": s.result,
                "submission_id": self.submission_id, "step_department": s.department,
                "step_deadline": s.deadline, "handling_seconds": s.handling_seconds,
                "on_time": s.on_time}


def load_events(session: Session, ids: set[uuid.UUID], lock: bool = False
                ) -> dict[uuid.UUID, EventState]:
    """The events' workflow states (row-locked when asked, in id order: no deadlocks)."""
    if not ids:
        return {}
    rows = session.execute(text(
        "SELECT record_id, state, department_code, dispatched_at, deadline, handled_at, "
        "overdue_at, closed_at, grid_id, category FROM events "
        "WHERE record_id = ANY(CAST(:ids AS uuid[])) ORDER BY record_id"
        + (" FOR UPDATE" if lock else "")), {"ids": sorted(ids)})
    return {r.record_id: EventState(r.record_id, Workflow(*r[1:8]), r.grid_id, r.category)
            for r in rows}


def after_create(session: Session, writes: list[Any]) -> list[uuid.UUID]:
    """Open the workflow of new event records; apply new verification records to their events.
    ``writes``: the record store's VersionWrites just inserted. Returns the events moved."""
    events = [w for w in writes if w.form.kind == EVENT_KIND]
    if events:
        session.execute(_OPEN, {"rows": _json([{
            "id": w.record_id, "category": w.data.get(CATEGORY_FIELD), "grid_id": w.grid_id,
            "actor": w.created_by or w.made_by, "submission_id": w.submission_id,
            "state": REPORTED, "action": REPORT} for w in events])})
    verifications = [w for w in writes if w.form.kind == VERIFICATION_KIND]
    return _verify(session, verifications) if verifications else []


def after_update(session: Session, writes: list[Any]) -> None:
    """Keep events' category and grid in step with their records' new versions."""
    ids = [w.record_id for w in writes if w.form.kind == EVENT_KIND]
    if ids:
        session.execute(text("""
            UPDATE events e SET category = r.data->>:field, grid_id = r.grid_id
              FROM records r WHERE r.id = e.record_id AND e.record_id = ANY(CAST(:ids AS uuid[]))
               AND (e.category IS DISTINCT FROM r.data->>:field OR e.grid_id <> r.grid_id)"""),
            {"ids": ids, "field": CATEGORY_FIELD})


def _verify(session: Session, writes: list[Any]) -> list[uuid.UUID]:
    """A verification record moves its event, when the event still waits for verification
    (a sync batch has checked that under lock; a review may come too late, and then the
    verification stays a record without effect)."""
    now = datetime.now(timezone.utc)
    events = load_events(session, {uuid.UUID(w.data[VERIFIED_EVENT_FIELD]) for w in writes},
                         lock=True)
    moves, moved = [], set()
    for w in writes:
        event = events.get(uuid.UUID(w.data[VERIFIED_EVENT_FIELD]))
        if event is None or event.id in moved or event.flow.state not in MOVES["verify"].sources:
            continue
        after, step = move(event.flow, "verify", now, result=w.data[RESULT_FIELD])
        moves.append(EventMove(event, after, step, now, w.created_by or w.made_by,
                               w.data.get(NOTE_FIELD), w.submission_id))
        moved.add(event.id)
    return write_moves(session, moves)


def write_moves(session: Session, moves: list[EventMove]) -> list[uuid.UUID]:
    """Move events (at most one move each) and write their history rows, in one statement;
    an event that is no longer where its move starts is left alone. Returns those moved.
    An event (re)dispatched gets an overdue check at its deadline."""
    if not moves:
        return []
    moved = list(session.execute(_MOVE, {"rows": _json([m.row() for m in moves])}).scalars())
    dispatched = [m for m in moves if m.after.state == DISPATCHED and m.event.id in moved]
    _schedule_overdue_checks(session, {max(m.after.deadline, m.at) for m in dispatched
                                       if m.after.deadline is not None})
    return moved


def _schedule_overdue_checks(session: Session, deadlines: set[datetime]) -> None:
    """A queued overdue check at (or just after) each deadline; one check serves deadlines
    within a few minutes of each other."""
    if not deadlines:
        return
    queued = list(session.execute(text(
        "SELECT run_after FROM jobs WHERE kind = :kind AND state = 'queued' "
        "AND run_after >= :first"), {"kind": OVERDUE_JOB, "first": min(deadlines)}).scalars())
    for deadline in sorted(deadlines):
        if not any(deadline < run <= deadline + _OVERDUE_CHECK_SLACK for run in queued):
            run = deadline + timedelta(seconds=1)
            enqueue(session, OVERDUE_JOB, {}, run_after=run)
            queued.append(run)


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, default=str)


_OPEN = text("""
WITH w AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS w(
               id uuid, category text, grid_id bigint, actor bigint, submission_id uuid,
               state text, action text)),
opened AS (
    INSERT INTO events (record_id, state, category, grid_id, reported_by_id)
    SELECT id, state, category, grid_id, actor FROM w
    RETURNING record_id)
INSERT INTO event_transitions (event_id, action, to_state, actor_id, submission_id)
SELECT w.id, w.action, w.state, w.actor, w.submission_id FROM w JOIN opened ON opened.record_id = w.id""")

_MOVE = text("""
WITH m AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS m(
               event_id uuid, source text, state text, department_code text,
               dispatched_at timestamptz, deadline timestamptz, handled_at timestamptz,
               overdue_at timestamptz, closed_at timestamptz, action text, at timestamptz,
               actor_id bigint, note text, result text, submission_id uuid, step_department text,
               step_deadline timestamptz, handling_seconds int, on_time boolean)),
moved AS (
    UPDATE events e
       SET state = m.state, department_code = m.department_code,
           dispatched_at = m.dispatched_at, deadline = m.deadline, handled_at = m.handled_at,
           overdue_at = m.overdue_at, closed_at = m.closed_at, updated_at = m.at
      FROM m WHERE e.record_id = m.event_id AND e.state = m.source
    RETURNING e.record_id),
history AS (
    INSERT INTO event_transitions (event_id, action, from_state, to_state, at, actor_id,
                                   department_code, deadline, note, result, submission_id,
                                   handling_seconds, on_time)
    SELECT m.event_id, m.action, m.source, m.state, m.at, m.actor_id, m.step_department,
           m.step_deadline, m.note, m.result, m.submission_id, m.handling_seconds, m.on_time
      FROM m JOIN moved ON moved.record_id = m.event_id)
SELECT record_id FROM moved""")
