"""The check of one field's value, per field type: compiled once per form version.

Each builder takes the form definition and one field and returns a closure that answers the
cleaned value or a `Problem`. Semantics are documented in forms/README.md; the phone's
validate.js implements the same rules (a parity test compares them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from server.domain import credit_code as credit_codes
from server.domain import id_card as id_cards
from server.domain.form_definition import (
    DEFAULT_TEXT_MAX_LENGTH,
    PHOTO_CONTENT_TYPES,
    SAFE_INTEGER,
    TODAY,
    choices_of,
    compile_pattern,
    parse_date,
    parse_datetime,
)
from server.domain.phone_number import is_phone_number

CONTROL_OR_SURROGATE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PHOTO_KEYS = frozenset({"sha256", "content_type", "size"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class FieldError(TypedDict):
    """One field-level problem, as returned to the collector's phone."""

    field: str  # "data.<name>", or "data" when data is not an object
    code: str  # stable: required, type, pattern, id_card.check_digit, …
    message: str
    message_zh: str


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    message_zh: str

    def at(self, path: str) -> FieldError:
        return {"field": path, "code": self.code, "message": self.message,
                "message_zh": self.message_zh}


Check = Callable[[object, date], object]  # returns the cleaned value, or a Problem

_CHARACTERS = Problem("characters", "contains control characters or broken Unicode",
                      "含有控制字符或无效字符")
_CHOICE = Problem("choice", "is not one of the choices", "不是可选项之一")
_DUPLICATE = Problem("duplicate_choice", "lists the same choice twice", "选项重复")
_DATE = Problem("date", "must be a real date written YYYY-MM-DD", "应为有效日期（YYYY-MM-DD）")
_DATETIME = Problem("datetime", "must be an ISO 8601 date and time with a time zone",
                    "应为带时区的日期时间（ISO 8601）")
_PHONE = Problem("phone", "must be a mobile number (11 digits) or a landline with area code",
                 "应为11位手机号码或带区号的固定电话")
_REF = Problem("ref", "must be a record id (UUID)", "应为记录编号（UUID）")
_PHOTO = Problem("photo", "each photo must be {sha256: 64 lower-case hex digits, content_type: "
                 "image/jpeg|png|webp, size: bytes}", "照片信息无效（sha256、类型或大小不正确）")
_DUPLICATE_PHOTO = Problem("duplicate_photo", "lists the same photo twice", "照片重复")
_TYPES = {
    "text": ("a string", "文本"), "integer": ("a whole number", "整数"),
    "decimal": ("a number", "数字"), "date": ("a date string", "日期文本"),
    "datetime": ("a date-time string", "日期时间文本"), "select_one": ("a choice value", "选项值"),
    "select_multiple": ("a list of choice values", "选项值列表"),
    "id_card": ("an ID number string", "身份号码文本"), "phone": ("a phone number string", "电话号码文本"),
    "credit_code": ("a credit code string", "信用代码文本"),
    "ref": ("a record id string", "记录编号文本"),
    "photo": ("a list of photos", "照片列表"),
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
_ID_CARD_PROBLEMS = {code: Problem(f"id_card.{code}", en, zh) for code, (en, zh) in
                     _ID_CARD.items()}
_CREDIT_CODE = {
    credit_codes.FORMAT: ("must be 18 characters: digits and capital letters except I, O, S, V, "
                          "Z, with digits in places 3-8",
                          "应为18位：数字或大写字母（不含I、O、S、V、Z），第3-8位为数字"),
    credit_codes.CHECK_CHARACTER: ("has a wrong check character: please re-check the code",
                                   "校验码错误，请核对代码"),
}
_CREDIT_CODE_PROBLEMS = {code: Problem(f"credit_code.{code}", en, zh) for code, (en, zh) in
                         _CREDIT_CODE.items()}


def _type_problem(field: Mapping) -> Problem:
    en, zh = _TYPES[field["type"]]
    return Problem("type", f"must be {en}", f"应为{zh}")


def _text_check(definition: Mapping, field: Mapping) -> Check:
    longest = field.get("max_length", DEFAULT_TEXT_MAX_LENGTH)
    shortest = field.get("min_length", 0)
    pattern = compile_pattern(field["pattern"]) if "pattern" in field else None
    wrong_type = _type_problem(field)
    too_long = Problem("max_length", f"must be at most {longest} characters",
                       f"不能超过{longest}个字符")
    too_short = Problem("min_length", f"must be at least {shortest} characters",
                        f"不能少于{shortest}个字符")
    no_match = Problem("pattern", "is not in the expected format", "格式不正确")

    def check(value: object, today: date) -> object:
        if type(value) is not str:
            return wrong_type
        if len(value) > longest:
            return too_long
        if len(value) < shortest:
            return too_short
        if CONTROL_OR_SURROGATE.search(value):
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
    below = Problem("min", f"must be at least {low}", f"不能小于{low}")
    above = Problem("max", f"must be at most {high}", f"不能大于{high}")

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
    below = Problem("min", f'must not be before {field.get("min")}', f'不能早于{field.get("min")}')
    upper = "today" if high_today else field.get("max")
    above = Problem("max", f"must not be after {upper}",
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


def _credit_code_check(definition: Mapping, field: Mapping) -> Check:
    wrong_type = _type_problem(field)

    def check(value: object, today: date) -> object:
        if type(value) is not str:
            return wrong_type
        problem = credit_codes.credit_code_problem(value)
        return value if problem is None else _CREDIT_CODE_PROBLEMS[problem]

    return check


def _ref_check(definition: Mapping, field: Mapping) -> Check:
    wrong_type = _type_problem(field)

    def check(value: object, today: date) -> object:
        if type(value) is not str:
            return wrong_type
        # iOS writes UUIDs in upper case; records are keyed by the lower-case form.
        return value.lower() if _UUID.fullmatch(value) else _REF

    return check


def _photo_check(definition: Mapping, field: Mapping) -> Check:
    wrong_type = _type_problem(field)
    most = field.get("max_count", 1)
    too_many = Problem("max_count", f"may hold at most {most} photos", f"最多{most}张照片")

    def check(value: object, today: date) -> object:
        if type(value) is not list:
            return wrong_type
        if len(value) > most:
            return too_many
        if not all(_is_photo(photo) for photo in value):
            return _PHOTO
        if len({photo["sha256"] for photo in value}) != len(value):  # type: ignore[index]
            return _DUPLICATE_PHOTO
        return value

    return check


def _is_photo(photo: object) -> bool:
    """{sha256, content_type, size} and nothing else, each well-formed."""
    if type(photo) is not dict or photo.keys() != _PHOTO_KEYS:
        return False
    size, sha = photo["size"], photo["sha256"]
    return (type(sha) is str and _SHA256.fullmatch(sha) is not None
            and photo["content_type"] in PHOTO_CONTENT_TYPES
            and type(size) is int and 1 <= size <= SAFE_INTEGER)


CHECK_BUILDERS: dict[str, Callable[[Mapping, Mapping], Check]] = {
    "text": _text_check, "integer": _number_check, "decimal": _number_check,
    "date": _date_check, "datetime": _date_check, "select_one": _select_check,
    "select_multiple": _select_check, "id_card": _id_card_check, "phone": _phone_check,
    "credit_code": _credit_code_check, "ref": _ref_check, "photo": _photo_check,
}
