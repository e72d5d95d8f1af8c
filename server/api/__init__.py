"""HTTP blueprints, one per resource; thin handlers over the services."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from server.api import (assignments, auth, conflicts, coverage, departments, forms, grids,
                        health, jobs, me, records, sync, webhooks)
from server.api.schemas import ProblemSchema

BLUEPRINTS = (health.blp, auth.blp, me.blp, grids.blp, assignments.blp, forms.blp,
              sync.blp, records.blp, conflicts.blp, coverage.blp, jobs.blp,
              departments.blp, webhooks.blp)


class ProblemApi(Api):
    """flask-smorest's Api, documenting errors as RFC 9457 problem+json."""

    ERROR_SCHEMA = ProblemSchema


def register_blueprints(api: Api) -> None:
    """Register every blueprint on the API."""
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)


def declare_security(api: Api) -> None:
    """Declare bearer authentication in the OpenAPI document."""
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})


__all__ = ["Flask", "ProblemApi", "declare_security", "register_blueprints"]
