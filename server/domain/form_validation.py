"""Validating a submission's `data` against the exact form version it was captured with.

A definition is compiled once into one small closure per field (`compile_form`, cached by the
definition's hash); `FormValidator.validate` is then a plain loop over those closures.
Semantics are documented in forms/README.md; the phone implements the same rules.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from server.domain import id_card as id_cards
from server.domain.form_definition import (
    DEFAULT_TEXT_MAX_LENGTH,
    SAFE_INTEGER,
    TODAY,
    choices_of,
    compile_pattern,
    definition_sha256,
    ensure_valid_definition,
    parse_date,
    parse_datetime,
)
from server.domain.phone_number import is_phone_number, masked_phone_number

# What counts as blank. Spelled out (not str.isspace / JS \s) so that phone and server agree.
WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_CONTROL_OR_SURROGATE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CACHE_SIZE = 64


class FieldError(TypedDict):
    """One field-level problem, as returned to the collector's phone."""

    field: str  # "data.<name>", or "data" when data is not an object
    code: str  # stable: required, type, pattern, id_card.check_digit, …
    message: str
    message_zh: str


@dataclass(frozen=True, slots=True)
class _Problem:
    code: str
    message: str
    message_zh: str

    def at(self, path: str) -> FieldError:
        return {"field": path, "code": self.code, "message": self.message,
                "message_zh": self.message_zh}


Check = Callable[[object, date], object]  # returns the cleaned value, or a _Problem
Condition = Callable[[dict], bool]  # over the effective values of earlier fields

_REQUIRED = _Problem("required", "is required", "必填")
_NOT_RELEVANT = _Problem("not_relevant", "must be empty: it does not apply given the other "
                         "answers", "根据其他选项，此项不适用，应留空")
_UNKNOWN = _Problem("unknown_field", "is not a field of this form version", "不是本表单版本的字段")
_NOT_OBJECT = _Problem("type", "must be an object of field values", "应为字段值对象")
_CHARACTERS = _Problem("characters", "contains control characters or broken Unicode",
                       "含有控制字符或无效字符")
_CHOICE = _Problem("choice", "is not one of the choices", "不是可选项之一")
_DUPLICATE = _Problem("duplicate_choice", "lists the same choice twice", "选项重复")
_DATE = _Problem("date", "must be a real date written YYYY-MM-DD", "应为有效日期（YYYY-MM-DD）")
_DATETIME = _Problem("datetime", "must be an ISO 8601 date and time with a time zone",
                     "应为带时区的日期时间（ISO 8601）")
_PHONE = _Problem("phone", "must be a mobile number (11 digits) or a landline with area code",
                  "应为11位手机号码或带区号的固定电话")
_REF = _Problem("ref", "must be a record id (UUID)", "应为记录编号（UUID）")
_TYPES = {
    "text": ("a string", "文本"), "integer": ("a whole number", "整数"),
    "decimal": ("a number", "数字"), "date": ("a date string", "日期文本"),
    "datetime": ("a date-time string", "日期时间文本"), "select_one": ("a choice value", "选项值"),
    "select_multiple": ("a list of choice values", "选项值列表"),
    "id_card": ("an ID number string", "身份号码文本"), "phone": ("a phone number string", "电话号码文本"),
    "ref": ("a record id string", "记录编号文本"),
}
_ID_CARD = {
    id_cards.FORMAT: ("must be 18 characters: 17 digits, then a digit or X",
                      "应为18位：17位数字加1位数字或X"),
    id_cards.REGION: ("must start with a region code (first digit 1-9)",
                      "行政区划代码无效（首位应为1-9）"),
    id_cards.BIRTH_DATE: ("contains an impossible birth date (not a real date, before 1900 or in "
                          "the future)", "出生日期无效（须为真实日期，不早于1900年且不晚于今天）"),
    id_cards.CHECK_DIGIT: ("has a wrong check digit: please re-check the number",
                           "校验码错误，请核对号码"),
}
_ID_CARD_PROBLEMS = {code: _Problem(f"id_card.{code}", en, zh) for code, (en, zh) in
                     _ID_CARD.items()}


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
        self.key: str = definition["key"]
        self.sensitive_fields = frozenset(f["name"] for f in fields if f.get("sensitive"))
        self.searchable_fields = frozenset(f["name"] for f in fields if f.get("searchable"))
        self.ref_kinds: dict[str, str] = {f["name"]: f["ref_kind"] for f in fields
                                          if f["type"] == "ref"}
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
                if type(result) is _Problem:
                    errors.append(result.at(path))
                else:
                    cleaned[name] = result
        if not self._names.issuperset(data):
            errors.extend(_UNKNOWN.at(_unknown_path(name)) for name in data
                          if name not in self._names)
        return cleaned, errors

    def key_of(self, cleaned: Mapping) -> str | None:
        """The record's natural key (e.g. the ID number) in cleaned data, if given."""
        return cleaned.get(self.key)

    @property
    def search_name_field(self) -> str | None:
        """The searchable text field that names the record (a person's or landlord's name)."""
        return next((f for f in self._order if f in self.searchable_fields
                     and self._types[f] == "text"), None)

    @property
    def search_key_fields(self) -> tuple[str, ...]:
        """Searchable fields matched whole: ID-card and phone numbers."""
        return tuple(f for f in self._order if f in self.searchable_fields
                     and self._types[f] in ("id_card", "phone"))

    def masked(self, data: Mapping) -> dict:
        """A copy of record data with the sensitive fields masked, for roles that may not see them."""
        shown = dict(data)
        for name in self.sensitive_fields & shown.keys():
            shown[name] = _masked_value(self._types[name], shown[name])
        return shown


