"""Receiving a batch: store the batch and every new item raw, before anything else."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.domain.item_result import ID_REUSED, ItemResult, duplicate_of
from server.errors import Forbidden, Invalid
from server.models import Batch, FormStatus, Submission
from server.services.forms import FormRef
from server.services.sync.prepare import RawItems


@dataclass(frozen=True)
class UploadBatch:
    """A batch as the API parsed it: its id, the device, and the raw items in order."""

    batch_id: uuid.UUID
    device_id: str
    items: list[dict[str, Any]]


@dataclass
class Intake:
    """The batch's items split into new ones (stored, to process) and answered ones."""

    batch_id: uuid.UUID
    device_id: str
    order: list[uuid.UUID]
    new: RawItems = field(default_factory=dict)
    answered: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    forms: dict[tuple[str, int], FormRef] = field(default_factory=dict)  # the versions named


def receive_batch(session: Session, collector_id: int, batch: UploadBatch) -> Intake:
    """Store the batch and its new items raw (one statement); answer replays from what was
    stored."""
    canonical = _canonical_items(batch.items)
    order = [uuid.UUID(item["id"]) for item in batch.items]
    intake = Intake(batch.batch_id, batch.device_id, order)
    hashes = {i: hashlib.sha256(c.encode()).hexdigest() for i, c in zip(order, canonical)}
    rows = ",".join(f'{{"id":"{i}","sha":"{hashes[i]}","raw":{c}}}'
                    for i, c in zip(order, canonical))
    stored = session.execute(text(_STORE_RAW), {
        "rows": f"[{rows}]", "batch": batch.batch_id, "device": batch.device_id,
        "collector": collector_id, "ids": order,
        "envelope": json.dumps({"batch_id": str(batch.batch_id),
                                "device_id": batch.device_id}, ensure_ascii=False)}).one()
    if not stored.new_batch:
        _extend_batch(session, batch, collector_id, order)
    intake.forms = {(f["form_id"], f["version"]): _form_ref(f) for f in stored.forms}
    inserted = set(stored.inserted)
    for position, item in enumerate(batch.items):
        if order[position] in inserted:
            intake.new[order[position]] = (position, item)
    _answer_seen(session, intake, collector_id, hashes)
    _keep_refused_items(session, intake, batch.items)
    return intake


def _canonical_items(items: list[dict[str, Any]]) -> list[str]:
    """Each item's canonical JSON (sorted keys), refusing the batch when one cannot be stored:
    jsonb refuses \\u0000, and UTF-8 has no lone surrogates."""
    canonical, problems = [], []
    for index, item in enumerate(items):
        try:
            text_form = json.dumps(item, sort_keys=True, ensure_ascii=False,
                                   separators=(",", ":"), allow_nan=False)
            text_form.encode("utf-8")
        except (UnicodeEncodeError, ValueError, TypeError):
            text_form = "\\u0000"
        if "\\u0000" in text_form:
            problems.append({"field": f"items[{index}]", "message":
                             "holds a NUL character or a broken surrogate, which cannot be stored"})
        canonical.append(text_form)
    if problems:
        raise Invalid("The batch is malformed; nothing was stored.", errors=problems)
    return canonical


def _form_ref(found: dict[str, Any]) -> FormRef:
    retired = found["retired_at"]
    return FormRef(found["id"], found["form_id"], found["version"], found["sha256"],
                   FormStatus(found["status"]), datetime.fromisoformat(retired) if retired else None)


# The batch row and its new items in one statement: a batch id seen before keeps its row
# (a replay, or more items of an interrupted batch: see _extend_batch). The same round trip
# looks up the form versions the items name (compared as text: an item may name anything).
_STORE_RAW = """
WITH t AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id uuid, sha text, raw jsonb)),
batch AS (
    INSERT INTO batches (id, device_id, collector_id, item_ids, raw)
    VALUES (:batch, :device, :collector, CAST(:ids AS uuid[]), CAST(:envelope AS jsonb))
    ON CONFLICT (id) DO NOTHING
    RETURNING id),
stored AS (
    INSERT INTO submissions (id, batch_id, device_id, collector_id, raw, content_sha256, status)
    SELECT t.id, :batch, :device, :collector, t.raw, t.sha, 'received' FROM t
    ON CONFLICT (id) DO NOTHING
    RETURNING id),
named AS (SELECT DISTINCT raw->>'form' AS form_id, raw->>'form_version' AS version FROM t)
SELECT EXISTS (SELECT 1 FROM batch) AS new_batch, ARRAY(SELECT id FROM stored) AS inserted,
       ARRAY(SELECT jsonb_build_object('id', f.id, 'form_id', f.form_id, 'version', f.version,
                                       'sha256', f.sha256, 'status', f.status,
                                       'retired_at', f.retired_at)
               FROM form_versions f
               JOIN named ON named.form_id = f.form_id
                         AND named.version = CAST(f.version AS text)) AS forms"""


def _extend_batch(session: Session, batch: UploadBatch, collector_id: int,
                  order: list[uuid.UUID]) -> None:
    """A batch id seen before: only its own collector may send it again; new ids are added."""
    owner = session.scalar(select(Batch.collector_id).where(Batch.id == batch.batch_id)
                           .with_for_update())
    if owner != collector_id:
        raise Forbidden("This batch id belongs to another collector.")
    session.execute(text("""
        UPDATE batches SET item_ids = item_ids || ARRAY(
            SELECT i FROM unnest(CAST(:ids AS uuid[])) i WHERE i <> ALL(item_ids))
        WHERE id = :id"""), {"ids": order, "id": batch.batch_id})


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
        first = ItemResult.stored(row.id, row.status.value, row.result)
        if row.content_sha256 != hashes[row.id] or row.collector_id != collector_id:
            intake.answered[row.id] = ItemResult.rejected(row.id, [ID_REUSED]).as_dict()
        elif row.batch_id == intake.batch_id:
            intake.answered[row.id] = first
        else:
            intake.answered[row.id] = duplicate_of(first)
