"""Where items were captured: inside the collector's grids at captured_at, within GPS accuracy?"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.sync_item import SyncItem
from server.services.covering import covering_grid_id
from server.services.scope import works_in_sql


@dataclass(frozen=True)
class LocationCheck:
    """The verdict on one item's point, and what a reviewer needs to see of it."""

    verdict: str                  # inside | within_tolerance | outside_assigned_grid | outside_district
    grid_id: int | None           # the grid the record belongs to when the point is accepted
    covering_grid_id: int | None  # the grid the point really lies in, if any
    nearest_own_grid_id: int | None
    distance_m: float             # from the nearest grid the collector could work in (0 inside)
    tolerance_m: float
    workable: frozenset[int] = frozenset()  # the grids the collector could work in at captured_at

    @property
    def accepted(self) -> bool:
        """Whether the point is in (or within GPS accuracy of) one of the collector's grids."""
        return self.verdict in ("inside", "within_tolerance")

    def grid_ids(self) -> set[int]:
        """Every grid this check names."""
        return {self.grid_id, self.covering_grid_id, self.nearest_own_grid_id} - {None}  # type: ignore[return-value]

    def as_dict(self, codes: dict[int, str]) -> dict[str, Any]:
        """The check as stored with a conflict and shown to reviewers."""
        return {"verdict": self.verdict, "grid": codes.get(self.grid_id or 0),
                "covering_grid": codes.get(self.covering_grid_id or 0),
                "nearest_assigned_grid": codes.get(self.nearest_own_grid_id or 0),
                "distance_m": round(self.distance_m, 1), "tolerance_m": self.tolerance_m}


_ITEMS = """SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:lons AS float8[]),
                                  CAST(:lats AS float8[]), CAST(:ats AS timestamptz[]))
                     AS t(id, lon, lat, at)"""

# Every point against the grids its collector could work in at its captured_at: one statement
# for the whole batch, answered by the GiST index on the boundaries.
_CHEAP_TEST = text(f"""
WITH point AS (SELECT id, at, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom FROM ({_ITEMS}) i)
SELECT point.id,
       (SELECT g.id FROM assignments a JOIN grids g ON g.id = a.grid_id
         WHERE {works_in_sql("a", ":collector", "point.at")}
           AND ST_Intersects(g.boundary, point.geom)
         ORDER BY g.code LIMIT 1) AS own,
       ARRAY(SELECT a.grid_id FROM assignments a
              WHERE {works_in_sql("a", ":collector", "point.at")}) AS workable
  FROM point""")

# Metre distances (geography) and the covering grid, only for the points that missed.
_NEAREST_OWN = text(f"""
WITH item AS ({_ITEMS})
SELECT item.id, nearest.grid_id, nearest.distance,
       {covering_grid_id("item.lon", "item.lat")} AS covering
  FROM item LEFT JOIN LATERAL (
       SELECT g.id AS grid_id,
              ST_Distance(g.boundary::geography,
                          ST_SetSRID(ST_MakePoint(item.lon, item.lat), 4326)::geography) AS distance
         FROM assignments a JOIN grids g ON g.id = a.grid_id
        WHERE {works_in_sql("a", ":collector", "item.at")}
        ORDER BY distance LIMIT 1) AS nearest ON true""")


def check_locations(session: Session, collector_id: int,
                    items: list[SyncItem]) -> dict[uuid.UUID, LocationCheck]:
    """Judge every item's point: one cheap test against the collector's own grids for all;
    the covering grid and metre distances only for the points that miss."""
    if not items:
        return {}
    rows = session.execute(_CHEAP_TEST, {**_arrays(items), "collector": collector_id}).all()
    own = {row.id: row.own for row in rows}
    workable = {row.id: frozenset(row.workable) for row in rows}
    misses = [item for item in items if own[item.id] is None]
    covering: dict[uuid.UUID, int | None] = {item.id: own[item.id] for item in items}
    nearest = {}
    for row in session.execute(_NEAREST_OWN, {**_arrays(misses), "collector": collector_id}) \
            if misses else ():
        covering[row.id] = row.covering
        if row.grid_id is not None:
            nearest[row.id] = (row.grid_id, row.distance)
    return {item.id: _verdict(item, covering[item.id], own[item.id], nearest.get(item.id),
                              workable[item.id]) for item in items}


def _verdict(item: SyncItem, covering: int | None, own: int | None,
             nearest: tuple[int, float] | None, workable: frozenset[int]) -> LocationCheck:
    tolerance = item.location.tolerance_m
    if own is not None:
        return LocationCheck("inside", own, covering, own, 0.0, tolerance, workable)
    nearest_id, distance = nearest if nearest else (None, float("inf"))
    if nearest_id is not None and distance <= tolerance:
        return LocationCheck("within_tolerance", nearest_id, covering, nearest_id, distance,
                             tolerance, workable)
    verdict = "outside_assigned_grid" if covering is not None else "outside_district"
    return LocationCheck(verdict, None, covering, nearest_id,
                         distance if nearest_id is not None else -1.0, tolerance, workable)


def _arrays(items: list[SyncItem]) -> dict[str, list[Any]]:
    return {"ids": [i.id for i in items], "lons": [i.location.lon for i in items],
            "lats": [i.location.lat for i in items], "ats": [i.captured_at for i in items]}
