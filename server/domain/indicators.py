"""Enterprise indicators as departments deliver them: the eight indicators, months, values.

One file per indicator per month is how the data arrives (CSV/XLSX, header
``credit_code,month,indicator,value``); a row is checked here, without a database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from server.domain.credit_code import credit_code_problem

INDICATORS = ("wages_unpaid", "complaints", "water", "electricity", "tax", "headcount",
              "social_insurance", "capacity_exit")
COLUMNS = ("credit_code", "month", "indicator", "value")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
MAX_VALUE = Decimal("1e15")


def parse_month(text: object) -> date | None:
    """``YYYY-MM`` (or a spreadsheet date) as the first day of that month; None if not one."""
    if isinstance(text, date):
        return date(text.year, text.month, 1)
    found = _MONTH.fullmatch(str(text).strip()) if text is not None else None
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1900:
        return None
    return date(int(found[1]), int(found[2]), 1)


def month_text(month: date) -> str:
    """A month as ``YYYY-MM``."""
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months later (earlier when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class IndicatorRow:
    """One checked row: which enterprise (by credit code), month, indicator and value."""

    credit_code: str
    month: date
    indicator: str
    value: Decimal


def read_indicator_row(cells: dict[str, Any]) -> tuple[IndicatorRow | None, list[dict[str, str]]]:
    """A row's cells by column name → the row, or the errors naming each bad column."""
    errors = []
    code = str(cells.get("credit_code") or "").strip().upper()
    if credit_code_problem(code) is not None:
        errors.append(_error("credit_code", "is not a valid unified social credit code"))
    month = parse_month(cells.get("month"))
    if month is None:
        errors.append(_error("month", "is not a month YYYY-MM"))
    indicator = str(cells.get("indicator") or "").strip()
    if indicator not in INDICATORS:
        errors.append(_error("indicator", f"is not one of {', '.join(INDICATORS)}"))
    value = _value(cells.get("value"))
    if value is None:
        errors.append(_error("value", "is not a number from 0 up"))
    if errors:
        return None, errors
    return IndicatorRow(code, month, indicator, value), []  # type: ignore[arg-type]


def _value(cell: object) -> Decimal | None:
    if isinstance(cell, bool) or cell is None:
        return None
    try:
        value = Decimal(str(cell).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 <= value < MAX_VALUE else None


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "code": "invalid", "message": message}
