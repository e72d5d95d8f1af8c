"""One error model: domain errors and HTTP errors rendered as RFC 9457 problem+json."""
from __future__ import annotations

import logging
from typing import Any

import psycopg
from flask import Flask, Response, json
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

PROBLEM_BASE = "https://zhiwang.example/problems/"
PROBLEM_JSON = "application/problem+json"
# How long a client should wait before retrying while the database is unreachable (a restart
# or fail-over takes seconds); phones retry their outbox on their own schedule anyway.
DATABASE_RETRY_AFTER_S = 5
# Errors that say the database cannot be reached or cannot serve right now (connection lost,
# server restarting, pool exhausted, deadlock or serialisation failure): worth a retry.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                        psycopg.OperationalError, psycopg.InterfaceError)
log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal the caller can understand; carries its HTTP status and a stable type."""

    status = 400
    type = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class NotFound(DomainError):
    status, type, title = 404, "not-found", "Not found"


class Unauthorized(DomainError):
    status, type, title = 401, "unauthorized", "Authentication required"


class Forbidden(DomainError):
    status, type, title = 403, "forbidden", "Forbidden"


class Conflict(DomainError):
    status, type, title = 409, "conflict", "Conflict"


class Gone(DomainError):
    status, type, title = 410, "gone", "Gone"


class Invalid(DomainError):
    status, type, title = 422, "invalid", "Validation failed"


class TooLarge(DomainError):
    status, type, title = 413, "too-large", "Request too large"


class TooManyRequests(DomainError):
    """A refusal to try again later; ``retry_after`` seconds go in the Retry-After header."""

    status, type, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any):
        super().__init__(detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after


def problem(status: int, type_: str, title: str, detail: str | None = None,
            **members: Any) -> Response:
    """Build an application/problem+json response."""
    body: dict[str, Any] = {"type": PROBLEM_BASE + type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in members.items() if v is not None})
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype=PROBLEM_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="zhiwang"'
    return response


def field_errors(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten marshmallow's nested message dict into ``[{field, message}]`` with dotted paths."""
    if isinstance(messages, dict):
        found: list[dict[str, str]] = []
        for key, value in messages.items():
            # List positions are written items[3], as the JSON path a client would write.
            path = (f"{prefix}[{key}]" if isinstance(key, int) else
                    f"{prefix}.{key}" if prefix else str(key))
            if key == "_schema":
                path = prefix or "body"
            found.extend(field_errors(value, path))
        return found
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [{"field": prefix or "body", "message": m} for m in messages]
    if isinstance(messages, list):
        return [e for i, m in enumerate(messages) for e in field_errors(m, f"{prefix}[{i}]")]
    return [{"field": prefix or "body", "message": str(messages)}]


def render_domain_error(error: DomainError) -> Response:
    """Render a DomainError."""
    response = problem(error.status, error.type, error.title, error.detail,
                       errors=error.errors, **error.extra)
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def render_database_unavailable(error: Exception) -> Response:
    """The database cannot be reached right now: 503 with Retry-After, never a 500."""
    log.warning("database unavailable: %s", str(error).splitlines()[0] if str(error) else error)
    response = problem(503, "database-unavailable", "Service unavailable",
                       "The database cannot be reached right now; nothing was stored by this "
                       "request. Try again shortly.", retry_after=DATABASE_RETRY_AFTER_S)
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    return response


def render_http_exception(error: HTTPException) -> Response:
    """Render werkzeug and webargs errors (including 404/405/413) as problem+json."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages is not None:
        # webargs nests by location ("json", "query"); the location is not a field name.
        flat = {}
        for location_messages in messages.values():
            flat.update(location_messages if isinstance(location_messages, dict) else {})
        return problem(422, "invalid", "Validation failed",
                       "The request does not match the expected shape.",
                       errors=field_errors(flat))
    type_ = (error.name or "error").lower().replace(" ", "-")
    detail = error.description if status != 413 else (
        "The request body is larger than this server accepts.")
    response = problem(status, type_, error.name or "Error", detail)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def render_unexpected(error: Exception) -> Response:
    """Log an unexpected exception and answer a 500 that reveals nothing of it."""
    if isinstance(error, HTTPException):
        return render_http_exception(error)
    if isinstance(error, DATABASE_UNAVAILABLE):
        return render_database_unavailable(error)
    log.exception("unhandled error")
    return problem(500, "internal", "Internal server error",
                   "Something went wrong on the server; it has been logged.")


def register_error_handlers(app: Flask) -> None:
    """Route every error through the problem+json renderers."""
    app.register_error_handler(DomainError, render_domain_error)
    app.register_error_handler(HTTPException, render_http_exception)
    for database_error in DATABASE_UNAVAILABLE:
        app.register_error_handler(database_error, render_database_unavailable)
    app.register_error_handler(Exception, render_unexpected)
