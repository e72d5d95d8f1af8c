"""Departments that read the resource database, what each is granted, and who read what."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class Department(Base):
    """A department (民政, 公安, 劳动, 城管…) whose staff read according to its grant."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Grant(Base):
    """What a department may read: record kinds, grids, and each form field's level."""

    __tablename__ = "grants"

    department_code: Mapped[str] = mapped_column(
        ForeignKey("departments.code", ondelete="CASCADE"), primary_key=True)
    # Record kinds readable; grids as "all" or a list of street, community or grid codes;
    # fields as {form_id: {field: hidden|masked|visible}} (unlisted fields: the default policy).
    kinds: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    grids: Mapped[Any] = mapped_column(JSONB)
    fields: Mapped[dict[str, dict[str, str]]] = mapped_column(JSONB, default=dict,
                                                            server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AccessEntry(Base):
    """One read that revealed personal data in clear (or a number search): who, when, why."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_user_action_at", "user_id", "action", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(200))
    record_count: Mapped[int] = mapped_column(default=0, server_default="0")
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")


class AccessRecord(Base):
    """A record an access-log entry revealed: answers "who looked this person up"."""

    __tablename__ = "access_log_records"

    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    access_id: Mapped[int] = mapped_column(
        ForeignKey("access_log.id", ondelete="CASCADE"), primary_key=True, index=True)
