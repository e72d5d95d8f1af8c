"""Published form definitions: immutable versions of each form."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, Identity, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class FormStatus(str, enum.Enum):
    """Whether a version may still be used for new captures."""

    published = "published"
    retired = "retired"


class FormVersion(Base):
    """One immutable version of a form; its sha256 is its ETag."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_id", "version", name="uq_form_versions_form_version"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[dict[str, Any]] = mapped_column(JSONB)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[FormStatus] = mapped_column(Enum(FormStatus, name="form_status"),
                                               default=FormStatus.published)
    published_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[datetime | None]
