"""What the server's tile URL serves: the configured package's tiles; for the demo's
synthetic package, a missing tile is drawn on first request and kept in the package."""
from __future__ import annotations

import logging
import sqlite3
import threading

from server.basemap.demo import read_layers
from server.basemap.package import FORMATS, TilePackage, store_tiles
from server.basemap.render import TileRenderer
from server.basemap.tiles import is_tile, tile_bounds

log = logging.getLogger(__name__)


class TileSource:
    """Tiles by z/x/y from a package; None for a tile it does not have."""

    def __init__(self, package: TilePackage) -> None:
        self.package = package
        self.synthetic = "zhiwang:synthetic" in package.metadata
        self._renderer: TileRenderer | None = None
        self._lock = threading.Lock()

    @property
    def media_type(self) -> str:
        """The tiles' Content-Type."""
        return FORMATS[self.package.format]

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's bytes, or None when there is no such tile."""
        if not is_tile(z, x, y):
            return None
        data = self.package.tile(z, x, y)
        if data is None and self.synthetic and self._drawable(z, x, y):
            data = self._renderer_of().render(z, x, y)
            try:
                store_tiles(self.package.path, [(z, x, y, data)])
            except sqlite3.Error as error:  # a read-only package still serves what it draws
                log.warning("could not keep tile %s/%s/%s: %s", z, x, y, error)
        return data

    def _drawable(self, z: int, x: int, y: int) -> bool:
        low, high = self.package.zoom_range()
        bounds = self.package.bounds()
        if not low <= z <= high or bounds is None:
            return False
        west, south, east, north = tile_bounds(z, x, y)
        return west < bounds[2] and east > bounds[0] and south < bounds[3] and north > bounds[1]

    def _renderer_of(self) -> TileRenderer:
        with self._lock:  # load the layers once per process, on the first miss
            if self._renderer is None:
                self._renderer = TileRenderer(read_layers(self.package.path))
            return self._renderer
