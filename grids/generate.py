"""Generate the demo grid boundaries of Pingshan district: 450 grids, 25 communities, 6 streets.

Run ``python grids/generate.py`` to rewrite ``grids/pingshan-demo.geojson`` (committed).
The output is deterministic for a seed. The district outline is a smoothed random shape,
not the real boundary; street names are Pingshan's, community names are modelled on its own,
and the grids are the Voronoi cells of jittered seed points with wiggled (road-like) borders.
Coordinates are snap-rounded to 7 decimals as one linework, so neighbours share identical
vertices along every shared edge and the grids tile the outline exactly.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

DEFAULT_SEED = 2017
GRID_COUNT = 450
GRID_SIZE = 1e-7  # degrees: 7 decimals, about 1 cm
CENTRE = (114.355, 22.695)
HALF_SPAN = (0.062, 0.072)  # degrees lon/lat; the outline stays inside 114.29–114.42 × 22.62–22.77
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTRE[1]))
OUTPUT = Path(__file__).with_name("pingshan-demo.geojson")
CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}

# Street, its rough place in the district (unit square around CENTRE), its communities
# (the namesake community first: it holds the street office, nearest the street's centre).
STREETS: tuple[tuple[str, tuple[float, float], tuple[str, ...]], ...] = (
    ("坪山街道", (-0.05, 0.15), ("坪山社区", "六和社区", "六联社区", "和平社区", "东门社区")),
    ("马峦街道", (-0.30, -0.65), ("马峦社区", "江岭社区", "沙坣社区", "坪环社区")),
    ("碧岭街道", (-0.70, 0.15), ("碧岭社区", "沙湖社区", "汤坑社区")),
    ("石井街道", (0.55, -0.35), ("石井社区", "田头社区", "田心社区", "金龟社区")),
    ("坑梓街道", (0.55, 0.55), ("坑梓社区", "秀新社区", "沙田社区", "金沙社区", "吉康社区")),
    ("龙田街道", (-0.05, 0.70), ("龙田社区", "老坑社区", "竹坑社区", "南布社区")),
)


def generate_district(seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The demo district as a GeoJSON FeatureCollection (a dict), deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    outline = district_outline(rng)
    seeds = grid_seeds(rng, outline)
    cells = _clipped_voronoi(seeds, outline)
    grids = _snapped_grids(rng, cells, outline)
    street_of, community_of = _group_grids(rng, grids)
    features = _features(grids, street_of, community_of)
    return {"type": "FeatureCollection", "name": "pingshan-demo", "crs": CRS84,
            "features": features}


def district_outline(rng: np.random.Generator, vertices: int = 360) -> Polygon:
    """A smoothed random-perturbed closed outline around the district, rounded to GRID_SIZE."""
    theta = np.linspace(0.0, 2 * math.pi, vertices, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 24):  # decaying harmonics: large lobes, small bays
        amplitude = 0.4 / k ** 1.2
        radius += amplitude * rng.uniform(-1, 1) * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    radius = np.maximum(radius, 0.3)  # star-shaped around the centre, so the ring is simple
    u, v = radius * np.cos(theta), radius * np.sin(theta)
    u = u / np.abs(u).max()
    v = v / np.abs(v).max()
    lon = CENTRE[0] + HALF_SPAN[0] * u
    lat = CENTRE[1] + HALF_SPAN[1] * v
    return Polygon(np.round(np.column_stack([lon, lat]), 7))


def grid_seeds(rng: np.random.Generator, outline: Polygon, count: int = GRID_COUNT) -> np.ndarray:
    """Seed points inside the outline, denser in the towns, relaxed once (Lloyd) to look planned."""
    points = _sample_by_density(rng, outline, count)
    cells = _clipped_voronoi(points, outline)
    relaxed = [_inner_centre(cell) for cell in cells]
    return np.round(np.array([[p.x, p.y] for p in relaxed]), 7)


def _sample_by_density(rng: np.random.Generator, outline: Polygon, count: int) -> np.ndarray:
    towns = np.array([[-0.05, 0.15], [0.55, 0.55], [0.55, -0.35]])  # 坪山, 坑梓, 石井 centres
    found: list[np.ndarray] = []
    shapely.prepare(outline)
    while sum(len(f) for f in found) < count:
        uv = rng.uniform(-1, 1, size=(4 * count, 2))
        town = np.exp(-((uv[:, None, :] - towns[None]) ** 2).sum(-1) / 0.12).max(1)
        keep = rng.uniform(0, 1, len(uv)) < 0.25 + 0.75 * town
        lonlat = np.array(CENTRE) + uv[keep] * np.array(HALF_SPAN)
        found.append(lonlat[shapely.contains_xy(outline, lonlat[:, 0], lonlat[:, 1])])
    return np.concatenate(found)[:count]


def _inner_centre(cell: shapely.Geometry) -> shapely.Point:
    centroid = cell.centroid
    return centroid if cell.contains(centroid) else cell.point_on_surface()


def _clipped_voronoi(points: np.ndarray, outline: Polygon) -> list[shapely.Geometry]:
    """The Voronoi cell of each point (same order), clipped to the outline."""
    region = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=outline.buffer(0.05),
                                      ordered=True)
    return list(shapely.intersection(shapely.get_parts(region), outline))


def _snapped_grids(rng: np.random.Generator, cells: list[shapely.Geometry],
                   outline: Polygon) -> list[MultiPolygon]:
    """Wiggle the shared borders, snap-round all linework at once and rebuild one grid per cell."""
    edges = shapely.line_merge(shapely.union_all(shapely.boundary(cells)))
    edges = list(shapely.get_parts(edges))
    wiggled = [_wiggle(rng, edge) if _is_inner_segment(edge, outline) else edge
               for edge in edges]
    wiggled = _undo_crossings(wiggled, edges)
    noded = shapely.union_all(wiggled, grid_size=GRID_SIZE)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    return _faces_per_cell(faces, cells)


def _is_inner_segment(edge: LineString, outline: Polygon) -> bool:
    """A straight border between two grids, not a piece of the district's outline."""
    middle = edge.interpolate(0.5, normalized=True)
    return len(edge.coords) == 2 and outline.exterior.distance(middle) > 1e-9


