"""Simplifying a tiling of grids for display, so that neighbours keep sharing their borders."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from server.domain.grid_checks import M_PER_DEG_LAT, as_multipolygon


def simplify_coverage(geoms: Sequence[shapely.Geometry], tolerance_m: float) -> list[MultiPolygon]:
    """Simplify a tiling of grids by about ``tolerance_m`` metres; neighbours keep shared borders.

    The tolerance becomes degrees with a degree of latitude (the longer one here), so no vertex
    moves by more than about ``tolerance_m`` in any direction. GEOS >= 3.12 does it natively
    (Visvalingam-Whyatt on the coverage); older GEOS gets the same guarantee from simplifying
    each shared border once (Douglas-Peucker, junctions kept) and rebuilding the faces.
    """
    tolerance = tolerance_m / M_PER_DEG_LAT
    if _has_coverage_simplify():
        simplified = list(shapely.coverage_simplify(np.asarray(geoms, dtype=object), tolerance))
    else:
        simplified = _simplify_borders(list(geoms), tolerance)
    return [as_multipolygon(g) for g in simplified]


def _has_coverage_simplify() -> bool:
    return shapely.geos_version >= (3, 12, 0) and hasattr(shapely, "coverage_simplify")


def _simplify_borders(geoms: list[shapely.Geometry], tolerance: float) -> list[MultiPolygon]:
    """Simplify every border between junctions once, then polygonize and give faces back."""
    if not geoms:
        return []
    borders = shapely.line_merge(shapely.union_all(shapely.boundary(geoms)))
    exact = list(shapely.get_parts(borders))
    simple = list(shapely.simplify(exact, tolerance, preserve_topology=True))
    simple = _undo_crossings(simple, exact)
    faces = shapely.get_parts(shapely.polygonize(simple))
    tree = shapely.STRtree(geoms)
    face_idx, grid_idx = tree.query(faces, predicate="intersects")
    shared = shapely.area(shapely.intersection(faces[face_idx], np.take(geoms, grid_idx)))
    owner: dict[int, tuple[float, int]] = {}
    for f, g, a in zip(face_idx.tolist(), grid_idx.tolist(), shared.tolist(), strict=True):
        if a > owner.get(f, (0.0, -1))[0]:
            owner[f] = (a, g)
    parts: list[list[Polygon]] = [[] for _ in geoms]
    for f, (a, g) in owner.items():
        if a > faces[f].area / 2:  # a face that is mostly no grid's was a gap: keep it a gap
            parts[g].append(faces[f])
    return [MultiPolygon(p) for p in parts]


def _undo_crossings(lines: list[shapely.Geometry],
                    exact: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Put back the exact border wherever a simplified one meets another off their junctions."""
    lines = list(lines)
    while True:
        left, right = shapely.STRtree(lines).query(lines, predicate="intersects")
        pairs = left < right
        a, b = np.take(lines, left[pairs]), np.take(lines, right[pairs])
        junctions = shapely.intersection(shapely.boundary(a), shapely.boundary(b))
        bad = ~shapely.is_empty(shapely.difference(shapely.intersection(a, b), junctions))
        crossing = {*left[pairs][bad].tolist(), *right[pairs][bad].tolist()}
        undo = [i for i in crossing if lines[i] is not exact[i]]
        if not undo:  # nothing left to undo: the exact borders themselves meet like this
            return lines
        for i in undo:
            lines[i] = exact[i]
