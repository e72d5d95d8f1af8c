"""Writing every item's outcome: status, result and parsed envelope, and the batch's audit."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.item_result import ItemResult
from server.domain.sync_item import SyncItem
from server.services.audit import record_audit
from server.services.record_store import json_rows


def save_outcomes(session: Session, results: dict[uuid.UUID, ItemResult],
                  parsed: dict[uuid.UUID, SyncItem], now: datetime) -> None:
    """One statement writes every item's status, result and parsed envelope."""
    if not results:
        return
    rows = [_row(result, parsed.get(item_id)) for item_id, result in results.items()]
    session.execute(text(_SAVE_OUTCOMES), {"rows": json_rows(rows), "now": now})


def _row(result: ItemResult, item: SyncItem | None) -> dict[str, Any]:
    row: dict[str, Any] = {"id": result.id, "status": result.status, "result": result.as_dict(),
                           "record_id": result.record_id}
    if item is not None:
        row.update(form_id=item.form_id, form_version=item.form_version,
                   record_id=result.record_id or item.record_id, base_version=item.base_version,
                   branch=item.branch, captured_at=item.captured_at, lon=item.location.lon,
                   lat=item.location.lat)
    return row


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


def audit_batch(session: Session, collector_id: int, batch_id: uuid.UUID,
                results: dict[uuid.UUID, ItemResult]) -> None:
    """One audit entry per batch, naming every merged record version and every conflict."""
    merged = [f"{r.record_id}@{r.version}" for r in results.values() if r.status == "merged"]
    conflicts = [r.conflict_id for r in results.values() if r.status == "conflict"]
    counts = Counter(r.status for r in results.values())
    record_audit(session, "sync_batch", actor_id=collector_id, subject=str(batch_id),
                 details={"counts": dict(counts), "merged": merged, "conflicts": conflicts})
