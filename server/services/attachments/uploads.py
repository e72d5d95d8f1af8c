"""tus 1.0 uploads of photos (core, creation, checksum): create, report the offset, append,
and accept the finished bytes only when they hash to the announced SHA-256 and are an image.

The offset is the partial's size in the store: what arrived before a cut is kept, and the
client resumes from there. The same photo twice is stored once: an upload of a stored photo is
complete at creation, and a second copy finishing later is dropped at promotion.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from server.domain.photos import BadUpload, inspect_image, parse_upload_metadata
from server.errors import Conflict, DomainError, Invalid, NotFound, TooLarge
from server.models import Attachment, AttachmentUpload, User
from server.services.attachments.store import BlobStore, StorageFull, blob_key
from server.services.jobs import enqueue

CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}


class ChecksumMismatch(DomainError):
    """tus checksum extension: the bytes do not hash to what the client announced."""

    status, type, title = 460, "checksum-mismatch", "Checksum mismatch"


class NoRoom(DomainError):
    """The photo store is full: nothing half-written is visible; try again later."""

    status, type, title = 507, "insufficient-storage", "Insufficient storage"


class Locked(DomainError):
    """Another request is appending to this upload right now."""

    status, type, title = 423, "locked", "Upload busy"


@dataclass(frozen=True)
class UploadState:
    """Where an upload stands: its offset of its length."""

    id: uuid.UUID
    offset: int
    length: int
    sha256: str

    @property
    def complete(self) -> bool:
        """Whether every byte has arrived (and the photo is stored)."""
        return self.offset >= self.length


def create_upload(session: Session, store: BlobStore, user: User, length: str | None,
                  metadata: str | None, max_bytes: int, body: Iterable[bytes] | None = None,
                  checksum: str | None = None) -> UploadState:
    """A new upload of ``length`` bytes for the announced photo (complete at once if stored),
    with its first bytes when a ``body`` came along (creation-with-upload)."""
    state = _create(session, user, length, metadata, max_bytes)
    if body is None or state.complete:
        return state
    try:
        return append_chunk(session, store, user, state.id, "0", body, checksum)
    except BaseException:
        # The client never learnt this upload's URL, so it starts again with a new one.
        store.discard_partial(state.id)
        raise


def _create(session: Session, user: User, length: str | None, metadata: str | None,
            max_bytes: int) -> UploadState:
    size = _length(length, max_bytes)
    try:
        announced = parse_upload_metadata(metadata)
    except BadUpload as error:
        raise Invalid(str(error), errors=[{"field": error.field, "message": str(error)}]) from None
    stored = session.get(Attachment, announced.sha256)
    if stored is not None and stored.size != size:
        raise Invalid(f"This photo is stored with {stored.size} bytes, not {size}.",
                      errors=[{"field": "Upload-Length", "message": "does not match the photo"}])
    upload = AttachmentUpload(id=uuid.uuid4(), sha256=announced.sha256, length=size,
                              content_type=announced.content_type, created_by_id=user.id)
    session.add(upload)
    session.flush()
    return UploadState(upload.id, size if stored else 0, size, upload.sha256)


def upload_state(session: Session, store: BlobStore, user: User,
                 upload_id: uuid.UUID) -> UploadState:
    """The upload's offset: the length once the photo is stored, else what has arrived."""
    upload = _own_upload(session, user, upload_id)
    stored = session.get(Attachment, upload.sha256) is not None
    offset = upload.length if stored else store.partial_size(upload.id)
    return UploadState(upload.id, offset, upload.length, upload.sha256)


def append_chunk(session: Session, store: BlobStore, user: User, upload_id: uuid.UUID,
                 offset: str | None, body: Iterable[bytes], checksum: str | None) -> UploadState:
    """Append a PATCH body at ``offset``; verify and store the photo when it is complete."""
    try:
        return _append(session, store, user, upload_id, offset, body, checksum)
    except StorageFull:
        raise NoRoom("The photo store is full. What arrived is kept as far as it was written; "
                     "try again later.") from None


def _append(session: Session, store: BlobStore, user: User, upload_id: uuid.UUID,
            offset: str | None, body: Iterable[bytes], checksum: str | None) -> UploadState:
    at = _offset(offset)
    _lock(session, upload_id)
    state = upload_state(session, store, user, upload_id)
    if at != state.offset:
        raise Conflict(f"The upload is at offset {state.offset}, not {at}.",
                       offset=state.offset)
    if state.complete:
        return state
    expected = _checksum(checksum)
    digest = CHECKSUM_ALGORITHMS[expected[0]]() if expected else None
    remaining = _Remaining(body, state.length - at, digest)
    try:
        new_offset = store.append_partial(upload_id, remaining)
    except BaseException:
        if digest is not None:  # a cut chunk cannot be checked: drop it whole
            store.truncate_partial(upload_id, at)
        raise
    if remaining.overflow:
        store.truncate_partial(upload_id, at)
        raise TooLarge("The body goes past the announced Upload-Length.")
    if expected and digest is not None and digest.digest() != expected[1]:
        store.truncate_partial(upload_id, at)
        raise ChecksumMismatch(f"The chunk does not match its {expected[0]} Upload-Checksum; "
                               "it was not kept.")
    state = UploadState(upload_id, new_offset, state.length, state.sha256)
    if state.complete:
        _accept(session, store, user, upload_id)
    return state


