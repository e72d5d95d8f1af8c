"""Photos: blobs stored by content (SHA-256), uploads in progress, and who references them."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (BigInteger, ForeignKey, ForeignKeyConstraint, Index, String, func)
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class Attachment(Base):
    """A blob that has arrived, was verified against its hash and is a readable image."""

    __tablename__ = "attachments"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(64))
    width: Mapped[int]
    height: Mapped[int]
    stored_at: Mapped[datetime] = mapped_column(server_default=func.now())
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The small JPEG, made once by a job after the blob arrives (None until then).
    thumb_size: Mapped[int | None] = mapped_column(BigInteger)


class AttachmentUpload(Base):
    """A tus upload in progress: its bytes are a partial file in the store, invisible to
    readers; the offset is the partial's size."""

    __tablename__ = "attachment_uploads"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    length: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class RecordVersionPhoto(Base):
    """A photo a record version references (pending until its blob arrives): written with the
    version by the record store."""

    __tablename__ = "record_version_photos"
    __table_args__ = (
        ForeignKeyConstraint(["record_id", "version"],
                             ["record_versions.record_id", "record_versions.version"],
                             name="fk_record_version_photos_version", ondelete="CASCADE"),
        Index("ix_record_version_photos_sha256", "sha256"),
    )

    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))


class SubmissionPhoto(Base):
    """A photo an item referenced once its data passed the form: keeps the blob of a conflict
    or a held item readable by its reviewer and its sender, and safe from garbage collection."""

    __tablename__ = "submission_photos"
    __table_args__ = (Index("ix_submission_photos_sha256", "sha256"),)

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
