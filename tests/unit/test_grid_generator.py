"""The committed demo grids of Pingshan and the generator that writes them (no database)."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import MultiPolygon, shape

from grids.generate import DEFAULT_SEED, OUTPUT, generate_district
from server.domain.grid_checks import check_grid_collection

PINGSHAN_STREETS = {"坪山街道", "马峦街道", "碧岭街道", "石井街道", "坑梓街道", "龙田街道"}
CODE = re.compile(r"^PS-(0[1-6])-(\d{2})-(\d{3})$")


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    """The committed grids/pingshan-demo.geojson."""
    collection: dict[str, Any] = json.loads(Path(OUTPUT).read_text(encoding="utf-8"))
    return collection


@pytest.fixture(scope="module")
def grids(committed: dict[str, Any]) -> list[MultiPolygon]:
    """The committed boundaries as shapely geometries."""
    return [shape(f["geometry"]) for f in committed["features"]]


def properties(committed: dict[str, Any], key: str) -> list[str]:
    """One property of every feature, in file order."""
    return [f["properties"][key] for f in committed["features"]]


def test_committed_file_is_what_the_generator_writes(committed: dict[str, Any]) -> None:
    assert generate_district(DEFAULT_SEED) == committed


def test_generator_is_deterministic_for_a_seed() -> None:
    assert generate_district(5) == generate_district(5)


def test_collection_declares_crs84_and_a_name(committed: dict[str, Any]) -> None:
    assert committed["type"] == "FeatureCollection"
    assert committed["crs"] == {"type": "name",
                                "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    assert committed["name"]


def test_district_has_exactly_450_valid_multipolygon_grids(
        committed: dict[str, Any], grids: list[MultiPolygon]) -> None:
    assert len(grids) == 450
    assert {f["geometry"]["type"] for f in committed["features"]} == {"MultiPolygon"}
    assert all(g.is_valid and not g.is_empty for g in grids)


def test_every_grid_passes_the_import_checks(committed: dict[str, Any]) -> None:
    result = check_grid_collection(committed, tolerance_m2=0.0)
    assert result.ok, result.errors[:5]
    assert result.warnings == []
    assert len(result.grids) == 450


def test_grid_codes_are_unique_and_spell_street_community_and_number(
        committed: dict[str, Any]) -> None:
    codes = properties(committed, "code")
    assert len(set(codes)) == len(codes)
    numbers: dict[str, list[int]] = defaultdict(list)
    for f in committed["features"]:
        p = f["properties"]
        street, community, number = CODE.match(p["code"]).groups()  # type: ignore[union-attr]
        assert p["street_code"] == f"PS-{street}"
        assert p["community_code"] == f"PS-{street}-{community}"
        assert p["name"] == f"{p['community_name']}第{number}网格"
        numbers[p["community_code"]].append(int(number))
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values())


def test_grids_belong_to_pingshans_six_streets_and_about_25_communities(
        committed: dict[str, Any]) -> None:
    assert set(properties(committed, "street_name")) == PINGSHAN_STREETS
    assert len(set(properties(committed, "street_code"))) == 6
    communities = set(properties(committed, "community_code"))
    assert 22 <= len(communities) <= 28
    assert len(set(properties(committed, "community_name"))) == len(communities)
    assert all(name.endswith("社区") for name in properties(committed, "community_name"))


@pytest.mark.parametrize("key", ["street_code", "community_code"])
def test_streets_and_communities_are_each_one_piece(
        committed: dict[str, Any], grids: list[MultiPolygon], key: str) -> None:
    members: dict[str, list[MultiPolygon]] = defaultdict(list)
    for value, grid in zip(properties(committed, key), grids, strict=True):
        members[value].append(grid)
    pieces = {value: shapely.coverage_union_all(g).geom_type for value, g in members.items()}
    assert set(pieces.values()) == {"Polygon"}, pieces


def test_grids_tile_the_district_without_gaps_or_overlaps(grids: list[MultiPolygon]) -> None:
    if shapely.geos_version >= (3, 12, 0):
        assert shapely.coverage_is_valid(grids)  # neighbours share identical vertices
    district = shapely.union_all(grids)
    assert district.geom_type == "Polygon" and not district.interiors
    assert district.area == pytest.approx(sum(g.area for g in grids), rel=1e-9)


def test_coordinates_have_at_most_seven_decimals(grids: list[MultiPolygon]) -> None:
    xy = shapely.get_coordinates(grids)
    assert (xy.round(7) == xy).all()


def test_district_outline_is_irregular_and_inside_pingshans_box(
        grids: list[MultiPolygon]) -> None:
    district = shapely.union_all(grids)
    lon_min, lat_min, lon_max, lat_max = district.bounds
    assert 114.29 <= lon_min and lon_max <= 114.42
    assert 22.62 <= lat_min and lat_max <= 22.77
    assert district.area / district.envelope.area < 0.9  # not a rectangle
    assert len(district.exterior.coords) > 100


def test_committed_file_stays_small() -> None:
    assert Path(OUTPUT).stat().st_size < 3_000_000
