"""JSON as a client may send it: RFC 8259 numbers, bounded nesting, text PostgreSQL can store.

Every request body goes through ``loads_strict`` (the request guard, webargs, Flask's
``get_json`` and the sync upload), so one place decides what a body may hold:
- NaN and Infinity are not JSON numbers: refused (ValueError, like a syntax error);
- a number too large for a double (``1e400``) is kept as its literal text, so that the check
  of the field it sits in refuses it by name (a sync item is then ``rejected`` on its own);
- nesting deeper than ``MAX_DEPTH`` is refused before anything can recurse on it;
- a NUL character or a lone surrogate anywhere (PostgreSQL's text and jsonb cannot hold them)
  is refused naming the field's path, e.g. ``items[3].data.name``.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import has_request_context, request
from flask.json.provider import DefaultJSONProvider

from server.errors import Invalid

MAX_DEPTH = 32
# A NUL or a surrogate arrives as a \u escape or, for a surrogate, as its UTF-8-like bytes
# (json.loads decodes bytes with 'surrogatepass'); a body without either needs no walk.
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|\xed[\xa0-\xbf]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CACHE_KEY = "zhiwang.json_body"


def _refuse_constant(name: str) -> Any:
    # A JSONDecodeError, so that every JSON reader reports it as invalid JSON.
    raise json.JSONDecodeError(f"{name} is not a valid JSON number", name, 0)


def _finite_or_literal(literal: str) -> float | str:
    number = float(literal)
    return number if math.isfinite(number) else literal


def loads_strict(data: str | bytes) -> Any:
    """Parse a request body by the rules above (ValueError for what is not JSON at all)."""
    if has_request_context():
        cached = request.environ.get(_CACHE_KEY)
        if cached is not None and cached[0] is data:
            return cached[1]  # the request guard parsed this very body already
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_or_literal)
    except RecursionError:
        raise too_deep() from None
    if depth_exceeds(value, MAX_DEPTH):
        raise too_deep()
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if _SUSPECT.search(raw):
        path = unstorable_path(value)
        if path is not None:
            raise unstorable(path)
    return value


def remember_parsed(data: bytes, value: Any) -> None:
    """Keep a request body's parse, so that later readers of the same bytes do not parse again."""
    request.environ[_CACHE_KEY] = (data, value)


def too_deep() -> Invalid:
    """The refusal of a body nested too deeply."""
    return Invalid(f"The body is nested deeper than {MAX_DEPTH} levels; nothing was stored.",
                   errors=[{"field": "body", "message": f"nested deeper than {MAX_DEPTH} levels"}])


def unstorable(field: str) -> Invalid:
    """The refusal of text holding a NUL character or a lone surrogate, naming its field."""
    return Invalid("The request holds a NUL character or a lone surrogate, which cannot be "
                   "stored.",
                   errors=[{"field": printable(field), "message": "holds a NUL character or a "
                            "lone surrogate, which cannot be stored"}])


def printable(text: str) -> str:
    """A text with NUL and lone surrogates escaped, safe to echo in an answer."""
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def has_unstorable_text(text: str) -> bool:
    """Whether a text holds a NUL character or a lone surrogate."""
    return _UNSTORABLE.search(text) is not None


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit`` (iterative: no recursion on client data)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def unstorable_path(value: Any, path: str = "") -> str | None:
    """The path of the first key or text holding a NUL or a lone surrogate, or None."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if has_unstorable_text(node):
                return where or "body"
        elif isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{where}.{key}" if where else str(key)
                if has_unstorable_text(key):
                    return where or "body"
                stack.append((child, child_path))
        elif isinstance(node, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(node))
    return None


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, parsing request bodies with ``loads_strict``."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a request body."""
        return loads_strict(s)
