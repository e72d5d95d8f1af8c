"""The HTTP limits the app enforces itself, so that refusals come as problem+json.

gunicorn's own limits (``gunicorn.conf.py``) are set above these: a request between the two is
refused here with problem+json; only a request past gunicorn's limits (a request line over
8190 bytes, a header over 16 KiB, more than 200 headers, malformed HTTP) gets gunicorn's
plain-text or HTML answer, before the app ever sees it.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, request

from server.errors import problem

MAX_REQUEST_TARGET = 4096  # bytes of path and query
MAX_HEADER_BYTES = 8190  # bytes of one header's value
MAX_HEADERS = 100

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


_BODY_LIMIT = "_body_limit_setting"


def body_limit(setting: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let one endpoint take bodies up to the config value ``setting`` (not MAX_CONTENT_LENGTH)."""
    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, _BODY_LIMIT, setting)
        return view
    return mark


def apply_body_limit() -> None:
    """Before anything reads the body (the request guard parses forms), set the endpoint's limit."""
    view = current_app.view_functions.get(request.endpoint or "")
    setting = getattr(view, _BODY_LIMIT, None)
    if setting is not None:
        request.max_content_length = current_app.config[setting]


class RequestLimits:
    """WSGI middleware: 414 for a long request target, 431 for big or many headers, 413 for a
    chunked body over ``MAX_CONTENT_LENGTH`` (werkzeug would cut it silently at the limit)."""

    def __init__(self, app: Flask, wrapped: WsgiApp) -> None:
        self.app = app
        self.wrapped = wrapped

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        refusal = self._refusal(environ)
        if refusal is not None:
            return refusal(environ, start_response)
        return self.wrapped(environ, start_response)

    def _refusal(self, environ: Environ) -> Any:
        target = len(environ.get("RAW_URI") or "") or (
            len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) + 1)
        if target > MAX_REQUEST_TARGET:
            return problem(414, "uri-too-long", "URI too long",
                           f"The path and query may hold at most {MAX_REQUEST_TARGET} bytes.")
        headers = [(k, v) for k, v in environ.items()
                   if k.startswith("HTTP_") or k in ("CONTENT_TYPE", "CONTENT_LENGTH")]
        if len(headers) > MAX_HEADERS:
            return problem(431, "headers-too-large", "Request header fields too large",
                           f"A request may carry at most {MAX_HEADERS} headers.")
        big = next((k for k, v in headers if isinstance(v, str) and len(v) > MAX_HEADER_BYTES),
                   None)
        if big is not None:
            return problem(431, "headers-too-large", "Request header fields too large",
                           f"A header may hold at most {MAX_HEADER_BYTES} bytes.",
                           header=_header_name(big))
        return self._buffer_chunked_body(environ)

    def _buffer_chunked_body(self, environ: Environ) -> Any:
        """Read a body of unknown length up to the limit; past it, answer 413."""
        if environ.get("CONTENT_LENGTH") or not environ.get("wsgi.input_terminated"):
            return None
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        if limit is None:
            return None
        body = environ["wsgi.input"].read(limit + 1)
        if len(body) > limit:
            return problem(413, "too-large", "Request too large",
                           "The request body is larger than this server accepts.",
                           max_bytes=limit)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return None


def _header_name(environ_key: str) -> str:
    name = environ_key[5:] if environ_key.startswith("HTTP_") else environ_key
    return name.replace("_", "-").title()
