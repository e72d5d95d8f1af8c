"""Grid boundaries: the caller's collection, one grid, the grid covering a point."""
from __future__ import annotations

from typing import Any

from flask import Response
from server.api.blueprint import Blueprint
from marshmallow import Schema, fields, validate

from server.api.http_cache import cached_json
from server.auth.current import current_user, login_required
from server.extensions import db
from server.services import grid_views
from server.services.scope import visible_grids

blp = Blueprint("grids", __name__, url_prefix="/api/v1/grids", description="Grid boundaries")
GEOJSON = "application/geo+json"


class GridProperties(Schema):
    """What a grid is, and how the caller relates to it."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    street_code = fields.String(allow_none=True)
    street_name = fields.String(allow_none=True)
    community_code = fields.String(allow_none=True)
    community_name = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    relation = fields.String(required=True, metadata={
        "description": "assigned | neighbour | supervised | district | located | other"})


class GridFeature(Schema):
    """A grid as a GeoJSON Feature (WGS-84, 6 decimals)."""

    type = fields.String(required=True, validate=validate.Equal("Feature"))
    id = fields.String(required=True)
    geometry = fields.Dict(required=True, allow_none=True, metadata={
        "description": "GeoJSON (Multi)Polygon; null when located outside the grids I may see"})
    properties = fields.Nested(GridProperties, required=True)


class GridCollection(Schema):
    """The grids the caller may see, as a GeoJSON FeatureCollection."""

    type = fields.String(required=True, validate=validate.Equal("FeatureCollection"))
    simplify_m = fields.Float(required=True)
    features = fields.List(fields.Nested(GridFeature), required=True)


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
@blp.response(200, GridCollection, content_type=GEOJSON)
@login_required()
def collection(query: dict[str, Any]) -> Response:
    """The grids I may see as a FeatureCollection; ETag and 304, gzip."""
    scope = visible_grids(db.session, current_user())
    simplify = grid_views.snapped_tolerance(query.get("simplify"))
    etag = grid_views.scope_etag(db.session, scope, simplify)
    return cached_json(etag, lambda: grid_views.feature_collection(db.session, scope, simplify),
                       mimetype=GEOJSON)


@blp.route("/locate")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(LocateQuery, location="query")
@blp.response(200, GridFeature, content_type=GEOJSON)
@login_required()
def locate(query: dict[str, Any]) -> Response:
    """The grid covering a point; 404 outside every grid."""
    scope = visible_grids(db.session, current_user())
    body = grid_views.grid_covering(db.session, query["lon"], query["lat"], scope)
    return Response(body, mimetype=GEOJSON)


@blp.route("/<code>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, GridFeature, content_type=GEOJSON)
@login_required()
def one(code: str) -> Response:
    """One grid I may see, with its exact boundary."""
    scope = visible_grids(db.session, current_user())
    return Response(grid_views.grid_feature(db.session, code, scope), mimetype=GEOJSON)
