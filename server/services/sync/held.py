"""Updates held for records that had not arrived: merged in the transaction that brings them."""
from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import text

from server.services.sync.merge import MergeRun, merge_items
from server.services.sync.prepare import Prepared, RawItems, prepare_items

_HELD = text("""
    SELECT id, collector_id, device_id, raw FROM submissions
     WHERE status = 'held' AND record_id = ANY(CAST(:ids AS uuid[]))
     ORDER BY received_at FOR UPDATE""")


def release_held(run: MergeRun, created: list[uuid.UUID]) -> Prepared:
    """Merge the updates held for records that now exist; what was checked on the way."""
    released = Prepared()
    if not created:
        return released
    held = run.session.execute(_HELD, {"ids": created}).all()
    by_sender: dict[tuple[int, str], RawItems] = defaultdict(dict)
    for position, row in enumerate(held):
        by_sender[(row.collector_id, row.device_id)][row.id] = (position, row.raw)
    for (collector_id, device_id), raw_items in by_sender.items():
        prepared = prepare_items(run.session, collector_id, device_id, raw_items, run.now)
        merge_items(run, prepared.ready)
        released.rejected.update(prepared.rejected)
        released.parsed.update(prepared.parsed)
    return released

