"""Grid boundaries: the caller's collection, one grid, the grid covering a point."""
from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.http_cache import cached_json
from server.auth.current import current_user, login_required
from server.extensions import db
from server.services import grid_views

blp = Blueprint("grids", __name__, url_prefix="/api/v1/grids", description="Grid boundaries")
GEOJSON = "application/geo+json"


class CollectionQuery(Schema):
    """Simplification tolerance in metres (0: exact), rounded to 0, 2, 5, 10, 20, 50, 100, 200
    or 500; 10 by default."""

    simplify = fields.Float(validate=validate.Range(min=0, max=1000))


class LocateQuery(Schema):
    """A WGS-84 point."""

    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(CollectionQuery, location="query")
@blp.response(200)
@login_required()
def collection(query: dict[str, Any]) -> Response:
    """The grids I may see as a FeatureCollection; ETag and 304, gzip."""
    scope = grid_views.visible_grids(db.session, current_user())
    simplify = grid_views.snapped_tolerance(query.get("simplify"))
    etag = grid_views.scope_etag(db.session, scope, simplify)
    return cached_json(etag, lambda: grid_views.feature_collection(db.session, scope, simplify),
                       mimetype=GEOJSON)


@blp.route("/locate")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(LocateQuery, location="query")
@blp.response(200)
@login_required()
def locate(query: dict[str, Any]) -> Response:
    """The grid covering a point; 404 outside every grid."""
    body = grid_views.grid_covering(db.session, query["lon"], query["lat"])
    return Response(body, mimetype=GEOJSON)


@blp.route("/<code>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200)
@login_required()
def one(code: str) -> Response:
    """One grid I may see, with its exact boundary."""
    scope = grid_views.visible_grids(db.session, current_user())
    return Response(grid_views.grid_feature(db.session, code, scope), mimetype=GEOJSON)
