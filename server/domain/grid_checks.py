"""Checks of a grid boundary file (a parsed GeoJSON FeatureCollection) before it is imported.

Pure: no database. Every problem names the feature by its index in ``features`` (0-based,
``feature #17`` is ``features[17]``) and its grid code when it has one, so an administrator can
fix the file row by row. Areas are converted from degrees² to m² with an equirectangular
approximation at the latitude of the piece concerned (metres per degree: 110 574 north-south,
111 320·cos φ east-west); at district scale it is within 1 % of the geodesic area.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

ProblemKind = Literal["bad_collection", "bad_crs", "not_polygon", "missing_property",
                      "invalid_geometry", "out_of_range", "duplicate_code", "overlap", "gap"]

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0
WGS84_CRS_NAMES = frozenset({
    "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84",
    "epsg:4326", "urn:ogc:def:crs:epsg::4326", "http://www.opengis.net/def/crs/epsg/0/4326",
})
_REASON = re.compile(r"^(?P<what>.*?)\s*\[(?P<x>\S+) (?P<y>\S+)\]$")


@dataclass(frozen=True)
class GridProblem:
    """One problem found in the file; ``index`` is None for the collection as a whole."""
    index: int | None
    code: str | None
    problem: ProblemKind
    message: str


@dataclass(frozen=True)
class GridFeature:
    """A grid read from the file, its boundary as a valid MultiPolygon (lon/lat, WGS-84)."""
    index: int
    code: str
    name: str
    street_code: str | None
    street_name: str | None
    community_code: str | None
    community_name: str | None
    geometry: MultiPolygon


@dataclass
class GridCheckResult:
    """The grids that could be read, and what is wrong (errors) or was fixed (warnings)."""
    grids: list[GridFeature] = field(default_factory=list)
    errors: list[GridProblem] = field(default_factory=list)
    warnings: list[GridProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file may be imported."""
        return not self.errors


def check_grid_collection(collection: dict[str, Any], *, repair: bool = False,
                          tolerance_m2: float = 1.0) -> GridCheckResult:
    """Check a parsed GeoJSON FeatureCollection of grids: CRS, each feature, then the tiling.

    With ``repair`` invalid boundaries are mended (``make_valid``, polygonal parts kept) and
    reported as warnings. Overlaps and gaps smaller than ``tolerance_m2`` are ignored.
    Grids whose geometry could not be used are left out of ``grids`` and of the tiling checks.
    """
    result = GridCheckResult()
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(features, list):
        result.errors.append(GridProblem(None, None, "bad_collection",
                                         "the file is not a GeoJSON FeatureCollection"))
        return result
    crs_problem = _crs_problem(collection.get("crs"))
    if crs_problem:
        result.errors.append(crs_problem)
        return result  # coordinates in another CRS would only add one error per feature
    for index, feature in enumerate(features):
        _read_feature(index, feature, repair, result)
    result.errors.extend(_duplicate_codes(features))
    result.errors.extend(_overlaps(result.grids, tolerance_m2))
    result.errors.extend(_gaps(result.grids, tolerance_m2))
    return result


def _crs_problem(crs: Any) -> GridProblem | None:
    """None when the CRS is WGS-84; an absent crs means CRS84 (RFC 7946).

    EPSG:4326 is read lon/lat, as GeoJSON writers do; swapped axes show up as out of range.
    """
    if crs is None:
        return None
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if isinstance(name, str) and name.strip().lower() in WGS84_CRS_NAMES:
        return None
    return GridProblem(None, None, "bad_crs",
                       f"crs {name or crs!r} is not WGS-84 (CRS84 / EPSG:4326): "
                       "reproject the file to lon/lat degrees")


def _read_feature(index: int, feature: Any, repair: bool, result: GridCheckResult) -> None:
    """Append the grid, or the problems that keep it out, to ``result``."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    props = props if isinstance(props, dict) else {}
    code = props.get("code") if isinstance(props.get("code"), str) else None
    label = _label(index, code)
    problems = [GridProblem(index, code, "missing_property",
                            f"{label}: property {key!r} must be a non-empty string")
                for key in ("code", "name")
                if not (isinstance(props.get(key), str) and props[key].strip())]
    result.errors.extend(problems)
    geometry = _read_geometry(index, code, feature, repair, result)
    if geometry is None or problems or code is None:
        return
    result.grids.append(GridFeature(
        index, code, props["name"], _text(props, "street_code"), _text(props, "street_name"),
        _text(props, "community_code"), _text(props, "community_name"), geometry))


def _read_geometry(index: int, code: str | None, feature: Any, repair: bool,
                   result: GridCheckResult) -> MultiPolygon | None:
    """The feature's boundary as a valid MultiPolygon, or None after recording why not."""
    label = _label(index, code)
    raw = feature.get("geometry") if isinstance(feature, dict) else None
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        result.errors.append(GridProblem(index, code, "not_polygon",
                                         f"{label}: geometry is {kind or 'missing'}, "
                                         "expected Polygon or MultiPolygon"))
        return None
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, IndexError, shapely.errors.ShapelyError) as exc:
        result.errors.append(GridProblem(index, code, "invalid_geometry",
                                         f"{label}: unreadable coordinates ({exc})"))
        return None
    range_problem = _range_problem(geometry)
    if range_problem:
        result.errors.append(GridProblem(index, code, "out_of_range", f"{label}: {range_problem}"))
        return None
    return _valid_geometry(index, code, geometry, repair, result)


