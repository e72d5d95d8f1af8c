"""Coverage of the grids, for the supervisor's console."""
from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify
from flask_smorest import Blueprint

from server.auth.current import current_user, login_required
from server.extensions import db
from server.services import coverage as service

blp = Blueprint("coverage", __name__, url_prefix="/api/v1/coverage",
                description="Records, freshness and open conflicts per grid")


@blp.route("")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200)
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
