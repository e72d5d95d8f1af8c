"""Events' workflow (the event itself is a record of kind ``event``), its history, its standard."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class Event(Base):
    """Where an event stands in the workflow (see domain/event_workflow.py); one per record."""

    __tablename__ = "events"
    __table_args__ = (
        # The board: a state's events, overdue (earliest deadline) first.
        Index("ix_events_state_deadline", "state", "deadline"),
        Index("ix_events_grid_state", "grid_id", "state"),
        Index("ix_events_department_state", "department_code", "state", "deadline"),
    )

    record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    # Kept in step with the record by the record store, for the board's filters.
    category: Mapped[str | None] = mapped_column(String(64))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    reported_at: Mapped[datetime] = mapped_column(server_default=func.now())
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The department it is (or was last) dispatched to, since when, and until when.
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    dispatched_at: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
    overdue_at: Mapped[datetime | None]  # flagged by the overdue job
    closed_at: Mapped[datetime | None]   # closed or rejected
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class EventTransition(Base):
    """One row of an event's history: who moved it, when, from which state to which, and why."""

    __tablename__ = "event_transitions"
    __table_args__ = (
        Index("ix_event_transitions_event", "event_id", "id"),
        # Department performance per month: handlings and returns, read from the index alone.
        Index("ix_event_transitions_performance", "at",
              postgresql_include=["action", "department_code", "on_time", "handling_seconds"],
              postgresql_where=text("action IN ('handle', 'return')")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.record_id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    deadline: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(16))       # a verification's result
    submission_id: Mapped[uuid.UUID | None]                      # the phone's item, if any
    handling_seconds: Mapped[int | None]
    on_time: Mapped[bool | None]


class EventStandard(Base):
    """One immutable version of the event handling standard (time limits per category)."""

    __tablename__ = "event_standards"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
