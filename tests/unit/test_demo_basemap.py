"""The demo's synthetic base map: made up consistently with the grids, the same every time,
labelled synthetic, drawn tile by tile on first request and kept in its package."""
from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import shapely
from PIL import Image
from shapely.geometry import shape

from server.basemap.demo import build_demo_package
from server.basemap.package import TilePackage
from server.basemap.source import TileSource
from server.basemap.synthetic import synthetic_map
from server.basemap.tiles import tile_bounds, tile_range
from server.services.demo import DEMO_GRIDS


@pytest.fixture(scope="module")
def grids(tmp_path_factory) -> Path:
    """Twenty neighbouring demo grids (a whole district takes seconds to make up)."""
    collection = json.loads(DEMO_GRIDS.read_text("utf-8"))
    collection["features"] = collection["features"][:20]
    path = tmp_path_factory.mktemp("grids") / "grids.geojson"
    path.write_text(json.dumps(collection), "utf-8")
    return path


@pytest.fixture(scope="module")
def layers(grids):
    return synthetic_map(json.loads(grids.read_text("utf-8")))


def test_the_same_grids_always_give_the_same_map(grids, layers):
    again = synthetic_map(json.loads(grids.read_text("utf-8")))
    assert all(np.array_equal(shapely.to_wkb(layers[name]), shapely.to_wkb(again[name]))
               for name in layers)


def test_roads_follow_the_grid_edges_and_buildings_stand_inside_the_grids(grids, layers):
    boundaries = [shape(f["geometry"]) for f in json.loads(grids.read_text("utf-8"))["features"]]
    district = shapely.union_all(boundaries)
    roads = shapely.union_all(layers["roads"])
    edges = shapely.union_all([b.boundary for b in boundaries])
    assert roads.buffer(1e-7).covers(edges)  # every grid edge is a road
    assert len(layers["buildings"]) > 20 * 50
    assert all(district.buffer(1e-7).covers(b) for b in layers["buildings"])
    lanes_and_water = shapely.union_all([*layers["lanes"], *layers["water"]])
    assert not any(shapely.intersects(layers["buildings"], lanes_and_water))


def test_a_package_is_labelled_synthetic_and_built_once(grids, tmp_path):
    path = tmp_path / "demo.mbtiles"
    assert "features" in build_demo_package(path, grids)
    metadata = TilePackage.open(path).metadata
    assert "Synthetic" in metadata["attribution"] and "非真实街道" in metadata["attribution"]
    assert metadata["zhiwang:synthetic"].startswith("zhiwang-synthetic")
    assert "up to date" in build_demo_package(path, grids)


def test_a_missing_tile_is_drawn_on_request_and_kept(grids, tmp_path):
    path = tmp_path / "demo.mbtiles"
    build_demo_package(path, grids)
    source = TileSource(TilePackage.open(path))
    west, south, east, north = source.package.bounds()
    x, y, _, _ = tile_range(((west + east) / 2, (south + north) / 2,
                             (west + east) / 2, (south + north) / 2), 17)
    drawn = source.tile(17, x, y)
    image = Image.open(io.BytesIO(drawn))
    assert image.format == "PNG" and image.size == (256, 256)
    colours = np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)
    assert len(colours) > 5  # a drawing, not a blank
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM tiles").fetchone() == (1,)
    assert source.tile(17, x, y) == drawn


def test_no_tile_is_drawn_outside_the_package_or_its_zooms(grids, tmp_path):
    path = tmp_path / "demo.mbtiles"
    build_demo_package(path, grids)
    source = TileSource(TilePackage.open(path))
    west, south, _, _ = source.package.bounds()
    x, y, _, _ = tile_range((west - 1, south - 1, west - 1, south - 1), 16)
    assert tile_bounds(16, x, y)[2] < west
    assert source.tile(16, x, y) is None        # beyond its bounds
    assert source.tile(8, 213, 111) is None     # below its zooms
    assert source.tile(40, 0, 0) is None        # no such tile at all
