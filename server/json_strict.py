"""JSON as RFC 8259 defines it: NaN and Infinity are not numbers a client may send."""
from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider


def _refuse_constant(name: str) -> Any:
    # A JSONDecodeError, so that every JSON reader reports it as invalid JSON.
    raise json.JSONDecodeError(f"{name} is not a valid JSON number", name, 0)


def loads_strict(data: str | bytes) -> Any:
    """Parse JSON, refusing NaN, Infinity and -Infinity."""
    return json.loads(data, parse_constant=_refuse_constant)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing NaN and Infinity in request bodies."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a request body."""
        kwargs.setdefault("parse_constant", _refuse_constant)
        return json.loads(s, **kwargs)
