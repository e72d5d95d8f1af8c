"""One cell of an import file as the value of a form field: what a phone would have sent.

A CSV cell is text; an XLSX cell may also be a number, a date or a boolean. The conversions are
the conveniences a spreadsheet needs (README "Import file format"): surrounding whitespace
dropped, an empty cell "not given", numbers written as text read as numbers, ``YYYY/M/D`` dates,
a spreadsheet's date cells, date-times without a zone in China time, choices by value or by zh
or en label, several choices separated by ``;`` ``；`` ``,`` ``，`` ``、`` or ``|``, and
``#clear`` (``#清空``) to clear a field of an existing record. What a conversion cannot make
sense of is passed on as text, for the form's validator to refuse with its own message.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from server.domain.field_checks import Problem
from server.domain.form_definition import choices_of
from server.domain.form_validation import WHITESPACE

CLEAR_MARKERS = frozenset({"#clear", "#清空"})
SPREADSHEET_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
                                "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"})
CHINA_TIME = timezone(timedelta(hours=8))
_SEPARATORS = re.compile("[;；,，、|]")
_INTEGER = re.compile(r"[+-]?[0-9]{1,16}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})")
_LOOSE_DATE = re.compile(r"([0-9]{4})[/.\-]([0-9]{1,2})[/.\-]([0-9]{1,2})")
_ZONELESS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?")

_SHEET_ERROR = Problem("spreadsheet_error", "shows a spreadsheet error (such as #N/A), not a value",
                       "单元格显示表格错误（如 #N/A），不是数值")
_NUMBER_CELL = Problem("number_cell", "is stored as a number, which loses digits: format the "
                       "column as text", "以数字格式保存会丢失位数，请将该列设为文本格式")


class _Clear:
    def __repr__(self) -> str:
        return "CLEAR"


CLEAR: Any = _Clear()  # a cell asking to clear its field
Converter = Callable[[Any], Any]  # a non-empty cell -> the field's value, CLEAR, or a Problem


def cell_value(value: Any) -> Any:
    """A cell's content, or None when it is empty."""
    if value is None:
        return None
    if type(value) is str:
        value = value.strip(WHITESPACE)
        return value or None
    return value


def _text(value: Any) -> str:
    """A non-text cell as the text a person reads in it."""
    if type(value) is str:
        return value
    if type(value) is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if type(value) is datetime:
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def number(value: Any) -> Any:
    """A cell as a number when it is one (or reads as one), else as text."""
    if type(value) in (int, float):
        return value
    text = _text(value)
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    return text


def converter(definition: Mapping, spec: Mapping) -> Converter:
    """How a non-empty cell becomes the value of one field."""
    build = _CONVERTERS[spec["type"]]
    convert = build(definition, spec)

    def guarded(value: Any) -> Any:
        if type(value) is str:
            if value in SPREADSHEET_ERRORS:
                return _SHEET_ERROR
            if value.casefold() in CLEAR_MARKERS:
                return CLEAR
        return convert(value)

    return guarded


def _as_text(definition: Mapping, spec: Mapping) -> Converter:
    return _text


def _as_integer(definition: Mapping, spec: Mapping) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is float and value.is_integer():
            return int(value)
        read = number(value)
        return read if type(read) is int or type(value) is float else _text(value)
    return convert


def _as_decimal(definition: Mapping, spec: Mapping) -> Converter:
    return number


def _as_date(definition: Mapping, spec: Mapping) -> Converter:
    def convert(value: Any) -> Any:
        if isinstance(value, (date, datetime)):
            return (value.date() if type(value) is datetime else value).isoformat()
        text = _text(value)
        loose = _LOOSE_DATE.fullmatch(text)
        return f"{loose[1]}-{int(loose[2]):02d}-{int(loose[3]):02d}" if loose else text
    return convert


def _as_datetime(definition: Mapping, spec: Mapping) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is datetime:
            moment = value if value.tzinfo else value.replace(tzinfo=CHINA_TIME)
            return moment.isoformat()
        text = _text(value)
        return text.replace(" ", "T") + "+08:00" if _ZONELESS.fullmatch(text) else text
    return convert


def _as_choices(definition: Mapping, spec: Mapping) -> Converter:
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for choice in choices_of(definition, spec):
        label = choice.get("label") or {}
        exact.setdefault(label.get("zh", ""), choice["value"])
        folded.setdefault(label.get("en", "").casefold(), choice["value"])
    exact.update({c["value"]: c["value"] for c in choices_of(definition, spec)})

    def one(value: Any) -> str:
        text = _text(value)
        return exact.get(text) or folded.get(text.casefold()) or text

    if spec["type"] == "select_one":
        return one

    def many(value: Any) -> list[str]:
        parts = (p.strip(WHITESPACE) for p in _SEPARATORS.split(_text(value)))
        return [one(p) for p in parts if p]
    return many


def _as_id_card(definition: Mapping, spec: Mapping) -> Converter:
    def convert(value: Any) -> Any:
        return _NUMBER_CELL if type(value) is float else _text(value)
    return convert


_CONVERTERS: dict[str, Callable[[Mapping, Mapping], Converter]] = {
    "text": _as_text, "integer": _as_integer, "decimal": _as_decimal, "date": _as_date,
    "datetime": _as_datetime, "select_one": _as_choices, "select_multiple": _as_choices,
    "id_card": _as_id_card, "phone": _as_text, "ref": _as_text,
}
