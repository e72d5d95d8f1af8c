"""Importing grid boundaries: check the file, then write every grid in one transaction."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from server.domain.grid_checks import check_grid_collection
from server.domain.grid_simplify import simplify_coverage
from server.errors import Invalid
from server.models import Grid

DEFAULT_SIMPLIFY_M = 10.0
OVERLAP_TOLERANCE_M2 = 1.0


@dataclass
class ImportReport:
    """What an import did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_grids(session: Session, collection: dict[str, Any], *, replace: bool = False,
                 repair: bool = False) -> ImportReport:
    """Check a GeoJSON FeatureCollection and import it; raise Invalid listing every problem."""
    checked = check_grid_collection(collection, repair=repair, tolerance_m2=OVERLAP_TOLERANCE_M2)
    if not checked.ok:
        raise Invalid(f"The grid file has {len(checked.errors)} problem(s); nothing was imported.",
                      errors=[_row_error(e) for e in checked.errors])
    report = ImportReport(warnings=[w.message for w in checked.warnings])
    existing = {g.code: g for g in session.scalars(select(Grid))}
    now = datetime.now(timezone.utc)
    new_rows = []
    for feature in checked.grids:
        row = _grid_row(feature)
        current = existing.get(feature.code)
        if current is None:
            new_rows.append(row)
            report.added.append(feature.code)
        elif _differs(current, row):
            session.execute(update(Grid).where(Grid.id == current.id).values(
                **row, version=Grid.version + 1, retired_at=None, updated_at=now))
            report.changed.append(feature.code)
        else:
            report.unchanged.append(feature.code)
    if new_rows:
        session.execute(insert(Grid), new_rows)
    if replace:
        report.retired = _retire_missing(session, {f.code for f in checked.grids}, now)
    session.flush()
    session.expire_all()
    _refuse_overlaps_with_kept_grids(session)
    refresh_derived(session)
    return report


def refresh_derived(session: Session, tolerance_m: float = DEFAULT_SIMPLIFY_M) -> None:
    """Recompute what is derived from the active coverage: simplified boundaries, neighbours."""
    grids = session.scalars(select(Grid).where(Grid.retired_at.is_(None)).order_by(Grid.id)).all()
    simplified = simplify_coverage([to_shape(g.boundary) for g in grids], tolerance_m)
    for grid, shape in zip(grids, simplified):
        grid.boundary_simplified = from_shape(shape, srid=4326)
    session.flush()
    session.execute(text("DELETE FROM grid_neighbours"))
    session.execute(text("""
        INSERT INTO grid_neighbours (grid_id, neighbour_id)
        SELECT a.id, b.id FROM grids a JOIN grids b
          ON a.id <> b.id AND ST_Intersects(a.boundary, b.boundary)
         WHERE a.retired_at IS NULL AND b.retired_at IS NULL"""))


def _grid_row(feature: Any) -> dict[str, Any]:
    geometry = feature.geometry
    return {
        "code": feature.code, "name": feature.name,
        "street_code": feature.street_code, "street_name": feature.street_name,
        "community_code": feature.community_code, "community_name": feature.community_name,
        "boundary": from_shape(geometry, srid=4326),
        "boundary_simplified": from_shape(geometry, srid=4326),
        "boundary_sha256": hashlib.sha256(geometry.wkb).hexdigest(),
    }


def _differs(grid: Grid, row: dict[str, Any]) -> bool:
    names = ("name", "street_code", "street_name", "community_code", "community_name")
    return (grid.boundary_sha256 != row["boundary_sha256"] or grid.retired_at is not None
            or any(getattr(grid, n) != row[n] for n in names))


def _retire_missing(session: Session, codes: set[str], now: datetime) -> list[str]:
    """Grids absent from a replacing file are retired, never deleted: records keep their grid."""
    retired = session.scalars(
        update(Grid).where(Grid.code.not_in(codes), Grid.retired_at.is_(None))
        .values(retired_at=now, version=Grid.version + 1, updated_at=now)
        .returning(Grid.code)).all()
    return sorted(retired)


def _refuse_overlaps_with_kept_grids(session: Session) -> None:
    """A partial import must not overlap the grids already there (the file check cannot see them)."""
    rows = session.execute(text("""
        SELECT a.code, b.code, ST_Area(ST_Intersection(a.boundary, b.boundary)::geography)
          FROM grids a JOIN grids b ON a.id < b.id AND ST_Intersects(a.boundary, b.boundary)
                           AND NOT ST_Touches(a.boundary, b.boundary)
         WHERE a.retired_at IS NULL AND b.retired_at IS NULL""")).all()
    overlaps = [r for r in rows if r[2] > OVERLAP_TOLERANCE_M2]
    if overlaps:
        raise Invalid("Imported grids overlap grids already in the database; nothing was imported.",
                      errors=[{"field": f"grids.{a}", "code": "overlap",
                               "message": f"{a} overlaps {b} by {area:.1f} m²"}
                              for a, b, area in overlaps])


def _row_error(error: Any) -> dict[str, Any]:
    return {"field": f"features[{error.index}]" if error.index is not None else "file",
            "code": error.problem, "grid": error.code, "message": error.message}


__all__ = ["ImportReport", "import_grids", "refresh_derived"]
