"""The sync use case: a batch from a phone, every item stored raw, then merged or queued."""
from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import Assignment, Batch, Grid, Submission, User
from server.services.assignments import WORKING_KINDS
from server.services.audit import record_audit
from server.services.sync_intake import check_batch_shape, first_result, receive_batch
from server.services.sync_merge import MergeRun, merge_items
from server.services.sync_prepare import Prepared, prepare_items
from server.services.sync_store import json_rows


def process_batch(session: Session, collector: User, body: Any,
                  now: datetime | None = None) -> dict[str, Any]:
    """Store, check and merge one batch; return ``{batch_id, results}`` in item order."""
    now = now or datetime.now(timezone.utc)
    canonical = check_batch_shape(body)
    intake = receive_batch(session, collector.id, body, canonical)
    prepared = prepare_items(session, collector.id, intake.device_id, intake.new, now)
    run = MergeRun(session, now, _working_assignments(session, {collector.id}))
    created = merge_items(run, prepared.ready)
    _release_held(session, run, created, now)
    run.writes.flush(session, _grid_codes(session, run))
    outcomes = _outcomes(run, prepared)
    _save_outcomes(session, outcomes, prepared, run, now)
    _audit(session, collector, intake.batch_id, outcomes)
    results = [intake.answered.get(i) or outcomes[i] for i in intake.order]
    return {"batch_id": str(intake.batch_id), "results": results}


def batch_results(session: Session, collector: User, batch_id: uuid.UUID) -> dict[str, Any]:
    """The results of a stored batch again, as they stand now (held items may have moved on)."""
    batch = session.get(Batch, batch_id)
    if batch is None or batch.collector_id != collector.id:
        raise NotFound(f"No batch {batch_id} of yours.")
    rows = {r.id: r for r in session.execute(
        select(Submission.id, Submission.status, Submission.result)
        .where(Submission.id.in_(batch.item_ids)))}
    results = [first_result(i, rows[i].status, rows[i].result) if i in rows else
               {"id": str(i), "status": "rejected", "errors": [{"field": "id", "code": "id_reused",
                "message": "this item id was already used for other content",
                "message_zh": "该条目编号已用于其他内容"}]}
               for i in batch.item_ids]
    return {"batch_id": str(batch_id), "results": results}


def release_held_updates(session: Session, record_ids: list[uuid.UUID], now: datetime) -> None:
    """Merge the updates held for records that have just come into being (e.g. by a review)."""
    run = MergeRun(session, now, {})
    _release_held(session, run, record_ids, now)
    run.writes.flush(session, _grid_codes(session, run))
    _save_outcomes(session, dict(run.writes.results), Prepared(), run, now)


def _outcomes(run: MergeRun, prepared: Prepared) -> dict[uuid.UUID, dict[str, Any]]:
    outcomes = dict(run.writes.results)
    for item_id, errors in prepared.rejected.items():
        outcomes[item_id] = {"id": str(item_id), "status": "rejected", "errors": errors}
    return outcomes


def _release_held(session: Session, run: MergeRun, created: list[uuid.UUID],
                  now: datetime) -> None:
    """Updates held for records that now exist are merged in this same transaction."""
    if not created:
        return
    held = session.execute(text("""
        SELECT id, collector_id, device_id, raw FROM submissions
         WHERE status = 'held' AND record_id = ANY(CAST(:ids AS uuid[]))
         ORDER BY received_at FOR UPDATE"""), {"ids": created}).all()
    if not held:
        return
    by_collector: dict[tuple[int, str], dict[uuid.UUID, tuple[int, dict[str, Any]]]] = (
        defaultdict(dict))
    for position, row in enumerate(held):
        by_collector[(row.collector_id, row.device_id)][row.id] = (position, row.raw)
    run.workable.update(_working_assignments(session, {c for c, _ in by_collector}))
    for (collector_id, device_id), raw_items in by_collector.items():
        prepared = prepare_items(session, collector_id, device_id, raw_items, now)
        merge_items(run, prepared.ready)
        for item_id, errors in prepared.rejected.items():
            run.writes.results[item_id] = {"id": str(item_id), "status": "rejected",
                                           "errors": errors}


