"""Checks of a grid boundary file before import, and coverage simplification (no database)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import MultiPolygon, mapping

from server.domain import grid_simplify
from server.domain.grid_checks import GridCheckResult, GridFeature, check_grid_collection
from server.domain.grid_simplify import simplify_coverage

DEMO = Path(__file__).resolve().parents[2] / "grids" / "pingshan-demo.geojson"
STEP = 0.001  # degrees: a 100 m test grid
M2_PER_DEG2 = 110_574.0 * 111_320.0 * 0.9226  # at 22.7° N


def square(col: int, row: int, size: float = STEP, x0: float = 114.35,
           y0: float = 22.70) -> dict[str, Any]:
    """A square Polygon geometry in a small test lattice."""
    x, y = x0 + col * STEP, y0 + row * STEP
    return {"type": "Polygon",
            "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def feature(code: str | None, geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    """A grid feature with a code and a Chinese name."""
    properties = {"code": code, "name": f"{code}网格" if code else None, **props}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: dict[str, Any], crs: str | None = None) -> dict[str, Any]:
    """A FeatureCollection, with a named crs when given."""
    fc: dict[str, Any] = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    return fc


def lattice(cols: int, rows: int, skip: tuple[int, int] | None = None) -> dict[str, Any]:
    """A cols × rows tiling of square grids, optionally with one square left out."""
    return collection(*(feature(f"PS-01-01-{r * cols + c + 1:03d}", square(c, r))
                        for r in range(rows) for c in range(cols) if (c, r) != skip))


def only_problems(result: GridCheckResult) -> list[tuple[int | None, str]]:
    """(index, problem) of every error."""
    return [(e.index, e.problem) for e in result.errors]


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    """The committed Pingshan demo grids."""
    demo: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    return demo


@pytest.fixture(scope="module")
def demo_grids(demo: dict[str, Any]) -> list[GridFeature]:
    """The demo grids as read by the checker."""
    return check_grid_collection(demo).grids


def test_the_450_demo_grids_pass(demo: dict[str, Any]) -> None:
    # How fast they pass is bench/ material, not a unit test's.
    result = check_grid_collection(demo)
    assert result.ok and len(result.grids) == 450


def test_grids_are_read_as_multipolygons_with_their_properties() -> None:
    fc = collection(feature("PS-02-03-004", square(0, 0), street_code="PS-02",
                            street_name="马峦街道", community_code="PS-02-03",
                            community_name="沙坣社区"))
    (grid,) = check_grid_collection(fc).grids
    assert (grid.index, grid.code, grid.name) == (0, "PS-02-03-004", "PS-02-03-004网格")
    assert (grid.street_name, grid.community_code) == ("马峦街道", "PS-02-03")
    assert isinstance(grid.geometry, MultiPolygon)


def test_a_tiling_of_touching_grids_is_accepted() -> None:
    result = check_grid_collection(lattice(3, 3))
    assert result.ok and result.errors == [] and len(result.grids) == 9


def test_collection_without_crs_is_taken_as_crs84() -> None:
    assert check_grid_collection(lattice(1, 1)).ok


@pytest.mark.parametrize("crs", ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326",
                                 "urn:ogc:def:crs:EPSG::4326"])
def test_wgs84_crs_names_are_accepted(crs: str) -> None:
    fc = lattice(1, 1)
    fc["crs"] = {"type": "name", "properties": {"name": crs}}
    assert check_grid_collection(fc).ok


@pytest.mark.parametrize("crs", ["EPSG:4547", "EPSG:3857", "urn:ogc:def:crs:EPSG::4490"])
def test_other_crs_is_refused_once_for_the_whole_file(crs: str) -> None:
    fc = collection(feature("PS-01-01-001", square(0, 0)), crs=crs)
    result = check_grid_collection(fc)
    assert only_problems(result) == [(None, "bad_crs")]
    assert crs in result.errors[0].message and result.grids == []


def test_a_file_that_is_not_a_feature_collection_is_refused() -> None:
    result = check_grid_collection({"type": "Feature", "geometry": square(0, 0)})
    assert only_problems(result) == [(None, "bad_collection")]


def test_self_intersecting_grid_is_refused_with_where_it_crosses() -> None:
    bowtie = {"type": "Polygon", "coordinates": [
        [[114.35, 22.70], [114.36, 22.71], [114.36, 22.70], [114.35, 22.71], [114.35, 22.70]]]}
    fc = collection(feature("PS-01-01-001", square(0, 0)), feature("PS-01-02-003", bowtie))
    result = check_grid_collection(fc)
    assert only_problems(result) == [(1, "invalid_geometry")]
    assert result.errors[0].code == "PS-01-02-003"
    assert result.errors[0].message == (
        "feature #1 (code PS-01-02-003): self-intersection at (114.355, 22.705)")
    assert [g.code for g in result.grids] == ["PS-01-01-001"]


def test_repair_mode_mends_a_self_intersection_and_only_warns() -> None:
    bowtie = {"type": "Polygon", "coordinates": [
        [[114.35, 22.70], [114.36, 22.71], [114.36, 22.70], [114.35, 22.71], [114.35, 22.70]]]}
    result = check_grid_collection(collection(feature("PS-01-02-003", bowtie)), repair=True)
    assert result.ok
    assert [(w.index, w.problem) for w in result.warnings] == [(0, "invalid_geometry")]
    assert "repaired" in result.warnings[0].message
    mended = result.grids[0].geometry
    assert mended.is_valid and len(mended.geoms) == 2
    assert mended.area == pytest.approx(0.01 * 0.01 / 2)


def test_duplicate_code_is_refused_naming_the_first_feature() -> None:
    fc = collection(feature("PS-01-01-001", square(0, 0)), feature("PS-01-01-001", square(1, 0)))
    result = check_grid_collection(fc)
    assert only_problems(result) == [(1, "duplicate_code")]
    assert "already used by feature #0" in result.errors[0].message


def test_overlapping_grids_are_refused_with_both_codes() -> None:
    fc = collection(feature("PS-01-01-001", square(0, 0)),
                    feature("PS-01-01-002", square(0, 0, x0=114.3505)))
    result = check_grid_collection(fc)
    assert only_problems(result) == [(0, "overlap")]
    message = result.errors[0].message
    assert "PS-01-01-001" in message and "PS-01-01-002" in message and "feature #1" in message
    area = float(re.search(r"by ([\d,.]+) m²", message)[1].replace(",", ""))  # type: ignore[index]
    assert area == pytest.approx(0.0005 * STEP * M2_PER_DEG2, rel=0.01)


def test_overlap_smaller_than_the_tolerance_is_ignored() -> None:
    sliver = 0.5 / M2_PER_DEG2 / STEP  # 0.5 m² of overlap along a 100 m border
    fc = collection(feature("PS-01-01-001", square(0, 0)),
                    feature("PS-01-01-002", square(0, 0, x0=114.35 + STEP - sliver)))
    assert check_grid_collection(fc, tolerance_m2=1.0).ok
    assert only_problems(check_grid_collection(fc, tolerance_m2=0.1)) == [(0, "overlap")]


def test_hole_left_between_grids_is_refused_as_a_gap_with_the_grids_around_it() -> None:
    result = check_grid_collection(lattice(3, 3, skip=(1, 1)))
    assert only_problems(result) == [(None, "gap")]
    assert "PS-01-01-002" in result.errors[0].message
    assert "gap of 11,3" in result.errors[0].message  # 103 m × 111 m


def test_gap_smaller_than_the_tolerance_is_ignored() -> None:
    fc = lattice(3, 3, skip=(1, 1))
    filler = square(1, 1)
    for corner in filler["coordinates"][0]:
        corner[0] = max(corner[0], 114.351 + 1e-7)  # leaves a 1 cm sliver on the west side
    fc["features"].append(feature("PS-01-01-099", filler))
    gap_m2 = 1e-7 * STEP * M2_PER_DEG2  # about 1.1 m²
    assert check_grid_collection(fc, tolerance_m2=2.0).ok
    assert only_problems(check_grid_collection(fc, tolerance_m2=gap_m2 / 2)) == [(None, "gap")]


@pytest.mark.parametrize("missing", ["code", "name"])
def test_grid_without_code_or_name_is_refused(missing: str) -> None:
    grid = feature("PS-01-01-001", square(0, 0))
    grid["properties"][missing] = None if missing == "code" else "  "
    result = check_grid_collection(collection(grid))
    assert only_problems(result) == [(0, "missing_property")]
    assert repr(missing) in result.errors[0].message and result.grids == []


@pytest.mark.parametrize("geometry", [{"type": "Point", "coordinates": [114.35, 22.70]},
                                      {"type": "LineString",
                                       "coordinates": [[114.35, 22.70], [114.36, 22.71]]},
                                      None])
def test_grid_that_is_not_a_polygon_is_refused(geometry: dict[str, Any] | None) -> None:
    result = check_grid_collection(collection(feature("PS-01-01-001", geometry)))
    assert only_problems(result) == [(0, "not_polygon")]


def test_coordinates_outside_lon_lat_ranges_are_refused_with_a_hint_when_swapped() -> None:
    swapped = square(0, 0, x0=22.70, y0=114.35)
    projected = square(0, 0, x0=500_000.0, y0=2_510_000.0)
    result = check_grid_collection(collection(feature("PS-01-01-001", swapped),
                                              feature("PS-01-01-002", projected)))
    assert only_problems(result) == [(0, "out_of_range"), (1, "out_of_range")]
    assert "swapped" in result.errors[0].message and "swapped" not in result.errors[1].message


def test_ring_with_too_few_points_is_refused_as_invalid() -> None:
    stub = {"type": "Polygon", "coordinates": [[[114.35, 22.70], [114.36, 22.71]]]}
    result = check_grid_collection(collection(feature("PS-01-01-001", stub)))
    assert only_problems(result) == [(0, "invalid_geometry")]


@pytest.fixture(params=["geos", "borders"])
def simplify_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both simplification paths: GEOS coverage_simplify, and our own for GEOS < 3.12."""
    if request.param == "geos" and not grid_simplify._has_coverage_simplify():
        pytest.skip("GEOS < 3.12 has no coverage_simplify")
    if request.param == "borders":
        monkeypatch.setattr(grid_simplify, "_has_coverage_simplify", lambda: False)
    return str(request.param)


