"""A made-up base map for the demo district, consistent with its grids (no real streets).

Grid edges become local roads, community edges wider roads and street edges (and the district
outline) arterials, as grid boundaries follow roads in a real district; lanes cross the grids,
building footprints fill the blocks between them, and a river, ponds and parks fill the rest.
Everything is derived from the grids' GeoJSON and a seed, so the same input always gives the
same map. Geometry is built in metres around the district's centre and returned in lon/lat.
"""
from __future__ import annotations

import math
import zlib
from collections import defaultdict
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

SEED = 2017
LAYERS = ("water", "green", "buildings", "lanes", "roads", "secondary", "arterials")
M_PER_DEG_LAT = 110_574.0


class Local:
    """An equirectangular plane in metres around (lon0, lat0): exact enough for a district."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.m_per_deg_lon = 111_320.0 * math.cos(math.radians(lat0))

    def to_metres(self, geometry: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geometry, lambda c: np.column_stack(
            [(c[:, 0] - self.lon0) * self.m_per_deg_lon, (c[:, 1] - self.lat0) * M_PER_DEG_LAT]))

    def to_degrees(self, geometries: np.ndarray) -> np.ndarray:
        return shapely.transform(geometries, lambda c: np.column_stack(
            [c[:, 0] / self.m_per_deg_lon + self.lon0, c[:, 1] / M_PER_DEG_LAT + self.lat0]))


def synthetic_map(collection: dict[str, Any], seed: int = SEED) -> dict[str, np.ndarray]:
    """The layers of the demo base map (name → array of lon/lat geometries)."""
    grids = [(f["properties"], shape(f["geometry"])) for f in collection["features"]]
    minx, miny, maxx, maxy = shapely.total_bounds([g for _, g in grids])
    local = Local((minx + maxx) / 2, (miny + maxy) / 2)
    grids = sorted(((p, local.to_metres(g)) for p, g in grids), key=lambda pg: pg[0]["code"])
    rng = np.random.default_rng(seed)
    district = shapely.union_all([g for _, g in grids])
    water = _water(rng, district, grids)
    parks = _parks(rng, grids)
    lanes = {p["code"]: _lanes(_rng_of(seed, p["code"]), g) for p, g in grids}
    avenues = _cross_arterials(district)
    blocked = shapely.union_all([water, *parks.values(), *(a.buffer(20) for a in avenues)])
    layers: dict[str, list[BaseGeometry]] = {
        "water": [water],
        "green": list(parks.values()),
        "buildings": [b for p, g in grids if p["code"] not in parks or _partial(parks, p, g)
                      for b in _buildings(_rng_of(seed, p["code"]), g, lanes[p["code"]], blocked)],
        "lanes": [line for found in lanes.values() for line in found],
        "roads": [shapely.union_all([g.boundary for _, g in grids])],
        "secondary": [_edges(grids, "community_code")],
        "arterials": [shapely.union_all([_edges(grids, "street_code"), district.boundary,
                                         *avenues])],
    }
    for name in ("roads", "secondary", "arterials"):  # long lines: fewer ends to draw
        layers[name] = list(shapely.get_parts(shapely.line_merge(layers[name][0])))
    return {name: local.to_degrees(np.array(layers[name], dtype=object)) for name in LAYERS}


def _rng_of(seed: int, code: str) -> np.random.Generator:
    """A generator of its own per grid: one grid's map does not depend on the others'."""
    return np.random.default_rng([seed, zlib.crc32(code.encode())])


def _edges(grids: list[tuple[dict[str, Any], BaseGeometry]], key: str) -> BaseGeometry:
    """The boundaries between groups of grids (communities, streets), as one linework."""
    groups: dict[str, list[BaseGeometry]] = defaultdict(list)
    for properties, grid in grids:
        groups[properties[key]].append(grid)
    return shapely.union_all([shapely.union_all(members).boundary for members in groups.values()])


def _cross_arterials(district: BaseGeometry) -> list[BaseGeometry]:
    """Two straight avenues across the district, as a planned new town has."""
    reach = 20_000
    lines = [LineString([(-reach * math.cos(a), -reach * math.sin(a)),
                         (reach * math.cos(a), reach * math.sin(a))])
             for a in (math.radians(14), math.radians(101))]
    return [district.intersection(line) for line in lines]


def _water(rng: np.random.Generator, district: BaseGeometry,
           grids: list[tuple[dict[str, Any], BaseGeometry]]) -> BaseGeometry:
    """A river meandering west to east and a few ponds."""
    minx, miny, maxx, maxy = district.bounds
    xs = np.linspace(minx - 500, maxx + 500, 200)
    phase = rng.uniform(0, 2 * math.pi)
    ys = (miny + maxy) / 2 - 1_800 + 900 * np.sin(xs / 2_300 + phase) + 300 * np.sin(xs / 700)
    river = LineString(np.column_stack([xs, ys])).buffer(28, quad_segs=4)
    centres = [grids[i][1].representative_point() for i in rng.choice(len(grids), 7, replace=False)]
    ponds = [shapely.affinity.scale(Point(c).buffer(1, quad_segs=6), *rng.uniform(35, 90, 2))
             for c in centres]
    return shapely.union_all([river, *ponds]).intersection(district)


def _parks(rng: np.random.Generator,
           grids: list[tuple[dict[str, Any], BaseGeometry]]) -> dict[str, BaseGeometry]:
    """Green space: a few whole grids (hillside park) and a patch in some others."""
    parks: dict[str, BaseGeometry] = {}
    for properties, grid in grids:
        draw = rng.uniform()
        if draw < 0.04:
            parks[properties["code"]] = grid.buffer(-10)
        elif draw < 0.14:
            centre = grid.representative_point()
            patch = centre.buffer(math.sqrt(grid.area) * rng.uniform(0.15, 0.3), quad_segs=6)
            parks[properties["code"]] = patch.intersection(grid.buffer(-12))
    return {code: park for code, park in parks.items() if not park.is_empty}


def _partial(parks: dict[str, BaseGeometry], properties: dict[str, Any],
             grid: BaseGeometry) -> bool:
    """Whether a grid's park leaves room for buildings (a patch, not the whole grid)."""
    return parks[properties["code"]].area < 0.5 * grid.area


