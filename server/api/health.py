"""Liveness and database health."""
from __future__ import annotations

from flask import Response, jsonify
from server.api.blueprint import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.errors import problem
from server.extensions import db

blp = Blueprint("health", __name__, description="Service health")


class Health(Schema):
    """The service and its database answer."""

    status = fields.String(required=True)
    database = fields.String(required=True)
    postgis = fields.String(required=True)


@blp.route("/healthz")
@blp.response(200, Health)
def healthz() -> Response:
    """Report whether the database and PostGIS answer."""
    try:
        version = db.session.execute(text("SELECT postgis_full_version()")).scalar_one()
    except SQLAlchemyError:
        db.session.rollback()
        return problem(503, "unavailable", "Database unavailable",
                       "The database does not answer.", database="unreachable")
    return jsonify(status="ok", database="ok", postgis=_short_version(version))


def _short_version(full: str) -> str:
    """``POSTGIS="3.3.2 4975da8" [EXTENSION] …`` → ``3.3.2 4975da8 …`` (version first)."""
    first, _, rest = full.partition(" [")
    return first.removeprefix('POSTGIS="').rstrip('"') + (" [" + rest if rest else "")