def _accept(session: Session, store: BlobStore, user: User, upload_id: uuid.UUID) -> None:
    """Every byte is here: hash, decode, then make it the blob (or refuse and forget it)."""
    upload = _own_upload(session, user, upload_id)
    try:
        with store.open_partial(upload_id) as partial:
            digest = hashlib.sha256()
            for block in iter(lambda: partial.read(1 << 20), b""):
                digest.update(block)
            if digest.hexdigest() != upload.sha256:
                raise ChecksumMismatch("The photo's bytes do not hash to the announced sha256; "
                                       "nothing was kept. Upload it again.")
            partial.seek(0)
            info = inspect_image(partial)
    except (ChecksumMismatch, BadUpload) as error:
        store.discard_partial(upload_id)  # the upload starts again from offset 0, if at all
        if isinstance(error, BadUpload):
            raise Invalid(f"Not accepted: {error}", errors=[{"field": error.field,
                                                             "message": str(error)}]) from None
        raise
    store.promote(upload_id, blob_key(upload.sha256))
    inserted = session.execute(insert(Attachment).values(
        sha256=upload.sha256, size=upload.length, content_type=info.content_type,
        width=info.width, height=info.height, uploaded_by_id=user.id)
        .on_conflict_do_nothing().returning(Attachment.sha256)).scalar()
    if inserted:
        enqueue(session, "attachment_thumbnail", {"sha256": upload.sha256}, user_id=user.id)


class _Remaining:
    """The body, at most ``limit`` bytes of it (more is an overflow), digested on the way."""

    def __init__(self, body: Iterable[bytes], limit: int, digest: object) -> None:
        self.body, self.limit, self.digest, self.overflow = body, limit, digest, False

    def __iter__(self) -> Iterator[bytes]:
        left = self.limit
        for chunk in self.body:
            if len(chunk) > left:
                self.overflow = True
                return
            left -= len(chunk)
            if self.digest is not None:
                self.digest.update(chunk)  # type: ignore[attr-defined]
            yield chunk


def _own_upload(session: Session, user: User, upload_id: uuid.UUID) -> AttachmentUpload:
    upload = session.get(AttachmentUpload, upload_id)
    if upload is None or upload.created_by_id != user.id:
        raise NotFound(f"No upload {upload_id} of yours.")
    return upload


def _lock(session: Session, upload_id: uuid.UUID) -> None:
    """One PATCH at a time per upload, across every app server."""
    got = session.execute(text("SELECT pg_try_advisory_xact_lock(hashtextextended(:id, 1))"),
                          {"id": str(upload_id)}).scalar()
    if not got:
        raise Locked("Another request is sending this upload; try again in a moment.")


def _length(value: str | None, max_bytes: int) -> int:
    if value is None or not value.isdigit():
        raise Invalid("Upload-Length must be given as a whole number of bytes.",
                      errors=[{"field": "Upload-Length", "message": "required, an integer"}])
    size = int(value)
    if size < 1:
        raise Invalid("An empty photo cannot be uploaded.",
                      errors=[{"field": "Upload-Length", "message": "must be at least 1"}])
    if size > max_bytes:
        raise TooLarge(f"The photo has {size} bytes; this server accepts at most {max_bytes} "
                       "(Tus-Max-Size).", max_bytes=max_bytes)
    return size


def _offset(value: str | None) -> int:
    if value is None or not value.isdigit():
        raise Invalid("Upload-Offset must be given as a whole number of bytes.",
                      errors=[{"field": "Upload-Offset", "message": "required, an integer"}])
    return int(value)


def _checksum(header: str | None) -> tuple[str, bytes] | None:
    """``Upload-Checksum: <algorithm> <base64 digest>``, or None when absent."""
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise Invalid(f"Unsupported checksum algorithm {algorithm!r}.",
                      errors=[{"field": "Upload-Checksum",
                               "message": "one of " + ", ".join(CHECKSUM_ALGORITHMS)}])
    try:
        return algorithm, base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise Invalid("Upload-Checksum is not base64.",
                      errors=[{"field": "Upload-Checksum", "message": "not base64"}]) from None


def stale_uploads(session: Session, before: object) -> list[uuid.UUID]:
    """Uploads begun before ``before``, removed with their partials by garbage collection."""
    return list(session.scalars(select(AttachmentUpload.id)
                                .where(AttachmentUpload.created_at < before)))
