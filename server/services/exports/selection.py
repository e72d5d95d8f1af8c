"""Which records an export reads: the kind, the area and the time asked for, within scope."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.errors import Forbidden, Invalid
from server.models import User
from server.services.exports.request import ExportRequest
from server.services.record_rows import RECORD_COLUMNS, RECORD_JOINS
from server.services.scope import readable_kinds, record_scope

# Grid by grid, and by record id within a grid: a stable order that groups a grid's people.
ORDER = "r.grid_id, r.id"


@dataclass(frozen=True)
class Selection:
    """The conditions on ``records r`` and their parameters (``:name``, as in ``text()``)."""

    where: str
    params: dict[str, Any]

    def query(self) -> str:
        """The records, in the shape every record response reads (services.record_rows)."""
        return (f"SELECT {RECORD_COLUMNS} FROM records r {RECORD_JOINS} "
                f"WHERE {self.where} ORDER BY {ORDER}")

    def ids_query(self) -> str:
        """The ids of the selected records (for a set-based access log)."""
        return f"SELECT r.id FROM records r WHERE {self.where}"

    def count(self, session: Session) -> int:
        """How many records the selection holds now."""
        return session.execute(text(f"SELECT count(*) FROM records r WHERE {self.where}"),
                               self.params).scalar_one()


def select_records(session: Session, user: User, request: ExportRequest) -> Selection:
    """The live records of the kind the user may read, in the area and time asked for."""
    kinds = readable_kinds(session, user)
    if kinds is not None and request.kind not in kinds:
        raise Forbidden(f"Your department's grant does not include {request.kind!r} records.",
                        errors=[{"field": "kind", "message": "not granted to your department"}])
    where, params = ["r.kind = :kind", "r.retired_at IS NULL"], {"kind": request.kind}
    grids = record_scope(session, user)
    if request.area is not None:
        grids = _area_in_scope(session, request.area, grids)
    if grids is not None:
        where.append("r.grid_id = ANY(CAST(:grids AS bigint[]))")
        params["grids"] = grids
    if request.updated_since is not None:
        where.append("r.updated_at >= :since")
        params["since"] = request.updated_since
    return Selection(" AND ".join(where), params)


def _area_in_scope(session: Session, code: str, scope: list[int] | None) -> list[int]:
    """The grids of a grid, community or street code that the user may read."""
    area = set(session.scalars(text(
        "SELECT id FROM grids WHERE :code IN (code, community_code, street_code)"),
        {"code": code}))
    if not area:
        raise Invalid(f"No grid, community or street {code!r}.",
                      errors=[{"field": "grid", "message": "no such grid, community or street"}])
    readable = sorted(area if scope is None else area & set(scope))
    if not readable:
        raise Forbidden(f"None of {code}'s records are among those you may read.",
                        errors=[{"field": "grid", "message": "outside the grids you may read"}])
    return readable