def _wiggle(rng: np.random.Generator, edge: LineString) -> LineString:
    """A road-like border between the same end points: a few sine bends, a vertex every ~40 m."""
    (x0, y0), (x1, y1) = edge.coords[0], edge.coords[-1]
    dx, dy = (x1 - x0) * M_PER_DEG_LON, (y1 - y0) * M_PER_DEG_LAT
    length = math.hypot(dx, dy)
    t = np.linspace(0.0, 1.0, max(2, math.ceil(length / 40.0)) + 1)
    offset = sum(rng.uniform(-a, a) * np.sin(k * math.pi * t)
                 for k, a in ((1, 0.05), (2, 0.03), (3, 0.02)))
    offset = np.clip(offset * length, -35.0, 35.0)  # metres, across the edge
    xs = x0 + t * (x1 - x0) - offset * dy / length / M_PER_DEG_LON
    ys = y0 + t * (y1 - y0) + offset * dx / length / M_PER_DEG_LAT
    return LineString(np.column_stack([xs, ys]))


def _undo_crossings(wiggled: list[LineString], straight: list[LineString]) -> list[LineString]:
    """Put back the straight edge wherever a wiggle crossed another edge (straight never cross)."""
    lines = list(wiggled)
    while True:
        tree = shapely.STRtree(lines)
        left, right = tree.query(lines, predicate="intersects")
        pairs = left < right
        left, right = left[pairs], right[pairs]
        a, b = np.take(lines, left), np.take(lines, right)
        junctions = shapely.intersection(shapely.boundary(a), shapely.boundary(b))
        bad = ~shapely.is_empty(shapely.difference(shapely.intersection(a, b), junctions))
        crossing = {*left[bad].tolist(), *right[bad].tolist()}
        undo = [i for i in crossing if lines[i] is not straight[i]]
        if not undo:
            return lines
        for i in undo:
            lines[i] = straight[i]


