"""The overdue job: flag events whose department let the deadline pass without handling them.

Queued at each dispatch for its deadline (ledger.write_moves); each run flags every event due
by then, in chunks, and writes an ``overdue`` row in each one's history. Running it again
flags nothing twice. The board does not wait for it: it reads overdue from the deadline.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import text

from server.domain.event_workflow import DISPATCHED, OVERDUE
from server.services.jobs import JobContext

CHUNK = 1000

_FLAG = text("""
WITH due AS (
    SELECT record_id FROM events
     WHERE state = :dispatched AND deadline < now() AND overdue_at IS NULL
     ORDER BY deadline LIMIT :chunk FOR UPDATE SKIP LOCKED),
flagged AS (
    UPDATE events e SET overdue_at = e.deadline FROM due WHERE e.record_id = due.record_id
    RETURNING e.record_id, e.deadline, e.department_code),
history AS (
    INSERT INTO event_transitions (event_id, action, from_state, to_state, at, department_code,
                                   deadline)
    SELECT record_id, :overdue, :dispatched, :dispatched, deadline, department_code, deadline
      FROM flagged)
SELECT count(*) FROM flagged""")


def flag_overdue(context: JobContext) -> dict[str, Any]:
    """Flag the events past their deadline; the result says how many."""
    flagged = context.job.progress.get("done", 0) if context.job.progress else 0
    while True:
        count = context.session.execute(_FLAG, {"chunk": CHUNK, "dispatched": DISPATCHED,
                                                "overdue": OVERDUE}).scalar_one()
        flagged += count
        context.checkpoint(flagged)
        if count < CHUNK:
            return {"flagged": flagged}
