"""The base map: how clients draw it (an authenticated description) and the tiles of the
server's own tile package (public, like the clients' static files: image requests carry no
bearer token)."""
from __future__ import annotations

import hashlib
import json

from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from server.api.http_cache import cached_json
from server.auth.current import login_required
from server.basemap.settings import BaseMapSettings
from server.errors import NotFound

blp = Blueprint("basemap", __name__, url_prefix="/api/v1/basemap",
                description="The base map under the grids")
tiles_blp = Blueprint("tiles", __name__, url_prefix="/tiles",
                      description="Tiles of the server's own tile package (MBTiles)")


class TileSourceSchema(Schema):
    """An XYZ tile source, as Leaflet's L.tileLayer takes it."""

    url = fields.String(metadata={"description": "URL template with {z} {x} {y} (and {s})"})
    overlay_url = fields.String(allow_none=True, metadata={"description": "a labels layer"})
    attribution = fields.String()
    crs = fields.String(metadata={"description": "datum of the tiles: WGS84 or GCJ02; clients "
                                                 "shift grids, records and GPS into it"})
    min_zoom = fields.Integer()
    max_zoom = fields.Integer()
    subdomains = fields.List(fields.String())
    bounds = fields.List(fields.Float(), allow_none=True,
                         metadata={"description": "[west, south, east, north] with tiles"})


class OfflineSchema(Schema):
    """What a phone keeps for offline use: the tiles of its grids and their neighbours."""

    min_zoom = fields.Integer()
    max_zoom = fields.Integer()
    max_mb = fields.Float(metadata={"description": "size cap of the phone's tile cache"})


class BaseMapSchema(Schema):
    """The base map; `source` null means no base map (grids on a plain background)."""

    source = fields.Nested(TileSourceSchema, allow_none=True)
    offline = fields.Nested(OfflineSchema, allow_none=True)
    version = fields.String(metadata={"description": "changes when any of this changes"})


def _settings() -> BaseMapSettings:
    return current_app.extensions["zhiwang_basemap"]


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, BaseMapSchema)
@login_required()
def basemap() -> Response:
    """The tile source, its datum and zooms, and the phones' offline cache limits; ETag.

    Set by the server's configuration: ZHIWANG_BASEMAP ("none", "package" or a tile source),
    ZHIWANG_TILE_PACKAGE (an MBTiles file served at /tiles/) and ZHIWANG_OFFLINE_TILES.
    """
    settings = _settings()
    return cached_json(settings.version, lambda: json.dumps(settings.description).encode())


@tiles_blp.route("/<int:z>/<int:x>/<int:y>.<ext>")
@tiles_blp.response(200, {"type": "string", "format": "binary"}, content_type="image/png",
                    description="the tile (png, jpg or webp, as the package holds)")
@tiles_blp.alt_response(404, description="no such tile, or no tile package configured")
def tile(z: int, x: int, y: int, ext: str) -> Response:
    """One XYZ tile; cacheable for a day, ETag and 304."""
    source = _settings().tiles
    data = source.tile(z, x, y) if source and ext == source.package.format else None
    if data is None:
        raise NotFound(f"no tile {z}/{x}/{y}.{ext}")
    response = Response(data, mimetype=source.media_type)
    response.set_etag(hashlib.md5(data, usedforsecurity=False).hexdigest())
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['TILE_MAX_AGE']}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # a base map other sites may show
    return response.make_conditional(request)
