"""Form definitions: checking a definition itself, and its canonical bytes and hash.

The format is documented in forms/README.md. `definition_errors` is what `flask forms publish`
runs; `form_validation.compile_form` refuses a definition that has any error.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
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
    "ref": frozenset({"ref_kind"}),
}
FIELD_TYPES = frozenset(TYPE_ATTRIBUTES)
COMMON_ATTRIBUTES = frozenset(
    {"name", "type", "label", "hint", "required", "relevant", "sensitive", "searchable"}
)
TOP_LEVEL_KEYS = frozenset(
    {"id", "version", "title", "description", "kind", "key", "choice_lists", "fields"}
)
KEY_TYPES = frozenset({"text", "id_card", "phone"})
SEARCHABLE_TYPES = frozenset({"text", "id_card", "phone"})
DEFAULT_TEXT_MAX_LENGTH = 2000
TEXT_MAX_LENGTH_LIMIT = 20000
SAFE_INTEGER = 2**53 - 1  # the largest integer a phone's JavaScript holds exactly
TODAY = "today"
CONDITION_OPERATORS = ("equals", "in", "includes", "filled")
CONDITION_COMBINATIONS = ("all", "any", "not")
MAX_CONDITION_DEPTH = 8

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CHOICE_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
# Constructs that Python's re and the phone's JavaScript RegExp read differently or not at all.
_UNPORTABLE = re.compile(r"\\[AZzGpPkQE1-9sS]|\(\?(?![:=!])|\{,|[*+?}]\+")


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


def ensure_valid_definition(definition: object) -> None:
    """Raise InvalidDefinition listing every problem, if the definition has any."""
    errors = definition_errors(definition)
    if errors:
        raise InvalidDefinition(errors)


def definition_errors(definition: object) -> list[DefinitionError]:
    """Every problem with a form definition, each naming its place; empty when publishable."""
    if not isinstance(definition, dict):
        return [DefinitionError("$", "a form definition must be a JSON object")]
    checker = _Checker(definition)
    checker.check()
    return checker.errors


class _Checker:
    """Walks one definition, collecting DefinitionErrors."""

    def __init__(self, definition: dict) -> None:
        self.definition = definition
        self.errors: list[DefinitionError] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append(DefinitionError(path, message))

    def check(self) -> None:
        d = self.definition
        for key in sorted(set(d) - TOP_LEVEL_KEYS, key=str):
            self.add(str(key), "unknown attribute")
        self.check_name("id", d.get("id"))
        self.check_name("kind", d.get("kind"))
        version = d.get("version")
        if type(version) is not int or version < 1:
            self.add("version", "must be an integer >= 1")
        self.check_label("title", d.get("title"), required=True)
        self.check_label("description", d.get("description"), required=False)
        self.check_choice_lists(d.get("choice_lists", {}))
        fields = d.get("fields")
        if not isinstance(fields, list) or not fields:
            self.add("fields", "must be a non-empty list of fields")
            return
        self.check_fields(fields)
        self.check_key(fields)

    def check_name(self, path: str, value: object) -> None:
        if type(value) is not str or not _NAME.fullmatch(value):
            self.add(path, f"{json.dumps(value, ensure_ascii=False)} is not a name "
                           "(lower-case letter, then letters, digits or _; at most 64)")

    def check_label(self, path: str, label: object, required: bool) -> None:
        if label is None and not required:
            return
        ok = (isinstance(label, dict) and set(label) == {"zh", "en"}
              and all(type(v) is str and v.strip() for v in label.values()))
        if not ok:
            self.add(path, 'must be {"zh": "…", "en": "…"} with both texts non-empty')

    def check_choice_lists(self, lists: object) -> None:
        if not isinstance(lists, dict):
            self.add("choice_lists", "must be an object of named choice lists")
            return
        for name, choices in lists.items():
            self.check_name(f"choice_lists.{name}", name)
            self.check_choices(f"choice_lists.{name}", choices)

    def check_choices(self, path: str, choices: object) -> None:
        if not isinstance(choices, list) or not choices:
            self.add(path, "must be a non-empty list of {value, label}")
            return
        seen: set[str] = set()
        for i, choice in enumerate(choices):
            where = f"{path}[{i}]"
            if not isinstance(choice, dict) or set(choice) - {"value", "label", "hint"}:
                self.add(where, "a choice is {value, label, hint?}")
                continue
            value = choice.get("value")
            if type(value) is not str or not _CHOICE_VALUE.fullmatch(value):
                self.add(where, f"value {json.dumps(value, ensure_ascii=False)} must be a "
                                "string of letters, digits, _ . - (at most 64)")
            elif value in seen:
                self.add(where, f'duplicate value "{value}"')
            else:
                seen.add(value)
            self.check_label(f"{where}.label", choice.get("label"), required=True)
            self.check_label(f"{where}.hint", choice.get("hint"), required=False)

    def check_fields(self, fields: list) -> None:
        first_at: dict[str, int] = {}
        for i, field in enumerate(fields):
            if not isinstance(field, dict):
                self.add(f"fields[{i}]", "a field must be an object")
                continue
            name = field.get("name")
            path = f"fields[{i}] ({name})" if type(name) is str else f"fields[{i}]"
            self.check_field(path, field)
            if type(name) is str and name in first_at:
                self.add(path, f'duplicate field name "{name}" (first at fields[{first_at[name]}])')
            elif type(name) is str:
                first_at[name] = i
            if "relevant" in field:
                self.check_condition(f"{path}.relevant", field["relevant"], i)

    def check_field(self, path: str, field: dict) -> None:
        self.check_name(f"{path}.name", field.get("name"))
        kind = field.get("type")
        if type(kind) is not str or kind not in FIELD_TYPES:
            self.add(path, f"unknown type {json.dumps(kind, ensure_ascii=False)}")
            return
        for attribute in sorted(set(field) - COMMON_ATTRIBUTES - TYPE_ATTRIBUTES[kind], key=str):
            self.add(path, f'"{attribute}" is not allowed on a {kind} field')
        self.check_label(f"{path}.label", field.get("label"), required=True)
        self.check_label(f"{path}.hint", field.get("hint"), required=False)
        for flag in ("required", "sensitive", "searchable"):
            if flag in field and type(field[flag]) is not bool:
                self.add(path, f'"{flag}" must be true or false')
        if field.get("searchable") is True and kind not in SEARCHABLE_TYPES:
            self.add(path, f"a {kind} field cannot be searchable")
        getattr(self, f"check_{kind}", lambda *_: None)(path, field)

    def check_text(self, path: str, field: dict) -> None:
        low, high = field.get("min_length", 0), field.get("max_length", DEFAULT_TEXT_MAX_LENGTH)
        if type(low) is not int or low < 0:
            self.add(path, "min_length must be an integer >= 0")
        elif type(high) is not int or not 1 <= high <= TEXT_MAX_LENGTH_LIMIT:
            self.add(path, f"max_length must be an integer from 1 to {TEXT_MAX_LENGTH_LIMIT}")
        elif low > high:
            self.add(path, f"min_length {low} is greater than max_length {high}")
        if "pattern" in field:
            self.check_pattern(path, field["pattern"])

    def check_pattern(self, path: str, pattern: object) -> None:
        if type(pattern) is not str or not pattern:
            self.add(path, "pattern must be a non-empty string")
            return
        try:
            compile_pattern(pattern)
        except re.error as error:
            self.add(path, f"bad pattern: {error}")
            return
        unportable = _UNPORTABLE.search(pattern)
        if unportable:
            self.add(path, f'pattern uses "{unportable.group()}", which the phone reads '
                           "differently; see forms/README.md")

    def check_integer(self, path: str, field: dict) -> None:
        self.check_bounds(path, field, _integer_bound, "an integer within ±(2**53-1)")

    def check_decimal(self, path: str, field: dict) -> None:
        self.check_bounds(path, field, _decimal_bound, "a finite number")

    def check_date(self, path: str, field: dict) -> None:
        self.check_bounds(path, field, parse_date, 'an ISO date "YYYY-MM-DD" (max: or "today")')

    def check_datetime(self, path: str, field: dict) -> None:
        self.check_bounds(path, field, parse_datetime, "an ISO date-time with a time zone")

    def check_bounds(self, path: str, field: dict, parse: Callable[[object], object],
                     expected: str) -> None:
        parsed = {}
        for side in ("min", "max"):
            raw = field.get(side)
            if raw is None or (side == "max" and raw == TODAY and field["type"] == "date"):
                continue
            value = parse(raw)
            if value is None:
                self.add(path, f"{side} must be {expected}")
                return
            parsed[side] = value
        if len(parsed) == 2 and parsed["min"] > parsed["max"]:
            self.add(path, f'min {field["min"]} is greater than max {field["max"]}')

    def check_select_one(self, path: str, field: dict) -> None:
        choices = field.get("choices")
        if isinstance(choices, str):
            if choices not in self.definition.get("choice_lists", {}):
                self.add(path, f'choice list "{choices}" is not in choice_lists')
        elif choices is None:
            self.add(path, f'a {field["type"]} field needs "choices"')
        else:
            self.check_choices(f"{path}.choices", choices)

    check_select_multiple = check_select_one

    def check_ref(self, path: str, field: dict) -> None:
        if "ref_kind" not in field:
            self.add(path, 'a ref field needs "ref_kind" (the kind of record it points to)')
        else:
            self.check_name(f"{path}.ref_kind", field["ref_kind"])

    def check_key(self, fields: list) -> None:
        key = self.definition.get("key")
        by_name = {field["name"]: field for field in fields
                   if isinstance(field, dict) and type(field.get("name")) is str}
        if type(key) is not str or key not in by_name:
            self.add("key", f"{json.dumps(key, ensure_ascii=False)} is not a field")
            return
        field = by_name[key]
        if field.get("required") is not True:
            self.add("key", f'the key field "{key}" must be required')
        if "relevant" in field:
            self.add("key", f'the key field "{key}" cannot have a relevant condition')
        if field.get("type") not in KEY_TYPES:
            self.add("key", f'the key field "{key}" must be of type ' + "/".join(sorted(KEY_TYPES)))

    def check_condition(self, path: str, condition: object, index: int, depth: int = 0) -> None:
        if depth > MAX_CONDITION_DEPTH:
            self.add(path, f"conditions nest deeper than {MAX_CONDITION_DEPTH}")
        elif not isinstance(condition, dict) or not condition:
            self.add(path, "a condition must be a non-empty object")
        elif set(condition) & set(CONDITION_COMBINATIONS):
            self.check_combination(path, condition, index, depth)
        elif "field" not in condition:
            self.add(path, 'a condition needs "field", or one of "all", "any", "not"')
        else:
            self.check_comparison(path, condition, index)

    def check_combination(self, path: str, condition: dict, index: int, depth: int) -> None:
        if len(condition) != 1:
            self.add(path, 'combine with exactly one of "all", "any", "not" and nothing else')
            return
        ((combination, operand),) = condition.items()
        if combination == "not":
            self.check_condition(f"{path}.not", operand, index, depth + 1)
        elif not isinstance(operand, list) or not operand:
            self.add(f"{path}.{combination}", "must be a non-empty list of conditions")
        else:
            for i, part in enumerate(operand):
                self.check_condition(f"{path}.{combination}[{i}]", part, index, depth + 1)

    def check_comparison(self, path: str, condition: dict, index: int) -> None:
        operators = [key for key in condition if key != "field"]
        unknown = [key for key in operators if key not in CONDITION_OPERATORS]
        if unknown or len(operators) != 1:
            found = ", ".join(f'"{key}"' for key in unknown) or f"{len(operators)} operators"
            self.add(path, f"needs exactly one operator of {', '.join(CONDITION_OPERATORS)}; "
                           f"found {found}")
            return
        target = self.referenced_field(f"{path}.field", condition["field"], index)
        if target is not None:
            operator = operators[0]
            self.check_operand(f"{path}.{operator}", operator, condition[operator], target)

    def referenced_field(self, path: str, name: object, index: int) -> dict | None:
        fields = self.definition["fields"]
        if name == fields[index].get("name"):
            self.add(path, "a field's condition cannot refer to the field itself")
            return None
        for position, field in enumerate(fields):
            if isinstance(field, dict) and field.get("name") == name:
                if position > index:
                    self.add(path, f'refers to the later field "{name}" (fields[{position}]); '
                                   "conditions may only look at earlier fields")
                    return None
                return field
        self.add(path, f"unknown field {json.dumps(name, ensure_ascii=False)}")
        return None

    def check_operand(self, path: str, operator: str, operand: object, target: dict) -> None:
        kind, name = target.get("type"), target.get("name")
        if operator == "filled":
            if type(operand) is not bool:
                self.add(path, "must be true or false")
        elif (operator == "includes") != (kind == "select_multiple"):
            self.add(path, f'cannot test a {kind} field "{name}" with "{operator}" '
                           '(use "includes" for select_multiple, "equals"/"in" otherwise)')
        elif operator == "in" and (not isinstance(operand, list) or not operand):
            self.add(path, "must be a non-empty list of values")
        else:
            for value in operand if operator == "in" else [operand]:
                if not self.fits(value, target):
                    self.add(path, f"{json.dumps(value, ensure_ascii=False)} is not a possible "
                                   f'value of the {kind} field "{name}"')

    def fits(self, value: object, target: dict) -> bool:
        kind = target.get("type")
        if kind in ("select_one", "select_multiple"):
            choices = choices_of(self.definition, target)
            return type(value) is str and any(
                isinstance(choice, dict) and choice.get("value") == value for choice in choices)
        if kind == "integer":
            return type(value) is int
        if kind == "decimal":
            return _decimal_bound(value) is not None
        return type(value) is str


def _integer_bound(value: object) -> int | None:
    return value if type(value) is int and -SAFE_INTEGER <= value <= SAFE_INTEGER else None


def _decimal_bound(value: object) -> float | None:
    return value if type(value) in (int, float) and math.isfinite(value) else None
