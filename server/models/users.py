"""Users, their roles and their refresh tokens."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Identity, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base


class Role(str, enum.Enum):
    """What a user is allowed to do, before grid assignments narrow it."""

    collector = "collector"
    supervisor = "supervisor"
    admin = "admin"
    viewer = "viewer"


class User(Base):
    """A person who signs in: collector, supervisor, administrator or department viewer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[Role] = mapped_column(Enum(Role, name="user_role", native_enum=True))
    password_hash: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")
    # Department staff (viewers) read what their department is granted.
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    refresh_tokens: Mapped[list[RefreshToken]] = relationship(back_populates="user")


class RefreshToken(Base):
    """One refresh token of a rotation family; only its SHA-256 is stored."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    device_id: Mapped[str | None] = mapped_column(String(128))

    user: Mapped[User] = relationship(back_populates="refresh_tokens")
