"""The resource database: records and their full history."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Computed, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


XID_NOW = "CAST(CAST(pg_current_xact_id() AS text) AS bigint)"


class Record(Base):
    """One resident, rental, fixture…: its current version."""

    __tablename__ = "records"
    __table_args__ = (
        # A natural key (ID card number, address code, fixture id) names one active record.
        Index("uq_records_active_key", "kind", "key", unique=True,
              postgresql_where=text("retired_at IS NULL")),
        # The change feed reads in (transaction id, record id) order.
        Index("ix_records_change", "change_xid", "id"),
        Index("ix_records_grid_change", "grid_id", "change_xid", "id"),
        # Search: exact and prefix on the name, whole ID-card/phone numbers, and the name's
        # characters and character pairs for a match within a name (even two characters).
        Index("ix_records_search_name", "search_name",
              postgresql_ops={"search_name": "text_pattern_ops"}),
        # A scoped search (a supervisor's 90 grids) reads only its grids' names; also serves
        # every lookup by grid alone.
        Index("ix_records_grid_name", "grid_id", "search_name",
              postgresql_ops={"search_name": "text_pattern_ops"}),
        Index("ix_records_search_keys", "search_keys", postgresql_using="gin"),
        Index("ix_records_name_grams", "name_grams", postgresql_using="gin"),
        # Nearest records of some kinds (a warning's shelters and resources, KNN) without
        # walking the residents around a point (btree_gist: kind beside the point).
        Index("ix_records_kind_geometry", "kind", "geometry", postgresql_using="gist",
              postgresql_where=text("retired_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int]
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    geometry: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[datetime | None]
    # pg_current_xact_id() of the transaction that last changed the record (see the feed).
    change_xid: Mapped[int] = mapped_column(BigInteger)
    search_name: Mapped[str | None] = mapped_column(Text)
    search_keys: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    name_grams: Mapped[list[str] | None] = mapped_column(
        ARRAY(Text), Computed("zw_name_grams(search_name)", persisted=True))


class RecordVersion(Base):
    """One version of a record, with the submission or review that made it."""

    __tablename__ = "record_versions"
    __table_args__ = (
        # The outbox of webhook deliveries is read in (transaction id, record, version) order.
        Index("ix_record_versions_change", "change_xid", "record_id", "version"),
    )

    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"),
                                                 primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    geometry: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int]
    made_at: Mapped[datetime] = mapped_column(server_default=func.now())
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submission_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    conflict_id: Mapped[int | None] = mapped_column(ForeignKey("conflicts.id"))
    # The offline editing session (device or branch id) whose edit this is.
    branch: Mapped[str | None] = mapped_column(String(128))
    # Fields changed by this version, and those merged automatically past a stale base.
    changed_fields: Mapped[list[str]] = mapped_column(JSONB, default=list)
    auto_merged_fields: Mapped[list[str] | None] = mapped_column(JSONB)
    note: Mapped[str | None]
    # pg_current_xact_id() of the transaction that wrote the version: the history is the
    # transactional outbox of webhook deliveries, read like the change feed (services/webhooks).
    # The record store sets it; the default keeps direct writers (benchmark seeds) right too.
    change_xid: Mapped[int] = mapped_column(BigInteger, server_default=text(XID_NOW))
