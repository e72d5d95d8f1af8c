"""What phones send: batches, and every item in them, stored raw before processing."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String, Uuid, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class SubmissionStatus(str, enum.Enum):
    """Where an item stands."""

    received = "received"
    merged = "merged"
    conflict = "conflict"
    rejected = "rejected"
    held = "held"


class Batch(Base):
    """One upload from a phone, kept whole as it arrived."""

    __tablename__ = "batches"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(128))
    collector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Submission(Base):
    """One item ever received, raw, with its outcome."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_held", "record_id", postgresql_where="status = 'held'"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(128))
    collector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB)
    content_sha256: Mapped[str] = mapped_column(String(64))
    form_id: Mapped[str | None] = mapped_column(String(64))
    form_version: Mapped[int | None]
    record_id: Mapped[uuid.UUID | None]
    base_version: Mapped[int | None]
    branch: Mapped[str | None] = mapped_column(String(128))
    captured_at: Mapped[datetime | None]
    point: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False),
                                       nullable=True)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    status: Mapped[SubmissionStatus] = mapped_column(
        Enum(SubmissionStatus, name="submission_status"))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    processed_at: Mapped[datetime | None]


class ConflictKind(str, enum.Enum):
    """Why an item could not be merged on its own."""

    stale_edit = "stale_edit"
    possible_duplicate = "possible_duplicate"
    outside_assigned_grid = "outside_assigned_grid"
    outside_district = "outside_district"
    record_retired = "record_retired"


class ConflictStatus(str, enum.Enum):
    """Open until a reviewer resolves it."""

    open = "open"
    resolved = "resolved"


class Conflict(Base):
    """An item waiting for a supervisor's decision, with what the reviewer needs to decide."""

    __tablename__ = "conflicts"
    __table_args__ = (Index("ix_conflicts_open_grid", "grid_id", "created_at",
                            postgresql_where="status = 'open'"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submissions.id"), unique=True)
    record_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("records.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    # The grid the submission's point lies in, when that is another grid: its supervisors
    # review the conflict too, and only they (or administrators) may place a record there.
    point_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    collector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[ConflictKind] = mapped_column(Enum(ConflictKind, name="conflict_kind"))
    status: Mapped[ConflictStatus] = mapped_column(
        Enum(ConflictStatus, name="conflict_status"), default=ConflictStatus.open)
    base: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    current: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    incoming: Mapped[dict[str, Any]] = mapped_column(JSONB)
    changed_fields: Mapped[list[str]] = mapped_column(JSONB, default=list)
    location_check: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    record_version_at_open: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claim_expires_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    note: Mapped[str | None]
