"""The blueprint every API resource uses: flask-smorest's, reading JSON bodies strictly."""
from __future__ import annotations

from typing import Any

import flask
import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from server.errors import Invalid
from server.json_strict import loads_strict


class StrictParser(FlaskParser):
    """webargs' Flask parser reading bodies with the app's strict JSON rules (json_strict),
    whatever the content type says: a phone that labels its batch text/plain is still read."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        data = req.get_data(cache=True)
        if not data and not is_json_request(req):
            return core.missing
        return loads_strict(data)

    def _handle_invalid_json_error(self, error: Exception, req: flask.Request, *args: Any,
                                   **kwargs: Any) -> Any:
        raise Invalid("The body is not valid JSON; nothing was stored.",
                      errors=[{"field": "body", "message": str(error)}])


class Blueprint(flask_smorest.Blueprint):
    """A resource's blueprint."""

    ARGUMENTS_PARSER = StrictParser()