def _faces_per_cell(faces: np.ndarray, cells: list[shapely.Geometry]) -> list[MultiPolygon]:
    """Give each face to the cell it overlaps most; every cell must get at least one."""
    tree = shapely.STRtree(cells)
    face_idx, cell_idx = tree.query(faces, predicate="intersects")
    shared = shapely.area(shapely.intersection(faces[face_idx], np.take(cells, cell_idx)))
    owner: dict[int, int] = {}
    best: dict[int, float] = {}
    for f, c, a in zip(face_idx.tolist(), cell_idx.tolist(), shared.tolist(), strict=True):
        if a > best.get(f, -1.0):
            best[f], owner[f] = a, c
    parts: list[list[Polygon]] = [[] for _ in cells]
    for f, c in owner.items():
        parts[c].append(faces[f])
    if any(not p for p in parts):
        raise RuntimeError("a grid vanished while snapping; try another seed")
    return [shapely.orient_polygons(MultiPolygon(p)) for p in parts]


def _group_grids(rng: np.random.Generator,
                 grids: list[MultiPolygon]) -> tuple[np.ndarray, np.ndarray]:
    """Streets, then communities within each street: balanced, spatially contiguous groups."""
    xy = _metric(np.array([[p.x, p.y] for p in shapely.point_on_surface(grids)]))
    neighbours = _neighbours(grids)
    sizes = np.array([len(s[2]) for s in STREETS])
    anchors = _metric(np.array(CENTRE) + np.array([s[1] for s in STREETS]) * np.array(HALF_SPAN))
    street_of = _balanced_groups(xy, anchors, sizes / sizes.sum() * len(grids))
    street_of = _make_contiguous(street_of, neighbours, np.arange(len(grids)))
    community_of = np.zeros(len(grids), dtype=int)
    for s, (_, _, communities) in enumerate(STREETS):
        members = np.flatnonzero(street_of == s)
        start = members[rng.choice(len(members), len(communities), replace=False)]
        labels = _balanced_groups(xy[members], xy[start],
                                  np.full(len(communities), len(members) / len(communities)))
        labels = _make_contiguous(labels, neighbours, members)
        community_of[members] = _namesake_first(labels, xy[members])
    return street_of, community_of


def _metric(lonlat: np.ndarray) -> np.ndarray:
    """Kilometres east and north of the district centre (equirectangular)."""
    scale = np.array([M_PER_DEG_LON, M_PER_DEG_LAT]) / 1000.0
    return np.asarray((lonlat - np.array(CENTRE)) * scale)


def _neighbours(grids: list[MultiPolygon]) -> list[set[int]]:
    """Grids sharing a border (not just a corner)."""
    tree = shapely.STRtree(grids)
    a, b = tree.query(grids, predicate="intersects")
    pairs = a != b
    a, b = a[pairs], b[pairs]
    border = shapely.length(shapely.intersection(np.take(grids, a), np.take(grids, b)))
    result: list[set[int]] = [set() for _ in grids]
    for i, j in zip(a[border > 0].tolist(), b[border > 0].tolist(), strict=True):
        result[i].add(j)
    return result


