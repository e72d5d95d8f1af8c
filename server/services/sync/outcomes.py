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
from server.services.audit import AUDIT_CTE, audit_params
from server.services.record_store import json_rows


def save_outcomes(session: Session, results: dict[uuid.UUID, ItemResult],
                  parsed: dict[uuid.UUID, SyncItem], now: datetime,
                  audit: tuple[int, uuid.UUID] | None = None) -> None:
    """One statement writes every item's status, result and parsed envelope, and the batch's
    audit entry (``audit``: the collector and the batch) naming every merged record version
    and every conflict."""
    if not results and audit is None:
        return
    rows = [_row(result, parsed.get(item_id)) for item_id, result in results.items()]
    params = {"rows": json_rows(rows), "now": now}
    statement = _SAVE_OUTCOMES
    if audit is not None:
        statement = f"WITH {AUDIT_CTE}{_SAVE_OUTCOMES}"
        params |= audit_params("sync_batch", actor_id=audit[0], subject=str(audit[1]),
                               details=_audit_details(results))
    session.execute(text(statement), params)


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


def _audit_details(results: dict[uuid.UUID, ItemResult]) -> dict[str, Any]:
    return {"counts": dict(Counter(r.status for r in results.values())),
            "merged": [f"{r.record_id}@{r.version}" for r in results.values()
                       if r.status == "merged"],
            "conflicts": [r.conflict_id for r in results.values() if r.status == "conflict"]}
