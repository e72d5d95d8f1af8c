"""Decision support: enterprises' monthly indicators, the warning model, warnings, the economy."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, Numeric, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class IndicatorValue(Base):
    """One enterprise's value of one indicator in one month (the first day stands for it), as
    the latest import of that month delivered it; earlier deliveries live in the history."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        # The monthly run reads a month (and the six before it) for every enterprise.
        Index("ix_indicator_values_month", "month", "indicator"),
    )

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(server_default=func.now())


class IndicatorHistory(Base):
    """A value a later import of the same month replaced (or dropped), kept for the record."""

    __tablename__ = "indicator_history"
    __table_args__ = (Index("ix_indicator_history_key", "enterprise_id", "indicator", "month"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(32))
    month: Mapped[date]
    value: Mapped[Decimal] = mapped_column(Numeric)
    department_code: Mapped[str | None] = mapped_column(String(32))
    import_id: Mapped[int | None]
    imported_at: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(server_default=func.now())
    replaced_by_import: Mapped[int | None]


class WarningModel(Base):
    """One immutable version of the warning model (signals, weights, level bands), as data."""

    __tablename__ = "warning_models"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class WarningRun(Base):
    """The latest run of a month: which model, when, and what it found."""

    __tablename__ = "warning_runs"

    month: Mapped[date] = mapped_column(primary_key=True)
    model_version: Mapped[int] = mapped_column(ForeignKey("warning_models.version"))
    ran_at: Mapped[datetime] = mapped_column(server_default=func.now())
    ran_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")


class EnterpriseWarning(Base):
    """An enterprise's warning for a month: its level, score, the signals that fired (with the
    numbers behind them), and the event it was dispatched as (or escalated into)."""

    __tablename__ = "warnings"
    __table_args__ = (
        Index("ix_warnings_enterprise", "enterprise_id", "month"),
        Index("ix_warnings_month_grid", "month", "grid_id", "level"),
    )

    month: Mapped[date] = mapped_column(primary_key=True)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    level: Mapped[str] = mapped_column(String(8))
    score: Mapped[Decimal] = mapped_column(Numeric)
    signals: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    model_version: Mapped[int] = mapped_column(ForeignKey("warning_models.version"))
    event_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("events.record_id", ondelete="SET NULL"))
    dispatch: Mapped[str | None] = mapped_column(String(16))  # dispatched|escalated|under_handling


class EconomyMonth(Base):
    """One area's economic indicators for a month (area: a community, a street, the district)."""

    __tablename__ = "economy_months"

    area: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    area_level: Mapped[str] = mapped_column(String(16))  # community|street|district
    enterprises: Mapped[int]
    energy: Mapped[Decimal | None] = mapped_column(Numeric)
    activity: Mapped[Decimal | None] = mapped_column(Numeric)
    new_enterprises: Mapped[int]
    exited_enterprises: Mapped[int]
    growth_index: Mapped[Decimal | None] = mapped_column(Numeric)
    trend_down: Mapped[bool] = mapped_column(default=False, server_default="false")
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
