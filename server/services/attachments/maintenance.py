"""Work off the request path: thumbnails made once per photo, and garbage collection of photos
that nothing references (never a referenced one) and of abandoned uploads."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from flask import current_app
from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from server.domain.photos import thumbnail_jpeg
from server.models import Attachment, AttachmentUpload
from server.services.attachments.references import REFERENCED
from server.services.attachments.store import BlobStore, blob_key, store_of, thumb_key
from server.services.jobs import JobContext, enqueue


def make_thumbnail(session: Session, store: BlobStore, sha256: str, edge: int) -> int | None:
    """Make the photo's thumbnail if it has none; its size in bytes (None: no such photo)."""
    stored = session.get(Attachment, sha256)
    if stored is None:
        return None
    if stored.thumb_size is None:
        source, _ = store.open(blob_key(sha256))
        with source:
            thumb = thumbnail_jpeg(source, edge)  # type: ignore[arg-type]
        store.put(thumb_key(sha256), thumb)
        stored.thumb_size = len(thumb)
        session.flush()
    return stored.thumb_size


def thumbnail_job(context: JobContext) -> dict[str, Any]:
    """Job ``attachment_thumbnail``: {sha256}."""
    sha = context.payload["sha256"]
    size = make_thumbnail(context.session, store_of(current_app), sha,  # type: ignore[arg-type]
                          current_app.config["ATTACHMENTS_THUMB_EDGE"])
    return {"sha256": sha, "thumb_size": size}


_UNREFERENCED = f"""
DELETE FROM attachments a
 WHERE a.stored_at < :cutoff AND NOT {REFERENCED.format(sha="a.sha256")}
RETURNING a.sha256"""


def collect_garbage(session: Session, days: float,
                    now: datetime | None = None) -> tuple[list[str], list[Any]]:
    """Forget photos stored more than ``days`` ago that no record version or item references,
    and uploads begun that long ago. Returns (photo hashes, upload ids) whose bytes to delete
    once this transaction has committed (so no reader ever finds a row without its file)."""
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    photos = list(session.scalars(text(_UNREFERENCED), {"cutoff": cutoff}))
    uploads = list(session.scalars(delete(AttachmentUpload)
                                   .where(AttachmentUpload.created_at < cutoff)
                                   .returning(AttachmentUpload.id)))
    return photos, uploads


def delete_bytes(store: BlobStore, photos: list[str], uploads: list[Any]) -> None:
    """Remove the files of collected photos and uploads (after the commit)."""
    for sha in photos:
        store.delete(blob_key(sha))
        store.delete(thumb_key(sha))
    for upload_id in uploads:
        store.discard_partial(upload_id)


def garbage_job(context: JobContext) -> dict[str, Any]:
    """Job ``attachments_gc``: {days?, every_hours?}; with every_hours it queues its next run."""
    days = context.payload.get("days", current_app.config["ATTACHMENTS_GC_DAYS"])
    photos, uploads = collect_garbage(context.session, days)
    context.checkpoint(len(photos) + len(uploads))  # committed: now the bytes may go
    delete_bytes(store_of(current_app), photos, uploads)
    every = context.payload.get("every_hours")
    if every:
        enqueue(context.session, "attachments_gc", context.payload,
                run_after=datetime.now(timezone.utc) + timedelta(hours=every))
    return {"photos_removed": len(photos), "uploads_removed": len(uploads)}
