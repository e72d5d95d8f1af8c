"""The demo's base map package: the synthetic map's layers stored in an MBTiles file whose
tiles are rendered when first asked for (rendering all ~10,000 tiles up front would take
minutes; one tile takes a few tens of milliseconds)."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import shapely

from server.basemap.package import TilePackage, create_package
from server.basemap.synthetic import LAYERS, synthetic_map

GENERATOR = "zhiwang-synthetic-1"  # change it when the drawing changes: packages are rebuilt
ATTRIBUTION = "合成演示底图，非真实街道 · Synthetic demo base map, not real streets"
MIN_ZOOM, MAX_ZOOM = 12, 18
MARGIN = 0.01  # degrees, about 1 km


def build_demo_package(path: Path, grids_file: Path) -> str:
    """Write the synthetic package for ``grids_file`` unless ``path`` already holds it."""
    source = f"{GENERATOR}:{hashlib.sha256(grids_file.read_bytes()).hexdigest()}"
    if path.is_file():
        try:
            if TilePackage.open(path).metadata.get("zhiwang:synthetic") == source:
                return f"base map {path} is up to date"
        except ValueError:
            pass  # not a package (any more): rebuild it
    collection = json.loads(grids_file.read_text(encoding="utf-8"))
    layers = synthetic_map(collection)
    # Tiles a little beyond the district too: its surroundings are land, not a blank.
    west, south, east, north = shapely.total_bounds(np.concatenate(list(layers.values())))
    west, south, east, north = west - MARGIN, south - MARGIN, east + MARGIN, north + MARGIN
    create_package(path, {
        "name": "织网演示底图（合成） Zhiwang demo base map (synthetic)",
        "description": f"Made up from {grids_file.name}: roads along the grid edges, "
                       "buildings, parks and water that do not exist.",
        "attribution": ATTRIBUTION, "format": "png", "type": "baselayer", "version": "1",
        "minzoom": str(MIN_ZOOM), "maxzoom": str(MAX_ZOOM), "crs": "WGS84",
        "bounds": f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}",
        "center": f"{(west + east) / 2:.6f},{(south + north) / 2:.6f},14",
        "zhiwang:synthetic": source,
    })
    rows = [(name, shapely.to_wkb(geometry)) for name in LAYERS for geometry in layers[name]]
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE zhiwang_layers (name TEXT, geometry BLOB)")
        connection.executemany("INSERT INTO zhiwang_layers VALUES (?, ?)", rows)
    return f"base map {path}: {len(rows)} features, tiles z{MIN_ZOOM}–{MAX_ZOOM} drawn on demand"


def read_layers(path: Path) -> dict[str, np.ndarray]:
    """The synthetic layers stored in a demo package (name → lon/lat geometries)."""
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as connection:
        rows = connection.execute("SELECT name, geometry FROM zhiwang_layers").fetchall()
    names = np.array([name for name, _ in rows])
    geometries = shapely.from_wkb([geometry for _, geometry in rows])
    return {name: geometries[names == name] for name in LAYERS}