def _balanced_groups(xy: np.ndarray, centres: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """k-means with per-group weights (a power diagram) pushed towards the target sizes."""
    centres = centres.astype(float).copy()
    weight = np.zeros(len(centres))
    labels = np.zeros(len(xy), dtype=int)
    for step in np.linspace(0.5, 0.02, 120):
        labels = (((xy[:, None, :] - centres[None]) ** 2).sum(-1) - weight).argmin(1)
        counts = np.bincount(labels, minlength=len(centres))
        weight += step * (targets - counts) / targets.mean()
        for g in np.flatnonzero(counts):
            centres[g] = xy[labels == g].mean(0)
    return labels


def _make_contiguous(labels: np.ndarray, neighbours: list[set[int]],
                     members: np.ndarray) -> np.ndarray:
    """Hand every detached piece of a group to the neighbouring group it borders most."""
    labels = labels.copy()
    position = {int(g): i for i, g in enumerate(members)}
    for _ in range(20):
        moved = False
        for group in np.unique(labels):
            pieces = _pieces([int(g) for g in members[labels == group]], neighbours)
            for piece in sorted(pieces, key=len)[:-1]:
                around = [labels[position[n]] for g in piece for n in neighbours[g]
                          if n in position and labels[position[n]] != group]
                if around:
                    labels[[position[g] for g in piece]] = max(set(around), key=around.count)
                    moved = True
        if not moved:
            return labels
    raise RuntimeError("groups did not become contiguous")


def _pieces(group: list[int], neighbours: list[set[int]]) -> list[list[int]]:
    """Connected pieces of a group of grids."""
    left, pieces = set(group), []
    while left:
        stack, piece = [left.pop()], []
        while stack:
            g = stack.pop()
            piece.append(g)
            near = neighbours[g] & left
            left -= near
            stack.extend(near)
        pieces.append(piece)
    return pieces


def _namesake_first(labels: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Renumber groups: nearest the street's centre first, then clockwise from north."""
    groups = np.unique(labels)
    centres = np.array([xy[labels == g].mean(0) for g in groups])
    middle = xy.mean(0)
    first = int(np.argmin(((centres - middle) ** 2).sum(1)))
    bearing = np.arctan2(centres[:, 0] - middle[0], centres[:, 1] - middle[1]) % (2 * math.pi)
    others = sorted((i for i in range(len(groups)) if i != first), key=lambda i: bearing[i])
    order = [first, *others]
    rank = {int(groups[i]): r for r, i in enumerate(order)}
    return np.array([rank[int(g)] for g in labels])


def _features(grids: list[MultiPolygon], street_of: np.ndarray,
              community_of: np.ndarray) -> list[dict[str, Any]]:
    """One feature per grid, numbered north to south, west to east within its community."""
    spots = shapely.point_on_surface(grids)
    features = []
    for s, (street_name, _, communities) in enumerate(STREETS):
        for c, community_name in enumerate(communities):
            members = np.flatnonzero((street_of == s) & (community_of == c)).tolist()
            members.sort(key=lambda g: (-round(spots[g].y / 0.004), spots[g].x))
            for n, g in enumerate(members, start=1):
                code = f"PS-{s + 1:02d}-{c + 1:02d}-{n:03d}"
                features.append({"type": "Feature", "properties": {
                    "code": code, "name": f"{community_name}第{n:03d}网格",
                    "street_code": f"PS-{s + 1:02d}", "street_name": street_name,
                    "community_code": f"PS-{s + 1:02d}-{c + 1:02d}",
                    "community_name": community_name},
                    "geometry": _geojson(grids[g])})
    return features


def _geojson(grid: MultiPolygon) -> dict[str, Any]:
    """MultiPolygon GeoJSON with coordinates rounded to 7 decimals (already on that grid)."""
    return {"type": "MultiPolygon", "coordinates": [
        [[[round(x, 7), round(y, 7)] for x, y in ring.coords]
         for ring in (part.exterior, *part.interiors)] for part in grid.geoms]}


def write_district(collection: dict[str, Any], path: Path = OUTPUT) -> None:
    """Write the collection as UTF-8 GeoJSON, one feature per line (diff-friendly)."""
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":"))
             for f in collection["features"]]
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n' + ",\n".join(lines)
    path.write_text(text + "\n]}\n", encoding="utf-8")


if __name__ == "__main__":
    district = generate_district()
    write_district(district)
    print(f"wrote {len(district['features'])} grids to {OUTPUT}")
