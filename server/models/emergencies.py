"""Typhoon and rainstorm prevention: plans (versioned data), declared warnings, check tasks."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (BigInteger, ForeignKey, Identity, Index, Integer, String, Text,
                        func, text)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class EmergencyPlan(Base):
    """One immutable version of a hazard's emergency plan (see domain/emergency_plan.py)."""

    __tablename__ = "emergency_plans"

    hazard: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Emergency(Base):
    """A declared warning: a hazard at a level over the district or a street, until stood down."""

    __tablename__ = "emergencies"
    __table_args__ = (
        # At most one active warning per hazard and area.
        Index("uq_emergencies_active", "hazard", "area_code", unique=True,
              postgresql_where=text("stood_down_at IS NULL"), postgresql_nulls_not_distinct=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    hazard: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    plan_version: Mapped[int]
    area_code: Mapped[str | None] = mapped_column(String(32))   # None: the whole district
    area_name: Mapped[str] = mapped_column(String(128))
    declared_at: Mapped[datetime] = mapped_column(server_default=func.now())
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    level_changed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    stood_down_at: Mapped[datetime | None]
    stood_down_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class EmergencyTask(Base):
    """A check of one facility asked of the collectors of its grid during a warning."""

    __tablename__ = "emergency_tasks"
    __table_args__ = (
        # One open check per facility and warning (raising the level extends it).
        Index("uq_emergency_tasks_open", "emergency_id", "record_id", unique=True,
              postgresql_where=text("state = 'open'")),
        Index("ix_emergency_tasks_emergency_state", "emergency_id", "state"),
        Index("ix_emergency_tasks_grid_state", "grid_id", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergencies.id", ondelete="CASCADE"))
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"))
    kind: Mapped[str] = mapped_column(String(32))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    level: Mapped[str] = mapped_column(String(16))      # the level that asked for it
    actions: Mapped[list[str]] = mapped_column(ARRAY(Text))
    departments: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # The collectors (primary and roving) working in the grid when the task was made.
    assignees: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    # The nearest shelters and resources: [{id, kind, name, distance_m}], nearest first.
    nearest: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(String(16))      # open | done | closed
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[str | None] = mapped_column(String(16))
    evacuated: Mapped[int | None] = mapped_column(Integer)
    sheltered: Mapped[int | None] = mapped_column(Integer)
    check_id: Mapped[uuid.UUID | None]                  # the check record that did it
    closed_at: Mapped[datetime | None]


class EmergencyNotice(Base):
    """A department told of a warning level: which classes of its facilities are activated."""

    __tablename__ = "emergency_notices"
    __table_args__ = (Index("ix_emergency_notices_department", "department_code", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergencies.id", ondelete="CASCADE"),
                                              index=True)
    department_code: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))       # declared | raised | lowered | stood_down
    classes: Mapped[dict[str, Any]] = mapped_column(JSONB)  # class -> {actions, facilities}
    at: Mapped[datetime] = mapped_column(server_default=func.now())