def test_coverage_simplification_keeps_the_tiling(
        demo_grids: list[GridFeature], simplify_path: str) -> None:
    before = [g.geometry for g in demo_grids]
    after = simplify_coverage(before, tolerance_m=10.0)
    assert len(after) == len(before)
    assert all(isinstance(g, MultiPolygon) and g.is_valid and not g.is_empty for g in after)
    refilled = collection(*(feature(g.code, mapping(s))
                            for g, s in zip(demo_grids, after, strict=True)))
    assert check_grid_collection(refilled, tolerance_m2=0.01).ok  # no overlap, no gap
    district = shapely.union_all(after)
    assert district.geom_type == "Polygon" and not district.interiors
    assert district.area == pytest.approx(shapely.union_all(before).area, rel=1e-3)


def test_coverage_simplification_reduces_vertices_and_moves_them_within_tolerance(
        demo_grids: list[GridFeature], simplify_path: str) -> None:
    before = [g.geometry for g in demo_grids]
    after = simplify_coverage(before, tolerance_m=10.0)
    assert shapely.get_num_coordinates(after).sum() < 0.8 * shapely.get_num_coordinates(
        before).sum()
    worst_m = max(shapely.hausdorff_distance(b, a) for b, a in zip(before, after, strict=True))
    worst_m *= 110_574.0  # metres per degree of latitude, the longer one
    assert worst_m <= 10.0 * 1.01
