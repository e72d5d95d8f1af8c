"""Validating a submission's `data` against the exact form version it was captured with.

A definition is compiled once into one small closure per field (`compile_form`, cached by the
definition's hash); `FormValidator.validate` is then a plain loop over those closures.
Semantics are documented in forms/README.md; the phone implements the same rules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import date

from server.domain import id_card as id_cards
from server.domain.field_checks import (CHECK_BUILDERS, CONTROL_OR_SURROGATE, FieldError,
                                        Problem)
from server.domain.definition_checks import ensure_valid_definition
from server.domain.form_definition import NUMBER_TYPES, definition_sha256

# What counts as blank. Spelled out (not str.isspace / JS \s) so that phone and server agree.
WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_CACHE_SIZE = 64

Condition = Callable[[dict], bool]  # over the effective values of earlier fields

_REQUIRED = Problem("required", "is required", "必填")
_NOT_RELEVANT = Problem("not_relevant", "must be empty: it does not apply given the other "
                        "answers", "根据其他选项，此项不适用，应留空")
_UNKNOWN = Problem("unknown_field", "is not a field of this form version", "不是本表单版本的字段")
_NOT_OBJECT = Problem("type", "must be an object of field values", "应为字段值对象")


def is_empty(value: object) -> bool:
    """Whether a submitted value counts as not given: null, [], or a string of only whitespace."""
    if value is None:
        return True
    kind = type(value)
    return (kind is str and not value.strip(WHITESPACE)) or (kind is list and not value)


class FormValidator:
    """One form version compiled into per-field checks; `validate` is the hot path."""

    def __init__(self, definition: Mapping) -> None:
        ensure_valid_definition(definition)
        fields = definition["fields"]
        self.form_id: str = definition["id"]
        self.version: int = definition["version"]
        self.kind: str = definition["kind"]
        self.key: str | None = definition.get("key")  # None: records known by their id
        self.sensitive_fields = frozenset(f["name"] for f in fields if f.get("sensitive"))
        self.searchable_fields = frozenset(f["name"] for f in fields if f.get("searchable"))
        self.ref_kinds: dict[str, str] = {f["name"]: f["ref_kind"] for f in fields
                                          if f["type"] == "ref"}
        self.photo_fields: tuple[str, ...] = tuple(f["name"] for f in fields
                                                   if f["type"] == "photo")
        self._types = {f["name"]: f["type"] for f in fields}
        self._order = tuple(f["name"] for f in fields)
        self._rules = tuple(_compile_field(definition, field) for field in fields)
        self._names = frozenset(self._types)

    def validate(self, data: object, today: date | None = None) -> tuple[dict, list[FieldError]]:
        """Check one submission's data: (the given values, cleaned; the field errors).

        `today` (China time by default) bounds birth dates and "today" maxima; pass the same
        date for a whole batch. The cleaned dict holds only given, valid, relevant values.
        """
        if type(data) is not dict:
            return {}, [_NOT_OBJECT.at("data")]
        today = today or id_cards.china_today()
        cleaned: dict[str, object] = {}
        errors: list[FieldError] = []
        effective: dict[str, object] = {}  # what later conditions see
        for name, path, required, condition, check in self._rules:
            value = data.get(name)
            kind = type(value)
            # is_empty(), inlined: this loop is the hot path.
            given = value is not None and not (
                (kind is str and not value.strip(WHITESPACE)) or (kind is list and not value))
            if condition is not None and not condition(effective):
                if given:
                    errors.append(_NOT_RELEVANT.at(path))
            elif not given:
                if required:
                    errors.append(_REQUIRED.at(path))
            else:
                effective[name] = value
                result = check(value, today)
                if type(result) is Problem:
                    errors.append(result.at(path))
                else:
                    cleaned[name] = result
        if not self._names.issuperset(data):
            errors.extend(_UNKNOWN.at(_unknown_path(name)) for name in data
                          if name not in self._names)
        return cleaned, errors

    def key_of(self, cleaned: Mapping) -> str | None:
        """The record's natural key (e.g. the ID number) in cleaned data, if given."""
        return cleaned.get(self.key) if self.key else None

    def natural_key(self, cleaned: Mapping, record_id: object) -> str:
        """The key a record is stored under: its key field's value, or for a form without a
        key (each capture a new record: an event, a verification) the record's id."""
        return str(cleaned.get(self.key, "")) if self.key else str(record_id)

    @property
    def search_name_field(self) -> str | None:
        """The searchable text field that names the record (a person's or landlord's name)."""
        return next((f for f in self._order if f in self.searchable_fields
                     and self._types[f] == "text"), None)

    @property
    def search_key_fields(self) -> tuple[str, ...]:
        """Searchable fields matched whole: ID-card, phone numbers and credit codes."""
        return tuple(f for f in self._order if f in self.searchable_fields
                     and self._types[f] in NUMBER_TYPES)

    @property
    def field_types(self) -> dict[str, str]:
        """Each field's type, by name."""
        return self._types


def _compile_field(definition: Mapping, field: Mapping) -> tuple:
    """(name, error path, required, relevant predicate or None, value check) of one field."""
    relevant = field.get("relevant")
    return (field["name"], f'data.{field["name"]}', field.get("required", False),
            None if relevant is None else compile_condition(relevant),
            CHECK_BUILDERS[field["type"]](definition, field))


def compile_form(definition: Mapping, sha256: str | None = None) -> FormValidator:
    """The validator of a form version, compiled once and cached by the definition's hash.

    Pass the stored `sha256` of the version (it must be `definition_sha256(definition)`) to
    skip hashing the definition on every call.
    """
    digest = sha256 or definition_sha256(definition)
    validator = _compiled.get(digest)
    if validator is None:
        validator = FormValidator(definition)
        with _compiled_lock:
            if len(_compiled) >= _CACHE_SIZE:
                _compiled.pop(next(iter(_compiled)))
            _compiled[digest] = validator
    return validator


def compiled_form(sha256: str) -> FormValidator | None:
    """The validator compiled for a definition hash, if this process has compiled it."""
    return _compiled.get(sha256)


_compiled: dict[str, FormValidator] = {}
_compiled_lock = threading.Lock()


def compile_condition(condition: Mapping) -> Condition:
    """A (checked) relevant condition as a predicate over the effective values of fields."""
    if "all" in condition:
        parts = tuple(map(compile_condition, condition["all"]))
        return lambda values: all(part(values) for part in parts)
    if "any" in condition:
        parts = tuple(map(compile_condition, condition["any"]))
        return lambda values: any(part(values) for part in parts)
    if "not" in condition:
        inner = compile_condition(condition["not"])
        return lambda values: not inner(values)
    name = condition["field"]
    if "filled" in condition:
        wanted = condition["filled"]
        return lambda values: (name in values) is wanted
    if "includes" in condition:
        wanted = condition["includes"]
        return lambda values: type(found := values.get(name)) is list and wanted in found
    options = tuple(condition["in"]) if "in" in condition else (condition["equals"],)
    return lambda values: _among(values.get(name), options)


def _among(value: object, options: tuple) -> bool:
    # JSON equality: true never equals 1, "1" never equals 1, 1 equals 1.0.
    return value is not None and type(value) is not bool and value in options


def _unknown_path(name: object) -> str:
    shown = str(name) if len(str(name)) <= 64 else str(name)[:64] + "…"
    return "data." + CONTROL_OR_SURROGATE.sub("\ufffd", shown)