def _range_problem(geometry: shapely.Geometry) -> str | None:
    """Why the coordinates are not lon/lat degrees, or None."""
    if geometry.is_empty:
        return "geometry is empty"
    xy = shapely.get_coordinates(geometry)
    if not np.isfinite(xy).all():
        return "coordinates are not finite numbers"
    lon, lat = xy[:, 0], xy[:, 1]
    if (np.abs(lon) <= 180).all() and (np.abs(lat) <= 90).all():
        return None
    bad = xy[(np.abs(lon) > 180) | (np.abs(lat) > 90)][0]
    hint = " (latitude and longitude swapped?)" if abs(bad[0]) <= 90 < abs(bad[1]) <= 180 else ""
    return f"coordinate {_point(bad[0], bad[1])} is outside lon ±180 / lat ±90{hint}"


def _valid_geometry(index: int, code: str | None, geometry: shapely.Geometry, repair: bool,
                    result: GridCheckResult) -> MultiPolygon | None:
    """The geometry as a MultiPolygon when valid or mended; None after recording an error."""
    label = _label(index, code)
    if geometry.is_valid:
        return as_multipolygon(geometry)
    reason = _describe_reason(shapely.is_valid_reason(geometry))
    if not repair:
        result.errors.append(GridProblem(index, code, "invalid_geometry", f"{label}: {reason}"))
        return None
    mended = _polygonal_part(shapely.make_valid(geometry, method="structure",
                                                keep_collapsed=False))
    if mended is None:
        result.errors.append(GridProblem(index, code, "invalid_geometry",
                                         f"{label}: {reason}; nothing polygonal is left to repair"))
        return None
    result.warnings.append(GridProblem(index, code, "invalid_geometry",
                                       f"{label}: {reason}; repaired into "
                                       f"{len(mended.geoms)} polygon(s)"))
    return mended


def _describe_reason(reason: str) -> str:
    """GEOS's 'Ring Self-intersection[114.3 22.7]' as 'ring self-intersection at (114.3, 22.7)'."""
    match = _REASON.match(reason)
    if not match:
        return reason.lower()
    return f"{match['what'].lower()} at {_point(float(match['x']), float(match['y']))}"


def _polygonal_part(geometry: shapely.Geometry) -> MultiPolygon | None:
    """The polygons in a geometry (collection), or None if there are none."""
    polygons = [p for p in shapely.get_parts(geometry) if isinstance(p, (Polygon, MultiPolygon))]
    parts = [part for p in polygons for part in shapely.get_parts(p) if not part.is_empty]
    return MultiPolygon(parts) if parts else None


def as_multipolygon(geometry: shapely.Geometry) -> MultiPolygon:
    return geometry if isinstance(geometry, MultiPolygon) else MultiPolygon([geometry])


def _duplicate_codes(features: list[Any]) -> list[GridProblem]:
    """Every later use of a code already used by an earlier feature (readable or not)."""
    first: dict[str, int] = {}
    problems = []
    for index, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        code = props.get("code") if isinstance(props, dict) else None
        if not isinstance(code, str) or not code.strip():
            continue
        if code in first:
            problems.append(GridProblem(
                index, code, "duplicate_code",
                f"{_label(index, code)}: duplicate code, already used by feature #{first[code]}"))
        first.setdefault(code, index)
    return problems


def _overlaps(grids: list[GridFeature], tolerance_m2: float) -> list[GridProblem]:
    """Pairs of grids whose shared area is larger than the tolerance."""
    geoms = np.array([g.geometry for g in grids], dtype=object)
    if len(geoms) < 2:
        return []
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    inside = ~shapely.touches(geoms[left], geoms[right])  # neighbours only touch
    left, right = left[inside], right[inside]
    shared = shapely.intersection(geoms[left], geoms[right])
    problems = []
    for i, j, piece in zip(left.tolist(), right.tolist(), shared, strict=True):
        area = area_m2(piece)
        if area > tolerance_m2:
            a, b = grids[i], grids[j]
            spot = piece.point_on_surface()
            problems.append(GridProblem(
                a.index, a.code, "overlap",
                f"{_label(a.index, a.code)} overlaps feature #{b.index} (code {b.code}) "
                f"by {area:,.1f} m² near {_point(spot.x, spot.y)}"))
    return problems


def _gaps(grids: list[GridFeature], tolerance_m2: float) -> list[GridProblem]:
    """Holes in the union of all grids larger than the tolerance.

    A notch in the outer edge cannot be told from the district's outline, so only holes
    enclosed by grids count as gaps.
    """
    if not grids:
        return []
    geoms = [g.geometry for g in grids]
    union = shapely.union_all(geoms)
    holes = [Polygon(ring) for part in shapely.get_parts(union) for ring in part.interiors]
    tree = shapely.STRtree(geoms)
    problems = []
    for hole in holes:
        area = area_m2(hole)
        if area <= tolerance_m2:
            continue
        around = sorted(grids[i].code for i in tree.query(hole, predicate="intersects"))
        spot = hole.point_on_surface()
        problems.append(GridProblem(
            None, None, "gap",
            f"gap of {area:,.1f} m² near {_point(spot.x, spot.y)} "
            f"between {', '.join(around[:6])}{', …' if len(around) > 6 else ''}"))
    return problems


def area_m2(geometry: shapely.Geometry) -> float:
    """Approximate area in m² of a lon/lat geometry (equirectangular at its own latitude)."""
    if geometry.is_empty:
        return 0.0
    latitude = geometry.centroid.y
    m2_per_deg2 = M_PER_DEG_LAT * M_PER_DEG_LON_EQUATOR * math.cos(math.radians(latitude))
    return float(geometry.area) * m2_per_deg2


def _label(index: int, code: str | None) -> str:
    return f"feature #{index} (code {code})" if code else f"feature #{index}"


def _point(x: float, y: float) -> str:
    return f"({round(float(x), 7)}, {round(float(y), 7)})"


def _text(props: dict[str, Any], key: str) -> str | None:
    value = props.get(key)
    return value if isinstance(value, str) else None
