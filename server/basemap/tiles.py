"""Web Mercator tile arithmetic (the XYZ scheme of web maps): pure, no I/O."""
from __future__ import annotations

import math

import numpy as np

TILE_SIZE = 256
MAX_ZOOM = 24  # deeper than any base map serves; larger z is simply "no such tile"
MAX_LAT = 85.0511287798066  # where Web Mercator is cut off into a square


def is_tile(z: int, x: int, y: int) -> bool:
    """Whether z/x/y names a tile of the XYZ pyramid at all."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z


def tms_row(z: int, y: int) -> int:
    """The MBTiles (TMS) row of XYZ row ``y``: TMS counts rows from the south."""
    return 2 ** z - 1 - y


def world_pixels(lon: np.ndarray, lat: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes (degrees) as pixel positions in the zoom-``z`` world image."""
    size = TILE_SIZE * 2 ** z
    lat = np.clip(lat, -MAX_LAT, MAX_LAT)
    x = (np.asarray(lon) + 180.0) / 360.0 * size
    sin = np.sin(np.radians(lat))
    y = (0.5 - np.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * size
    return x, y


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The tile's (west, south, east, north) in degrees."""
    n = 2 ** z

    def lat_of(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat_of(y + 1), (x + 1) / n * 360.0 - 180.0, lat_of(y)


def tile_range(bbox: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """(x_min, y_min, x_max, y_max), inclusive, of the zoom-``z`` tiles covering a lon/lat bbox."""
    west, south, east, north = bbox
    xs, ys = world_pixels(np.array([west, east]), np.array([north, south]), z)
    last = 2 ** z - 1
    clamp = lambda v: min(max(int(v // TILE_SIZE), 0), last)  # noqa: E731
    return clamp(xs[0]), clamp(ys[0]), clamp(xs[1]), clamp(ys[1])
