"""Background jobs: rows in PostgreSQL, claimed by workers, with progress and a result."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, Identity, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class JobState(str, enum.Enum):
    """Where a job stands."""

    queued = "queued"      # waiting for a worker (again, after a failed attempt with retries left)
    running = "running"    # claimed; its lease says until when the worker answers for it
    done = "done"
    failed = "failed"      # every attempt failed: parked for a person to look at


class Job(Base):
    """One piece of heavy work (an export, an import, a delivery, a monthly run…)."""

    __tablename__ = "jobs"
    __table_args__ = (
        # What a worker looks for: queued jobs that are due, and running ones whose lease ran out.
        Index("ix_jobs_claimable", "run_after", "id",
              postgresql_where=text("state IN ('queued', 'running')")),
        # A periodic job is one row per kind, queued again after each run (jobs/schedule.py).
        Index("uq_jobs_periodic", "kind", unique=True,
              postgresql_where=text("every_seconds IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    state: Mapped[JobState] = mapped_column(Enum(JobState, name="job_state"),
                                            default=JobState.queued)
    progress: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(default=3, server_default="3")
    run_after: Mapped[datetime] = mapped_column(server_default=func.now())
    locked_by: Mapped[str | None] = mapped_column(String(128))
    locked_until: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Periodic jobs: run again this many seconds after each run (None: run once).
    every_seconds: Mapped[int | None]
