"""Draw raster tiles from vector layers with Pillow (the demo's synthetic base map).

Each tile is drawn at twice its size and halved, which smooths edges Pillow draws without
anti-aliasing; widths are in metres, so roads widen as one zooms in, like a real map.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import shapely
from PIL import Image, ImageDraw

from server.basemap.tiles import TILE_SIZE, tile_bounds, world_pixels

SCALE = 2
LAND = "#f2efe9"


@dataclass(frozen=True)
class Style:
    """How one layer is drawn: areas filled (and outlined), or lines over a darker casing."""

    layer: str
    lines: bool
    colour: str
    edge: str | None = None
    width_m: float = 0.0
    min_zoom: int = 0


STYLES = (
    Style("water", False, "#aad3df"),
    Style("green", False, "#c8e3a8"),
    Style("buildings", False, "#ddd4cb", "#c2b3a4", min_zoom=15),
    Style("lanes", True, "#ffffff", "#d8d2c8", 5, min_zoom=16),
    Style("roads", True, "#ffffff", "#cbc3b6", 9, min_zoom=13),
    Style("secondary", True, "#fbf6d2", "#cdbf86", 14, min_zoom=12),
    Style("arterials", True, "#f9c98c", "#cf9650", 24),
)


class TileRenderer:
    """Renders XYZ tiles of a set of lon/lat layers; safe to share between threads."""

    def __init__(self, layers: dict[str, np.ndarray]) -> None:
        self.layers = layers
        self.trees = {name: shapely.STRtree(geoms) for name, geoms in layers.items()}

    def render(self, z: int, x: int, y: int) -> bytes:
        """The PNG of tile z/x/y."""
        size = TILE_SIZE * SCALE
        image = Image.new("RGB", (size, size), LAND)
        draw = ImageDraw.Draw(image)
        west, south, east, north = tile_bounds(z, x, y)
        margin = (east - west) * 0.1
        box = (west - margin, south - margin, east + margin, north + margin)
        metres_per_px = (40_075_016.7 * math.cos(math.radians((south + north) / 2))
                         / (TILE_SIZE * 2 ** z * SCALE))
        for style in STYLES:
            if z < style.min_zoom or style.layer not in self.trees:
                continue
            hits = self.layers[style.layer][self.trees[style.layer].query(shapely.box(*box))]
            parts = shapely.get_parts(shapely.clip_by_rect(hits, *box))
            rings = _pixel_rings(parts, style.lines, z, x, y)
            if style.lines:
                width = max(style.width_m / metres_per_px, SCALE * 0.8)
                _draw_lines(draw, rings, style, width)
            else:
                for ring in rings:
                    if len(ring) > 2:
                        draw.polygon(ring, fill=style.colour, outline=style.edge)
        return _png(image.reduce(SCALE))


def _pixel_rings(parts: np.ndarray, lines: bool, z: int, x: int,
                 y: int) -> list[list[tuple[float, float]]]:
    """Each line (or polygon outline) as a list of pixel positions within the tile image."""
    if lines:
        parts = parts[shapely.get_type_id(parts) == 1]  # LineStrings; points of a clip dropped
    else:
        parts = shapely.get_exterior_ring(parts[shapely.get_type_id(parts) == 3])
    if not len(parts):
        return []
    coords, index = shapely.get_coordinates(parts, return_index=True)
    px, py = world_pixels(coords[:, 0], coords[:, 1], z)
    points = np.column_stack([(px - x * TILE_SIZE) * SCALE, (py - y * TILE_SIZE) * SCALE])
    cuts = np.flatnonzero(np.diff(index)) + 1
    return [list(map(tuple, chunk)) for chunk in np.split(points, cuts)]


def _draw_lines(draw: ImageDraw.ImageDraw, lines: list[list[tuple[float, float]]],
                style: Style, width: float) -> None:
    """A casing under every line first, then the lines: crossings join cleanly."""
    for colour, w in ((style.edge, width + 2 * SCALE), (style.colour, width)):
        if colour is None:
            continue
        w = max(int(round(w)), 1)
        for line in lines:
            if len(line) > 1:
                draw.line(line, fill=colour, width=w, joint="curve")
                for cx, cy in (line[0], line[-1]):  # round caps: Pillow draws square ends
                    draw.ellipse((cx - w / 2, cy - w / 2, cx + w / 2, cy + w / 2), fill=colour)


def _png(image: Image.Image) -> bytes:
    """A small palette PNG: a map has few colours."""
    out = io.BytesIO()
    image.quantize(64, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=False)
    return out.getvalue()