def _compile_field(definition: Mapping, field: Mapping) -> tuple:
    """(name, error path, required, relevant predicate or None, value check) of one field."""
    relevant = field.get("relevant")
    return (field["name"], f'data.{field["name"]}', field.get("required", False),
            None if relevant is None else compile_condition(relevant),
            _CHECK_BUILDERS[field["type"]](definition, field))


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
    return "data." + _CONTROL_OR_SURROGATE.sub("\ufffd", shown)


def _masked_value(kind: str, value: object) -> object:
    if type(value) is not str:
        return "***" if value is not None else None
    if kind == "id_card":
        return id_cards.masked_id_card(value)
    if kind == "phone":
        return masked_phone_number(value)
    return "***"


def _type_problem(field: Mapping) -> _Problem:
    en, zh = _TYPES[field["type"]]
    return _Problem("type", f"must be {en}", f"应为{zh}")


def _text_check(definition: Mapping, field: Mapping) -> Check:
    longest = field.get("max_length", DEFAULT_TEXT_MAX_LENGTH)
    shortest = field.get("min_length", 0)
    pattern = compile_pattern(field["pattern"]) if "pattern" in field else None
    wrong_type = _type_problem(field)
    too_long = _Problem("max_length", f"must be at most {longest} characters",
                        f"不能超过{longest}个字符")
    too_short = _Problem("min_length", f"must be at least {shortest} characters",
                         f"不能少于{shortest}个字符")
    no_match = _Problem("pattern", "is not in the expected format", "格式不正确")

    def check(value: object, today: date) -> object:
        if type(value) is not str:
            return wrong_type
        if len(value) > longest:
            return too_long
        if len(value) < shortest:
            return too_short
        if _CONTROL_OR_SURROGATE.search(value):
            return _CHARACTERS
        if pattern is not None and pattern.fullmatch(value) is None:
            return no_match
        return value

    return check


def _number_check(definition: Mapping, field: Mapping) -> Check:
    integer = field["type"] == "integer"
    low = field.get("min", -SAFE_INTEGER if integer else -math.inf)
    high = field.get("max", SAFE_INTEGER if integer else math.inf)
    wrong_type = _type_problem(field)
    below = _Problem("min", f"must be at least {low}", f"不能小于{low}")
    above = _Problem("max", f"must be at most {high}", f"不能大于{high}")

    def check(value: object, today: date) -> object:
        kind = type(value)
        if not (kind is int or (kind is float and not integer and math.isfinite(value))):
            return wrong_type
        if value < low:
            return below
        if value > high:
            return above
        return value

    return check


def _date_check(definition: Mapping, field: Mapping) -> Check:
    parse, bad = (parse_date, _DATE) if field["type"] == "date" else (parse_datetime, _DATETIME)
    low = parse(field["min"]) if "min" in field else None
    high_today = field.get("max") == TODAY
    high = parse(field["max"]) if "max" in field and not high_today else None
    wrong_type = _type_problem(field)
    below = _Problem("min", f'must not be before {field.get("min")}', f'不能早于{field.get("min")}')
    upper = "today" if high_today else field.get("max")
    above = _Problem("max", f"must not be after {upper}",
                     "不能晚于" + ("今天" if high_today else str(upper)))

    def check(value: object, today: date) -> object:
        if type(value) is not str:
            return wrong_type
        moment = parse(value)
        if moment is None:
            return bad
        if low is not None and moment < low:
            return below
        if (high_today and moment > today) or (high is not None and moment > high):
            return above
        return value

    return check


def _select_check(definition: Mapping, field: Mapping) -> Check:
    values = frozenset(choice["value"] for choice in choices_of(definition, field))
    wrong_type = _type_problem(field)

    def check_one(value: object, today: date) -> object:
        if type(value) is not str:
            return wrong_type
        return value if value in values else _CHOICE

    def check_many(value: object, today: date) -> object:
        if type(value) is not list or any(type(item) is not str for item in value):
            return wrong_type
        if not values.issuperset(value):
            return _CHOICE
        return value if len(set(value)) == len(value) else _DUPLICATE

    return check_one if field["type"] == "select_one" else check_many


def _id_card_check(definition: Mapping, field: Mapping) -> Check:
    wrong_type = _type_problem(field)

    def check(value: object, today: date) -> object:
        if type(value) is not str:
            return wrong_type
        problem = id_cards.id_card_problem(value, today)
        if problem is not None:
            return _ID_CARD_PROBLEMS[problem]
        return value if value[17] != "x" else value[:17] + "X"

    return check


def _phone_check(definition: Mapping, field: Mapping) -> Check:
    wrong_type = _type_problem(field)

    def check(value: object, today: date) -> object:
        if type(value) is not str:
            return wrong_type
        return value if is_phone_number(value) else _PHONE

    return check


def _ref_check(definition: Mapping, field: Mapping) -> Check:
    wrong_type = _type_problem(field)

    def check(value: object, today: date) -> object:
        if type(value) is not str:
            return wrong_type
        # iOS writes UUIDs in upper case; records are keyed by the lower-case form.
        return value.lower() if _UUID.fullmatch(value) else _REF

    return check


_CHECK_BUILDERS: dict[str, Callable[[Mapping, Mapping], Check]] = {
    "text": _text_check, "integer": _number_check, "decimal": _number_check,
    "date": _date_check, "datetime": _date_check, "select_one": _select_check,
    "select_multiple": _select_check, "id_card": _id_card_check, "phone": _phone_check,
    "ref": _ref_check,
}