def _save_outcomes(session: Session, outcomes: dict[uuid.UUID, dict[str, Any]],
                   prepared: Prepared, run: MergeRun, now: datetime) -> None:
    """One statement writes every item's status, result and parsed envelope."""
    if not outcomes:
        return
    ids = list(outcomes)
    parsed = {**prepared.parsed, **{i: r.item for i, r in run.writes.items.items()}}
    def pick(item_id: uuid.UUID, attribute: str) -> Any:
        item = parsed.get(item_id)
        return getattr(item, attribute) if item else None
    rows = [{"id": i, "status": outcomes[i]["status"], "result": outcomes[i],
             "form_id": pick(i, "form_id"), "form_version": pick(i, "form_version"),
             "record_id": _record_id(outcomes[i], pick(i, "record_id")),
             "base_version": pick(i, "base_version"), "branch": pick(i, "branch"),
             "captured_at": pick(i, "captured_at"),
             "lon": parsed[i].location.lon if i in parsed else None,
             "lat": parsed[i].location.lat if i in parsed else None} for i in ids]
    session.execute(text(_SAVE_OUTCOMES), {"rows": json_rows(rows), "now": now})


def _record_id(outcome: dict[str, Any], given: uuid.UUID | None) -> uuid.UUID | None:
    return uuid.UUID(outcome["record_id"]) if outcome.get("record_id") else given


_SAVE_OUTCOMES = """
UPDATE submissions AS s
   SET status = CAST(u.status AS submission_status), result = u.result, form_id = u.form_id,
       form_version = u.form_version, record_id = u.record_id, base_version = u.base_version,
       branch = u.branch, captured_at = u.captured_at, processed_at = :now,
       point = CASE WHEN u.lon IS NULL THEN NULL
                    ELSE ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326) END
  FROM jsonb_to_recordset(CAST(:rows AS jsonb))
       AS u(id uuid, status text, result jsonb, form_id text, form_version int, record_id uuid,
            base_version int, branch text, captured_at timestamptz, lon float8, lat float8)
 WHERE s.id = u.id"""


def _working_assignments(session: Session, collector_ids: set[int]
                         ) -> dict[int, list[tuple[int, datetime, datetime | None]]]:
    rows = session.execute(select(Assignment.user_id, Assignment.grid_id, Assignment.valid_from,
                                  Assignment.valid_to)
                           .where(Assignment.user_id.in_(collector_ids),
                                  Assignment.kind.in_(WORKING_KINDS)))
    working: dict[int, list[tuple[int, datetime, datetime | None]]] = defaultdict(list)
    for user_id, grid_id, start, end in rows:
        working[user_id].append((grid_id, start, end))
    return working


def _grid_codes(session: Session, run: MergeRun) -> dict[int, str]:
    ids: set[int] = set()
    for conflict in run.writes.conflicts:
        check = conflict["location_check"]
        ids |= {check.grid_id, check.covering_grid_id, check.nearest_own_grid_id} - {None}
    if not ids:
        return {}
    return dict(session.execute(select(Grid.id, Grid.code).where(Grid.id.in_(ids))).tuples().all())


def _audit(session: Session, collector: User, batch_id: uuid.UUID,
           outcomes: dict[uuid.UUID, dict[str, Any]]) -> None:
    """One audit entry per batch, naming every merged record version and every conflict."""
    merged = [f"{o['record_id']}@{o['version']}" for o in outcomes.values()
              if o["status"] == "merged"]
    conflicts = [o["conflict_id"] for o in outcomes.values() if o["status"] == "conflict"]
    counts: dict[str, int] = defaultdict(int)
    for outcome in outcomes.values():
        counts[outcome["status"]] += 1
    record_audit(session, "sync_batch", actor_id=collector.id, subject=str(batch_id),
                 details={"counts": dict(counts), "merged": merged, "conflicts": conflicts})


__all__ = ["batch_results", "process_batch", "release_held_updates"]
