"""Grids (基础网格) and who is assigned to work in or supervise them."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Enum, ForeignKey, Identity, Index, String, func, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base
from server.models.users import User


class Grid(Base):
    """A base grid: the area one collector is responsible for."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    street_code: Mapped[str | None] = mapped_column(String(32))
    street_name: Mapped[str | None] = mapped_column(String(64))
    community_code: Mapped[str | None] = mapped_column(String(32))
    community_name: Mapped[str | None] = mapped_column(String(64))
    # The exact boundary: every validation uses it.
    boundary: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))
    # Simplified once at import, as a coverage (neighbours keep sharing their edges): for display.
    boundary_simplified: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))
    boundary_sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    retired_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class GridNeighbour(Base):
    """Two active grids that touch; recomputed at every import."""

    __tablename__ = "grid_neighbours"

    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"),
                                         primary_key=True)
    neighbour_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"),
                                              primary_key=True)


class AssignmentKind(str, enum.Enum):
    """How a user is tied to a grid."""

    primary = "primary"        # the grid's own collector; one at a time
    roving = "roving"          # roving staff, moved grid by grid by a supervisor
    supervises = "supervises"  # a supervisor reviewing the grid's conflicts


class Assignment(Base):
    """A user's assignment to a grid during a validity window [valid_from, valid_to)."""

    __tablename__ = "assignments"
    __table_args__ = (
        # One primary collector per grid at any instant; one roving post per user at any instant.
        ExcludeConstraint(("grid_id", "="), (text("tstzrange(valid_from, valid_to)"), "&&"),
                          where=text("kind = 'primary'"), name="one_primary_per_grid",
                          using="gist"),
        ExcludeConstraint(("user_id", "="), (text("tstzrange(valid_from, valid_to)"), "&&"),
                          where=text("kind = 'roving'"), name="one_roving_post_per_user",
                          using="gist"),
        Index("ix_assignments_user_window", "user_id", "valid_from"),
        Index("ix_assignments_grid_window", "grid_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    kind: Mapped[AssignmentKind] = mapped_column(Enum(AssignmentKind, name="assignment_kind"))
    valid_from: Mapped[datetime] = mapped_column(server_default=func.now())
    valid_to: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    grid: Mapped[Grid] = relationship()