def _lanes(rng: np.random.Generator, grid: BaseGeometry) -> list[BaseGeometry]:
    """One or two lanes across the grid, along and across its main direction."""
    angle = _orientation(grid)
    centre = grid.representative_point()
    lanes = []
    for turn in (0.0, math.pi / 2)[: 1 + int(rng.uniform() < 0.6)]:
        a = angle + turn + rng.uniform(-0.08, 0.08)
        offset = rng.uniform(-0.15, 0.15) * math.sqrt(grid.area)
        cx, cy = centre.x - offset * math.sin(a), centre.y + offset * math.cos(a)
        line = LineString([(cx - 3_000 * math.cos(a), cy - 3_000 * math.sin(a)),
                           (cx + 3_000 * math.cos(a), cy + 3_000 * math.sin(a))])
        lane = grid.intersection(line)
        if not lane.is_empty:
            lanes.append(lane)
    return lanes


def _orientation(grid: BaseGeometry) -> float:
    """The direction (radians) of the longer side of the grid's minimum rotated rectangle."""
    corners = np.asarray(grid.minimum_rotated_rectangle.exterior.coords)
    sides = np.diff(corners[:3], axis=0)
    longer = sides[np.argmax(np.hypot(sides[:, 0], sides[:, 1]))]
    return math.atan2(longer[1], longer[0])


def _buildings(rng: np.random.Generator, grid: BaseGeometry, lanes: list[BaseGeometry],
               blocked: BaseGeometry) -> list[BaseGeometry]:
    """Footprints on a jittered lattice along the grid's direction, inside its blocks."""
    free = grid.buffer(-11)
    for lane in lanes:
        free = free.difference(lane.buffer(9))
    free = free.difference(shapely.clip_by_rect(blocked, *grid.bounds))
    if free.is_empty:
        return []
    dense = grid.area < 350_000  # the towns have the small grids
    spacing = 26.0 if dense else 38.0
    angle = _orientation(grid)
    radius = math.sqrt(grid.area) * 0.9
    steps = np.arange(-radius, radius, spacing)
    u, v = (a.ravel() for a in np.meshgrid(steps, steps))
    u = u + rng.uniform(-3, 3, u.size)
    v = v + rng.uniform(-3, 3, v.size)
    keep = rng.uniform(size=u.size) < (0.92 if dense else 0.55)
    cos, sin = math.cos(angle), math.sin(angle)
    centre = grid.representative_point()
    x0, y0 = centre.x + u * cos - v * sin, centre.y + u * sin + v * cos
    shapely.prepare(free)
    keep &= shapely.contains_xy(free, x0, y0)  # cheap points first, footprints for those only
    u, v, x0, y0 = u[keep], v[keep], x0[keep], y0[keep]
    half_w = rng.uniform(5, 10, u.size)[:, None]
    half_h = rng.uniform(4.5, 8, u.size)[:, None]
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=float)
    cu, cv = corners[None, :, 0] * half_w, corners[None, :, 1] * half_h
    xs = x0[:, None] + cu * cos - cv * sin
    ys = y0[:, None] + cu * sin + cv * cos
    candidates = shapely.polygons(np.stack([xs, ys], axis=-1))
    return list(candidates[shapely.contains(free, candidates)])
