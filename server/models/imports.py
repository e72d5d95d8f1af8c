"""Bulk imports: the rows an import job refused, kept for its report."""
from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class ImportRejection(Base):
    """One row of an imported file that was rejected, with its errors (field and column each).

    Written with the chunk of rows it belongs to, in the same transaction as the job's progress,
    so a resumed job neither loses nor repeats one; the job's result lists the first of them.
    """

    __tablename__ = "import_rejections"

    job_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("jobs.id", ondelete="CASCADE"),
                                        primary_key=True)
    row: Mapped[int] = mapped_column(primary_key=True)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
