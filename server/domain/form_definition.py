"""Form definitions: the vocabulary of the format, and a definition's canonical bytes and hash.

The format is documented in forms/README.md. Checking a definition is `definition_checks`;
`form_validation.compile_form` refuses a definition that has any error.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

TYPE_ATTRIBUTES: dict[str, frozenset[str]] = {
    "text": frozenset({"min_length", "max_length", "pattern"}),
    "integer": frozenset({"min", "max"}),
    "decimal": frozenset({"min", "max"}),
    "date": frozenset({"min", "max"}),
    "datetime": frozenset({"min", "max"}),
    "select_one": frozenset({"choices"}),
    "select_multiple": frozenset({"choices"}),
    "id_card": frozenset(),
    "phone": frozenset(),
    "credit_code": frozenset(),
    "ref": frozenset({"ref_kind"}),
    "photo": frozenset({"max_count"}),
}
FIELD_TYPES = frozenset(TYPE_ATTRIBUTES)
COMMON_ATTRIBUTES = frozenset(
    {"name", "type", "label", "hint", "required", "relevant", "sensitive", "searchable"}
)
TOP_LEVEL_KEYS = frozenset(
    {"id", "version", "title", "description", "kind", "key", "choice_lists", "fields"}
)
KEY_TYPES = frozenset({"text", "id_card", "phone", "credit_code"})
SEARCHABLE_TYPES = frozenset({"text", "id_card", "phone", "credit_code"})
# Searchable fields matched whole, as numbers (the others are names).
NUMBER_TYPES = frozenset({"id_card", "phone", "credit_code"})
DEFAULT_TEXT_MAX_LENGTH = 2000
TEXT_MAX_LENGTH_LIMIT = 20000
SAFE_INTEGER = 2**53 - 1  # the largest integer a phone's JavaScript holds exactly
TODAY = "today"
PHOTO_MAX_COUNT_LIMIT = 10
PHOTO_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")
CONDITION_OPERATORS = ("equals", "in", "includes", "filled")
CONDITION_COMBINATIONS = ("all", "any", "not")
MAX_CONDITION_DEPTH = 8

NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
CHOICE_VALUE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
# Constructs that Python's re and the phone's JavaScript RegExp read differently or not at all.
UNPORTABLE_RE = re.compile(r"\\[AZzGpPkQE1-9sS]|\(\?(?![:=!])|\{,|[*+?}]\+")


@dataclass(frozen=True)
class DefinitionError:
    """One thing wrong with a form definition, and where."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        """The error as a problem+json `errors` member: {field, message}."""
        return {"field": self.path, "message": self.message}


class InvalidDefinition(ValueError):
    """A form definition that may not be published or compiled."""

    def __init__(self, errors: list[DefinitionError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


def parse_date(value: object) -> date | None:
    """A `YYYY-MM-DD` string as a real calendar date, or None."""
    if type(value) is not str or _DATE.fullmatch(value) is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: object) -> datetime | None:
    """An ISO 8601 date-time string with a time zone (`Z` or `+08:00`), or None."""
    if type(value) is not str or _DATETIME.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A field pattern compiled the way the server matches it (ASCII classes, full match)."""
    return re.compile(pattern, re.ASCII)


def choices_of(definition: Mapping, field: Mapping) -> list[dict]:
    """A select field's choices, inline or from the named list in `choice_lists`."""
    choices = field.get("choices")
    if isinstance(choices, str):
        lists = definition.get("choice_lists")
        choices = lists.get(choices) if isinstance(lists, dict) else None
    return choices if isinstance(choices, list) else []


def canonical_json(definition: Mapping) -> bytes:
    """The definition as sorted-key, compact UTF-8 JSON: the bytes its hash is taken over."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    return text.encode("utf-8")


def definition_sha256(definition: Mapping) -> str:
    """Hex SHA-256 of the canonical JSON: the immutable version's hash and its ETag."""
    return hashlib.sha256(canonical_json(definition)).hexdigest()


def finite_number(value: object) -> float | None:
    """A finite JSON number (never a boolean), or None."""
    return value if type(value) in (int, float) and math.isfinite(value) else None  # type: ignore[return-value]
