"""Logging what a response revealed: after every API request, in one place.

The disclosure function notes every record it showed with a sensitive field in clear; once the
view has built its response, that is written to the access log and committed. If the log cannot
be written the response is not sent: no personal data leaves unlogged.
"""
from __future__ import annotations

from flask import Flask, Response, request

from server.auth.current import authenticated_user_id
from server.extensions import db
from server.services.access_log import PENDING, log_reads
from server.services.disclosure import take_revealed

PURPOSE_MAX = 200


def register_read_logging(app: Flask) -> None:
    """Log, after each request, the personal data its response revealed."""

    @app.after_request
    def log_revealed_reads(response: Response) -> Response:
        user_id = authenticated_user_id()
        if user_id is None:
            return response
        revealed = take_revealed(db.session, user_id)
        if response.status_code >= 400:
            db.session.info.pop(PENDING, None)
            return response
        if revealed:
            log_reads(db.session, user_id, request.endpoint or request.path, revealed,
                      purpose=(request.args.get("purpose") or "")[:PURPOSE_MAX] or None,
                      details={"method": request.method, "path": request.path[:300]})
        if db.session.info.pop(PENDING, False):
            db.session.commit()
        return response
