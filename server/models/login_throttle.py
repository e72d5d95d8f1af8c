"""Counters of failed sign-ins, shared by every app process (see domain/login_throttle.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class LoginThrottle(Base):
    """Failed sign-ins of one account, one address, or one account from one address."""

    __tablename__ = "login_throttles"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # pair, address, account
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    last_failure_at: Mapped[datetime | None] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
