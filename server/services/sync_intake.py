"""Receiving a batch: store the batch and every new item raw, before anything else."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from server.domain.sync_item import error
from server.errors import Forbidden, Invalid, TooLarge
from server.models import Batch, Submission, SubmissionStatus

MAX_ITEMS = 500


@dataclass
class Intake:
    """The batch's items split into new ones (stored, to process) and answered ones."""

    batch_id: uuid.UUID
    device_id: str
    order: list[uuid.UUID]
    new: dict[uuid.UUID, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    answered: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)


def check_batch_shape(body: Any, max_items: int = MAX_ITEMS) -> list[str]:
    """Refuse a malformed batch as a whole (nothing is stored then); the items' canonical JSON."""
    if not isinstance(body, dict):
        raise Invalid("The batch must be a JSON object.", errors=[
            {"field": "body", "message": "must be an object {batch_id, device_id, items}"}])
    problems = []
    if not _is_uuid(body.get("batch_id")):
        problems.append({"field": "batch_id", "message": "must be a UUID"})
    device = body.get("device_id")
    if not isinstance(device, str) or not 0 < len(device) <= 128:
        problems.append({"field": "device_id", "message": "must be a text of 1 to 128 characters"})
    items = body.get("items")
    if not isinstance(items, list) or not items:
        problems.append({"field": "items", "message": "must be a non-empty list"})
    elif len(items) > max_items:
        raise TooLarge(f"A batch may hold at most {max_items} items; this one has {len(items)}. "
                       "Split it into smaller batches.", max_items=max_items)
    canonical: list[str] = []
    if not problems:
        problems += _item_envelope_problems(items, canonical)
    if problems:
        raise Invalid("The batch is malformed; nothing was stored.", errors=problems)
    return canonical


def _item_envelope_problems(items: list[Any], canonical: list[str]) -> list[dict[str, str]]:
    problems, seen = [], set()
    for index, item in enumerate(items):
        text_form = _canonical(item)
        if not isinstance(item, dict):
            problems.append({"field": f"items[{index}]", "message": "must be an object"})
        elif not _is_uuid(item.get("id")):
            problems.append({"field": f"items[{index}].id", "message": "must be a UUID"})
        elif str(uuid.UUID(item["id"])) in seen:
            problems.append({"field": f"items[{index}].id", "message": "appears twice in the batch"})
        elif text_form is None:
            problems.append({"field": f"items[{index}]", "message":
                             "holds a NUL character or a broken surrogate, which cannot be stored"})
        else:
            seen.add(str(uuid.UUID(item["id"])))
            canonical.append(text_form)
    return problems


def _canonical(item: Any) -> str | None:
    """The item's canonical JSON, or None when PostgreSQL could not store it (jsonb refuses
    \\u0000, and UTF-8 has no lone surrogates)."""
    try:
        text_form = json.dumps(item, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        text_form.encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError):
        return None
    return None if "\\u0000" in text_form else text_form


def receive_batch(session: Session, collector_id: int, body: dict[str, Any],
                  canonical: list[str]) -> Intake:
    """Store the batch and its new items raw; answer replays from what was stored."""
    batch_id, device_id = uuid.UUID(body["batch_id"]), body["device_id"]
    items = body["items"]
    order = [uuid.UUID(item["id"]) for item in items]
    _store_batch(session, batch_id, device_id, collector_id, order, body)
    intake = Intake(batch_id, device_id, order)
    hashes = {i: hashlib.sha256(c.encode()).hexdigest() for i, c in zip(order, canonical)}
    rows = ",".join(f'{{"id":"{i}","sha":"{hashes[i]}","raw":{c}}}'
                    for i, c in zip(order, canonical))
    inserted = set(session.scalars(text(_STORE_RAW), {
        "rows": f"[{rows}]", "batch": batch_id, "device": device_id,
        "collector": collector_id}))
    for position, item in enumerate(items):
        if order[position] in inserted:
            intake.new[order[position]] = (position, item)
    _answer_seen(session, intake, collector_id, hashes)
    _keep_refused_items(session, intake, items)
    return intake


_STORE_RAW = """
INSERT INTO submissions (id, batch_id, device_id, collector_id, raw, content_sha256, status)
SELECT t.id, :batch, :device, :collector, t.raw, t.sha, 'received'
  FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id uuid, sha text, raw jsonb)
ON CONFLICT (id) DO NOTHING
RETURNING id"""


def _store_batch(session: Session, batch_id: uuid.UUID, device_id: str, collector_id: int,
                 order: list[uuid.UUID], body: dict[str, Any]) -> None:
    """Keep the batch's envelope and item order (items are stored as submissions)."""
    envelope = {k: v for k, v in body.items() if k != "items"}
    stored = session.execute(
        insert(Batch).values(id=batch_id, device_id=device_id, collector_id=collector_id,
                             item_ids=order, raw=envelope)
        .on_conflict_do_nothing(index_elements=["id"]).returning(Batch.id)).scalar()
    if stored is not None:
        return
    owner = session.scalar(select(Batch.collector_id).where(Batch.id == batch_id).with_for_update())
    if owner != collector_id:
        raise Forbidden("This batch id belongs to another collector.")
    session.execute(text("""
        UPDATE batches SET item_ids = item_ids || ARRAY(
            SELECT i FROM unnest(CAST(:ids AS uuid[])) i WHERE i <> ALL(item_ids))
        WHERE id = :id"""), {"ids": order, "id": batch_id})


def _keep_refused_items(session: Session, intake: Intake, items: list[dict[str, Any]]) -> None:
    """An item refused for reusing an id cannot be stored as a submission: keep it on the batch."""
    refused = [item for item, item_id in zip(items, intake.order)
               if intake.answered.get(item_id, {}).get("status") == "rejected"]
    if refused:
        session.execute(text("""
            UPDATE batches SET raw = jsonb_set(raw, '{refused_items}',
                coalesce(raw->'refused_items', '[]') || CAST(:items AS jsonb))
            WHERE id = :id"""), {"items": json.dumps(refused, ensure_ascii=False),
                                 "id": intake.batch_id})


def _answer_seen(session: Session, intake: Intake, collector_id: int,
                 hashes: dict[uuid.UUID, str]) -> None:
    """Items stored before: the first result again, or a refusal when the content differs."""
    seen_ids = [i for i in intake.order if i not in intake.new]
    if not seen_ids:
        return
    stored = session.execute(select(Submission.id, Submission.batch_id, Submission.collector_id,
                                    Submission.content_sha256, Submission.status,
                                    Submission.result).where(Submission.id.in_(seen_ids))).all()
    for row in stored:
        if row.content_sha256 != hashes[row.id] or row.collector_id != collector_id:
            intake.answered[row.id] = {"id": str(row.id), "status": "rejected", "errors": [error(
                "id", "id_reused", "this item id was already used for other content",
                "该条目编号已用于其他内容")]}
        elif row.batch_id == intake.batch_id:
            intake.answered[row.id] = first_result(row.id, row.status, row.result)
        else:
            first = first_result(row.id, row.status, row.result)
            intake.answered[row.id] = {**{k: v for k, v in first.items() if k != "status"},
                                       "status": "duplicate", "first": first}


def first_result(item_id: uuid.UUID, status: SubmissionStatus,
                 result: dict[str, Any] | None) -> dict[str, Any]:
    """The stored result of an item (still 'received' only if processing never finished)."""
    return result or {"id": str(item_id), "status": status.value}


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(value)
        return isinstance(value, str)
    except (TypeError, ValueError, AttributeError):
        return False
