"""The one rule for which grid covers a point."""
from __future__ import annotations


def covering_grid_id(lon: str, lat: str) -> str:
    """SQL for the id of the active grid covering (lon, lat), given as SQL expressions.

    Inside a grid, that grid; on an edge or corner shared by several, the lowest code, so every
    point belongs to exactly one grid. NULL outside the district.
    """
    return f"""(SELECT g.id FROM grids g, ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326) AS point
         WHERE g.retired_at IS NULL AND ST_Intersects(g.boundary, point)
         ORDER BY ST_Contains(g.boundary, point) DESC, g.code LIMIT 1)"""
