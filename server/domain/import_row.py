"""What one row of a bulk import does to the record its key names.

A row creates a record (its key is new), updates one (something changed), leaves it unchanged,
or is rejected with its errors, each naming a field and column. The row is laid over the record
(``import_columns.apply_given``) and the result is validated by the form exactly as a phone's
submission; fields the update makes irrelevant (a household type changed to foreign drops the
ethnicity) are dropped, as the phone drops them, unless the row itself fills them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from server.domain.field_checks import FieldError
from server.domain.form_validation import FormValidator, compile_form
from server.domain.import_columns import CLEAR, ImportColumns, RowValues, apply_given
from server.domain.three_way_merge import changed_fields

SAME_POINT_DEGREES = 5e-7  # about 5 cm: a point written back with fewer decimals has not moved


@dataclass(frozen=True)
class Current:
    """The record a row's key names, as the import sees it."""

    data: Mapping[str, Any]
    lon: float
    lat: float


@dataclass(frozen=True)
class RowPlan:
    """What a row does: ``created``, ``updated``, ``unchanged`` or ``rejected``."""

    outcome: str
    data: dict[str, Any] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    point: tuple[float, float] | None = None  # None: the record keeps its point
    errors: list[dict[str, str]] = field(default_factory=list)


class KeyReader:
    """A row's natural key as the form cleans it (``x`` -> ``X``), or None if it is not valid:
    checked by the key field's own rule alone (the key is read before anything else)."""

    def __init__(self, definition: Mapping[str, Any]) -> None:
        self.key = definition["key"]
        key_field = next(f for f in definition["fields"] if f["name"] == self.key)
        self._form = compile_form({**definition, "fields": [key_field]})

    def __call__(self, values: RowValues, today: date | None = None) -> str | None:
        value = values.given.get(self.key)
        if value is None or value is CLEAR:
            return None
        cleaned, _ = self._form.validate({self.key: value}, today)
        key = cleaned.get(self.key)
        return str(key) if key is not None else None


def plan_row(form: FormValidator, columns: ImportColumns, values: RowValues,
             current: Current | None, inside_district: bool | None,
             today: date | None = None) -> RowPlan:
    """Decide one row, given the record its key names and whether its point is in a grid."""
    errors = list(values.errors)
    cleaned, problems = _validated(form, values, current, today)
    unreadable = {e["field"] for e in errors}
    errors += [columns.error_at(p) for p in problems
               if p["field"].removeprefix("data.") not in unreadable]
    errors += _location_errors(columns, values, current, inside_district, unreadable)
    if errors:
        return RowPlan("rejected", errors=errors)
    if current is None:
        return RowPlan("created", cleaned, sorted(cleaned), values.location)
    changed = sorted(changed_fields(current.data, cleaned))
    moved = values.location is not None and _moved(current, values.location)
    if not changed and not moved:
        return RowPlan("unchanged")
    return RowPlan("updated", cleaned, changed, values.location if moved else None)


def _validated(form: FormValidator, values: RowValues, current: Current | None,
               today: date | None) -> tuple[dict[str, Any], list[FieldError]]:
    data = apply_given(current.data if current else {}, values.given)
    cleaned, problems = form.validate(data, today)
    if current is None or not problems:
        return cleaned, problems
    inherited = {p["field"].removeprefix("data.") for p in problems
                 if p["code"] == "not_relevant"} - set(values.given)
    if not inherited:
        return cleaned, problems
    return form.validate({k: v for k, v in data.items() if k not in inherited}, today)


def _location_errors(columns: ImportColumns, values: RowValues, current: Current | None,
                     inside_district: bool | None, unreadable: set[str]) -> list[dict[str, str]]:
    if unreadable & {"lon", "lat", "crs"}:
        return []
    if values.location is None:
        if current is not None:
            return []
        return [columns.error_at({
            "field": "lon", "code": "required",
            "message": "a new record needs its point: fill lon and lat",
            "message_zh": "新记录须填写位置：经度 lon 和纬度 lat"})]
    if inside_district is False:
        return [columns.error_at({
            "field": name, "code": "outside_district",
            "message": "the point (lon, lat) lies outside every grid of the district",
            "message_zh": "该位置（经度、纬度）不在本区任何网格内"}) for name in ("lon", "lat")]
    return []


def _moved(current: Current, point: tuple[float, float]) -> bool:
    return (abs(current.lon - point[0]) > SAME_POINT_DEGREES
            or abs(current.lat - point[1]) > SAME_POINT_DEGREES)
