"""Path integers bounded by the column they are looked up in, so a huge id is a 404, not a 500.

The app's ``int`` converter stands in for werkzeug's: it matches ids up to PostgreSQL's bigint
(every table's id), and ``int4`` up to integer (e.g. a form's version number).
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, ValidationError

INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1


class BigIntConverter(IntegerConverter):
    """A non-negative integer that fits a bigint column."""

    maximum = INT8_MAX

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", self.maximum)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> Any:
        """The number, or no match (404) when it cannot be an id."""
        if len(value) > len(str(self.maximum)):  # also keeps int() off 5,000-digit strings
            raise ValidationError()
        return super().to_python(value)


class Int4Converter(BigIntConverter):
    """A non-negative integer that fits an integer column."""

    maximum = INT4_MAX


def register_converters(app: Flask) -> None:
    """Install the bounded converters; call before any route is registered."""
    app.url_map.converters["int"] = BigIntConverter
    app.url_map.converters["int4"] = Int4Converter
