"""HTTP blueprints, one per resource; thin handlers over the services."""
from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from server.api import (assignments, attachments, auth, basemap, conflicts, coverage,
                        departments, emergencies, events, exports, forms, grids, health,
                        imports, jobs, me, records, sync, warnings, webhooks)
from server.api.schemas import ProblemSchema
from server.errors import PROBLEM_JSON

BLUEPRINTS = (health.blp, auth.blp, me.blp, grids.blp, assignments.blp, forms.blp,
              sync.blp, records.blp, conflicts.blp, coverage.blp, jobs.blp,
              departments.blp, imports.blp, events.blp, basemap.blp, basemap.tiles_blp,
              attachments.blp, exports.blp, webhooks.blp,
              warnings.blp, emergencies.blp)


class ProblemApi(Api):
    """flask-smorest's Api, documenting errors as RFC 9457 problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        """Every error status, and the default response, as application/problem+json (what
        the error handlers send), not flask-smorest's application/json."""
        for status in http.HTTPStatus:
            response: dict[str, object] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            content_type = PROBLEM_JSON if status >= 400 else self.DEFAULT_RESPONSE_CONTENT_TYPE
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


def register_blueprints(api: Api) -> None:
    """Register every blueprint on the API."""
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)


def declare_security(api: Api) -> None:
    """Declare bearer authentication in the OpenAPI document."""
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})


__all__ = ["Flask", "ProblemApi", "declare_security", "register_blueprints"]
