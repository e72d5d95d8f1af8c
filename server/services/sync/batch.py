"""The sync use case: a batch from a phone, every item stored raw, then merged or queued."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.item_result import ID_REUSED, ItemResult
from server.errors import NotFound
from server.models import Batch, Grid, Submission, User
from server.services.sync.held import release_held
from server.services.sync.intake import UploadBatch, receive_batch
from server.services.sync.merge import MergeRun, merge_items
from server.services.sync.outcomes import save_outcomes
from server.services.sync.prepare import Prepared, prepare_items


def process_batch(session: Session, collector: User, batch: UploadBatch,
                  now: datetime | None = None) -> dict[str, Any]:
    """Store, check and merge one batch; return ``{batch_id, results}`` in item order."""
    now = now or datetime.now(timezone.utc)
    intake = receive_batch(session, collector.id, batch)
    prepared = prepare_items(session, collector.id, intake.device_id, intake.new, now,
                             intake.forms)
    run = MergeRun(session, now)
    created = merge_items(run, prepared.ready)
    released = release_held(run, created)
    results = _write(run, [prepared, released], audit=(collector.id, intake.batch_id))
    return {"batch_id": str(intake.batch_id), "results": [
        intake.answered.get(i) or results[i].as_dict() for i in intake.order]}


def release_held_updates(session: Session, record_ids: list[uuid.UUID], now: datetime) -> None:
    """Merge the updates held for records that have just come into being (e.g. by a review)."""
    run = MergeRun(session, now)
    _write(run, [release_held(run, record_ids)])


def batch_results(session: Session, collector: User, batch_id: uuid.UUID) -> dict[str, Any]:
    """The results of a stored batch again, as they stand now (held items may have moved on)."""
    batch = session.get(Batch, batch_id)
    if batch is None or batch.collector_id != collector.id:
        raise NotFound(f"No batch {batch_id} of yours.")
    rows = {r.id: r for r in session.execute(
        select(Submission.id, Submission.status, Submission.result)
        .where(Submission.id.in_(batch.item_ids)))}
    results = [ItemResult.stored(i, rows[i].status.value, rows[i].result) if i in rows else
               ItemResult.rejected(i, [ID_REUSED]).as_dict() for i in batch.item_ids]
    return {"batch_id": str(batch_id), "results": results}


def _write(run: MergeRun, checked: list[Prepared], audit: tuple[int, uuid.UUID] | None = None
           ) -> dict[uuid.UUID, ItemResult]:
    """Write the run's record versions and conflicts, and every item's outcome (and audit)."""
    run.writes.flush(run.session, _grid_codes(run.session, run.writes.conflict_grid_ids()))
    results = dict(run.writes.results)
    parsed = {}
    for prepared in checked:
        results.update(prepared.rejected)
        parsed.update(prepared.parsed)
    save_outcomes(run.session, results, parsed, run.now, audit)
    return results


def _grid_codes(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Grid.id, Grid.code).where(Grid.id.in_(ids))).tuples().all())
