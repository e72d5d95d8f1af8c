"""Web Mercator tile arithmetic: the XYZ pyramid, TMS rows, tiles covering a box."""
from __future__ import annotations

import numpy as np
import pytest

from server.basemap.tiles import MAX_ZOOM, is_tile, tile_bounds, tile_range, tms_row, world_pixels


@pytest.mark.parametrize("z, x, y, exists", [
    (0, 0, 0, True), (1, 1, 1, True), (1, 2, 0, False), (16, 53585, 28524, True),
    (-1, 0, 0, False), (3, -1, 0, False), (MAX_ZOOM + 1, 0, 0, False), (10**30, 0, 0, False),
    (18, 2**18, 0, False), (18, 0, 10**40, False)])
def test_only_tiles_of_the_pyramid_exist(z, x, y, exists):
    assert is_tile(z, x, y) is exists


def test_mbtiles_rows_count_from_the_south():
    assert tms_row(0, 0) == 0
    assert tms_row(3, 0) == 7 and tms_row(3, 7) == 0


def test_a_tiles_corners_land_on_its_pixel_edges():
    z, x, y = 16, 53585, 28524
    west, south, east, north = tile_bounds(z, x, y)
    px, py = world_pixels(np.array([west, east]), np.array([north, south]), z)
    assert np.allclose(px, [x * 256, (x + 1) * 256]) and np.allclose(py, [y * 256, (y + 1) * 256])


def test_the_tiles_covering_a_box_include_its_corners_and_nothing_past_them():
    box = (114.35, 22.69, 114.36, 22.70)
    x0, y0, x1, y1 = tile_range(box, 17)
    assert tile_bounds(17, x0, y0)[0] <= box[0] and tile_bounds(17, x0, y0)[3] >= box[3]
    assert tile_bounds(17, x1, y1)[2] >= box[2] and tile_bounds(17, x1, y1)[1] <= box[1]
    assert tile_bounds(17, x0 + 1, y0)[0] > box[0] and tile_bounds(17, x1 - 1, y1)[2] < box[2]
    assert tile_range((-180, -89, 180, 89), 2) == (0, 0, 3, 3)  # clamped to the world
