"""A collector's verification items in a batch: may each one verify its event?

A verification is a submission like any other (form kind ``event_verification``: the event, the
result, a note). Before a batch merges, its verifications are checked against their events in
one query, which also locks those events until the batch commits: the event must be waiting for
verification (``handled``), and the collector must have worked in the event's grid when the
item was captured. The first verification of an event in a batch wins; the record store then
moves the event when it writes the verification record (ledger.after_create).
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.event_workflow import (MOVES, VERIFICATION_KIND, VERIFIED_EVENT_FIELD)
from server.domain.item_result import FieldError, error
from server.services.scope import works_in_sql

_CHECK = text(f"""
WITH v AS (SELECT * FROM unnest(CAST(:items AS uuid[]), CAST(:events AS uuid[]),
                                CAST(:ats AS timestamptz[])) AS v(item_id, event_id, at)),
locked AS MATERIALIZED (
    SELECT record_id, state, grid_id FROM events
     WHERE record_id IN (SELECT event_id FROM v) ORDER BY record_id FOR UPDATE)
SELECT v.item_id, locked.state,
       EXISTS (SELECT 1 FROM assignments a
                WHERE {works_in_sql("a", ":collector", "v.at")} AND a.grid_id = locked.grid_id)
       AS works_there
  FROM v LEFT JOIN locked ON locked.record_id = v.event_id""")


def refused_verifications(session: Session, collector_id: int, items: list[tuple[Any, Any, dict]]
                          ) -> dict[uuid.UUID, list[FieldError]]:
    """The field errors of verification items that may not verify their event (new
    verifications only: an edit of one is a record change without effect on the workflow)."""
    checks = [(item, uuid.UUID(data[VERIFIED_EVENT_FIELD])) for item, form, data in items
              if form.kind == VERIFICATION_KIND and not item.is_update]
    if not checks:
        return {}
    rows = {row.item_id: row for row in session.execute(_CHECK, {
        "items": [i.id for i, _ in checks], "events": [e for _, e in checks],
        "ats": [i.captured_at for i, _ in checks], "collector": collector_id})}
    refused: dict[uuid.UUID, list[FieldError]] = {}
    taken: set[uuid.UUID] = set()
    for item, event_id in sorted(checks, key=lambda c: (c[0].captured_at, c[0].position)):
        row = rows[item.id]
        if row.state not in MOVES["verify"].sources or event_id in taken:
            refused[item.id] = [_not_waiting(row.state if event_id not in taken else "verified")]
        elif not row.works_there:
            refused[item.id] = [error(f"data.{VERIFIED_EVENT_FIELD}", "event.not_your_grid",
                                      "this event lies in a grid you did not work in then",
                                      "该事件不在您当时负责的网格内")]
        else:
            taken.add(event_id)
    return refused


def _not_waiting(state: str | None) -> FieldError:
    return error(f"data.{VERIFIED_EVENT_FIELD}", "event.not_awaiting_verification",
                 f"this event is not waiting for verification (it is {state})",
                 f"该事件当前不在待核查状态（{state}）")
