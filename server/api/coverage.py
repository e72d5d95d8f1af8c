"""Coverage of the grids, for the supervisor's console."""
from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify
from server.api.blueprint import Blueprint
from marshmallow import Schema, fields

from server.auth.current import current_user, login_required
from server.extensions import db
from server.services import coverage as service

blp = Blueprint("coverage", __name__, url_prefix="/api/v1/coverage",
                description="Records, freshness and open conflicts per grid")


class Collector(Schema):
    """A collector, by username and display name."""

    username = fields.String(required=True)
    display_name = fields.String(required=True)


class GridCoverageSchema(Schema):
    """One grid's state."""

    grid = fields.String(required=True)
    name = fields.String(required=True)
    street_name = fields.String(allow_none=True)
    community_name = fields.String(allow_none=True)
    records = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                          metadata={"description": "live records by kind"})
    last_collected_at = fields.DateTime(allow_none=True)
    open_conflicts = fields.Integer(required=True)
    primary_collector = fields.Nested(Collector, allow_none=True)


class CoverageSchema(Schema):
    """Every grid in scope, by code."""

    items = fields.List(fields.Nested(GridCoverageSchema), required=True)


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, CoverageSchema)
@login_required()
def coverage() -> Response:
    """Per grid I may see: records by kind, last collection time, open conflicts, primary."""
    items = []
    for grid in service.grid_coverage(db.session, current_user()):
        item = asdict(grid)
        item["last_collected_at"] = (grid.last_collected_at.isoformat()
                                     if grid.last_collected_at else None)
        items.append(item)
    return jsonify(items=items)
