"""Checking a form definition itself: every problem, each naming its place.

`definition_errors` is what `flask forms publish` runs; conditions are checked by
`definition_conditions`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from server.domain.definition_conditions import ConditionChecks
from server.domain.event_workflow import workflow_form_problems
from server.domain.form_definition import (
    COMMON_ATTRIBUTES, DEFAULT_TEXT_MAX_LENGTH, FIELD_TYPES, KEY_TYPES, NAME_RE, CHOICE_VALUE_RE,
    PHOTO_MAX_COUNT_LIMIT, SAFE_INTEGER, SEARCHABLE_TYPES, TEXT_MAX_LENGTH_LIMIT, TODAY, TOP_LEVEL_KEYS, TYPE_ATTRIBUTES,
    UNPORTABLE_RE, DefinitionError, InvalidDefinition, compile_pattern, finite_number,
    parse_date, parse_datetime)


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


class _Checker(ConditionChecks):
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
        for path, message in workflow_form_problems(d):
            self.add(path, message)

    def check_name(self, path: str, value: object) -> None:
        if type(value) is not str or not NAME_RE.fullmatch(value):
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
            if type(value) is not str or not CHOICE_VALUE_RE.fullmatch(value):
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
        unportable = UNPORTABLE_RE.search(pattern)
        if unportable:
            self.add(path, f'pattern uses "{unportable.group()}", which the phone reads '
                           "differently; see forms/README.md")

    def check_integer(self, path: str, field: dict) -> None:
        self.check_bounds(path, field, _integer_bound, "an integer within ±(2**53-1)")

    def check_decimal(self, path: str, field: dict) -> None:
        self.check_bounds(path, field, finite_number, "a finite number")

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

    def check_photo(self, path: str, field: dict) -> None:
        count = field.get("max_count", 1)
        if type(count) is not int or not 1 <= count <= PHOTO_MAX_COUNT_LIMIT:
            self.add(path, f"max_count must be an integer from 1 to {PHOTO_MAX_COUNT_LIMIT}")

    def check_key(self, fields: list) -> None:
        if "key" not in self.definition:
            return  # no natural key: each capture is a new record, known by its id
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


def _integer_bound(value: object) -> int | None:
    return value if type(value) is int and -SAFE_INTEGER <= value <= SAFE_INTEGER else None

