"""Refuse, before any handler runs, what no handler can store: one check for every endpoint.

A NUL character or a lone surrogate in a path segment, a query parameter, a header, a form
field or anywhere in a JSON body is answered 422 naming the field (``path.code``,
``query.user``, ``header.X-Device``, ``items[2].data.name``); a JSON body that is not JSON,
holds NaN, or nests too deeply is refused too. The parsed JSON body is kept for the handler.
"""
from __future__ import annotations

from flask import Flask, request

from server.errors import Invalid
from server.json_strict import has_unstorable_text, loads_strict, remember_parsed, unstorable

_JSON_SUFFIX = "+json"


def guard_request() -> None:
    """Check the text of the request; raise a problem when some of it cannot be stored."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and has_unstorable_text(value):
            raise unstorable(f"path.{name}")
    for name, value in request.args.items(multi=True):
        if has_unstorable_text(name) or has_unstorable_text(value):
            raise unstorable(f"query.{name}")
    for name, value in request.headers.items():
        if has_unstorable_text(value):
            raise unstorable(f"header.{name}")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            # A multipart part may come without a name (werkzeug gives None).
            if has_unstorable_text(name or "") or has_unstorable_text(value or ""):
                raise unstorable(f"form.{name}")
    elif _is_json(request.mimetype):
        _check_json_body()


def _check_json_body() -> None:
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        value = loads_strict(data)
    except ValueError as error:
        raise Invalid("The body is not valid JSON; nothing was stored.",
                      errors=[{"field": "body", "message": str(error)}]) from None
    remember_parsed(data, value)


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith(_JSON_SUFFIX)


def register_request_guard(app: Flask) -> None:
    """Run the guard before every request."""
    app.before_request(guard_request)
