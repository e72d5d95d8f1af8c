"""Tile packages: MBTiles files (SQLite, the MBTiles 1.3 layout) read with the standard library.

A package is opened read-only for serving; only the demo's synthetic package is written to,
by the process that renders a missing tile (see ``server.basemap.source``).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from server.basemap.tiles import tms_row

FORMATS = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
SCHEMA = """
CREATE TABLE IF NOT EXISTS metadata (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
                                  tile_data BLOB);
CREATE UNIQUE INDEX IF NOT EXISTS tile_index ON tiles (zoom_level, tile_column, tile_row);
"""


class PackageError(ValueError):
    """The file is not a usable raster tile package."""


@dataclass(frozen=True)
class TilePackage:
    """An MBTiles file and its metadata (name → value, as stored)."""

    path: Path
    metadata: dict[str, str]

    @classmethod
    def open(cls, path: str | Path) -> TilePackage:
        """Open a package, checking that it holds raster tiles a web map can show."""
        path = Path(path).resolve()
        if not path.is_file():
            raise PackageError(f"no tile package at {path}")
        try:
            with closing(_connect(path)) as connection:
                metadata = dict(connection.execute("SELECT name, value FROM metadata").fetchall())
                connection.execute("SELECT 1 FROM tiles LIMIT 1").fetchall()
        except sqlite3.Error as error:
            raise PackageError(f"{path} is not an MBTiles file: {error}") from None
        if metadata.get("format", "png") not in FORMATS:
            raise PackageError(f"{path}: format {metadata.get('format')!r} is not a raster "
                               f"format (one of {', '.join(FORMATS)})")
        return cls(path, metadata)

    @property
    def format(self) -> str:
        """The tiles' file extension: png, jpg or webp."""
        return "jpg" if self.metadata.get("format") == "jpeg" else self.metadata.get("format", "png")

    def zoom_range(self) -> tuple[int, int]:
        """(min, max) zoom of the package (its metadata, else 0–18)."""
        return _int(self.metadata.get("minzoom"), 0), _int(self.metadata.get("maxzoom"), 18)

    def bounds(self) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) from the metadata, or None."""
        try:
            west, south, east, north = (float(v) for v in self.metadata["bounds"].split(","))
        except (KeyError, ValueError):
            return None
        return west, south, east, north

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The bytes of XYZ tile z/x/y, or None when the package lacks it."""
        with closing(_connect(self.path)) as connection:
            row = connection.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?", (z, x, tms_row(z, y))).fetchone()
        return bytes(row[0]) if row else None


def create_package(path: Path, metadata: dict[str, str]) -> None:
    """Create (or replace) an empty package with its metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executescript(SCHEMA)
        connection.executemany("INSERT INTO metadata VALUES (?, ?)", metadata.items())


def store_tiles(path: Path, tiles: Iterable[tuple[int, int, int, bytes]]) -> None:
    """Add XYZ tiles (z, x, y, bytes) to a package; a tile already there is kept."""
    rows = [(z, x, tms_row(z, y), data) for z, x, y, data in tiles]
    with closing(sqlite3.connect(path, timeout=10)) as connection, connection:
        connection.executemany("INSERT OR IGNORE INTO tiles VALUES (?, ?, ?, ?)", rows)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=10)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
