"""The columns of a bulk import: which form field (or coordinate) each column fills.

The header names the columns: a field's name (any case), its zh or en label (what an export
writes), and ``lon``/``longitude``/``经度``, ``lat``/``latitude``/``纬度``, ``crs``/``坐标系``
for the point (WGS84 by default, or GCJ02, converted as sync converts it). Unknown or repeated
columns refuse the file, and so does a missing key column. A row's cells then become the values
a phone would send (``import_cells``), errors naming the field and the column letter.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from server.domain.coordinates import gcj02_to_wgs84
from server.domain.field_checks import CONTROL_OR_SURROGATE, FieldError, Problem
from server.domain.form_validation import WHITESPACE
from server.domain.import_cells import CLEAR, Converter, cell_value, converter

LOCATION_COLUMNS = {"lon": ("lon", "longitude", "经度"), "lat": ("lat", "latitude", "纬度"),
                    "crs": ("crs", "坐标系")}
CRS_NAMES = ("WGS84", "GCJ02")
_NO_HEADER = Problem("no_header", "has a value but its column has no header",
                     "该列没有列名，却填有内容")
_REQUIRED = Problem("required", "is required with the other coordinate", "须与另一坐标一同填写")
_CRS = Problem("choice", "must be WGS84 or GCJ02", "坐标系应为 WGS84 或 GCJ02")


class InvalidHeader(ValueError):
    """A header that cannot be imported: unknown, repeated or missing columns."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Column:
    """One column of the file: where it is, and the field (or coordinate) it fills."""

    index: int
    name: str
    convert: Converter | None  # None: a location column

    @property
    def letter(self) -> str:
        """The column as a spreadsheet names it: A, B, … Z, AA …"""
        return column_letter(self.index)


@dataclass
class RowValues:
    """One row read: the fields it gives, its point (WGS-84), and what could not be read."""

    given: dict[str, Any] = field(default_factory=dict)
    location: tuple[float, float] | None = None
    errors: list[FieldError] = field(default_factory=list)


class ImportColumns:
    """A file's header matched to a form version; ``read`` turns one row's cells into values."""

    def __init__(self, columns: list[Column], key: str) -> None:
        self.columns, self.key = columns, key
        self._letters = {c.name: c.letter for c in columns}
        self._used = frozenset(c.index for c in columns)
        self._fields = [c for c in columns if c.convert is not None]
        self._location = {c.name: c for c in columns if c.convert is None}

    @classmethod
    def from_header(cls, definition: Mapping, header: Sequence[str | None]) -> ImportColumns:
        """Match each header cell to a field; unknown, repeated or missing columns refuse the file."""
        names = _header_names(definition)
        converters = {f["name"]: converter(definition, f) for f in definition["fields"]}
        columns: list[Column] = []
        errors: list[FieldError] = []
        first: dict[str, int] = {}
        for index, cell in enumerate(header):
            text = (cell or "").strip(WHITESPACE)
            if not text:
                continue
            name = names.get(text) or names.get(text.casefold())
            if name is None:
                errors.append(_header_error(shown(text), index, "unknown_column",
                                            f"is not a field of form {definition['id']} "
                                            f"v{definition['version']} (nor lon, lat, crs)",
                                            "不是该表单版本的字段（也不是 lon、lat、crs）"))
            elif name in first:
                errors.append(_header_error(name, index, "duplicate_column",
                                            f"names the same field as column "
                                            f"{column_letter(first[name])}",
                                            f"与第 {column_letter(first[name])} 列重复"))
            else:
                first[name] = index
                columns.append(Column(index, name, converters.get(name)))
        errors.extend(_missing_columns(definition["key"], set(first)))
        if errors:
            raise InvalidHeader(errors)
        return cls(columns, definition["key"])

    @property
    def has_location(self) -> bool:
        """Whether the file gives points (lon and lat columns)."""
        return "lon" in self._location

    def letter_of(self, name: str) -> str | None:
        """The column letter of a field or coordinate, if the file has it."""
        return self._letters.get(name)

    def read(self, cells: Sequence[Any]) -> RowValues:
        """One row's cells as field values and a point; cells that cannot be read are errors."""
        row = RowValues()
        for column in self._fields:
            cell = cell_value(cells[column.index])
            if cell is None:
                continue
            value = column.convert(cell)  # type: ignore[misc]
            if type(value) is Problem:
                row.errors.append(self.error_at(value.at(column.name)))
            else:
                row.given[column.name] = value
        row.location = self._point(cells, row.errors)
        row.errors.extend(self._stray(cells))
        return row

    def error_at(self, error: FieldError) -> dict[str, str]:
        """A validator's error (``data.<field>``) named by field and column, as rows report it."""
        name = error["field"].removeprefix("data.")
        shown_error: dict[str, str] = {**error, "field": name}
        letter = self._letters.get(name)
        if letter:
            shown_error["column"] = letter
        return shown_error

    def _point(self, cells: Sequence[Any], errors: list[FieldError]) -> tuple[float, float] | None:
        if not self._location:
            return None
        lon, lat = (self._coordinate(cells, name, limit, errors)
                    for name, limit in (("lon", 180.0), ("lat", 90.0)))
        crs_column = self._location.get("crs")
        crs = cell_value(cells[crs_column.index]) if crs_column else None
        crs_name = re.sub(r"[\s_\-]", "", str(crs)).upper() if crs is not None else "WGS84"
        if crs_name not in CRS_NAMES:
            errors.append(self.error_at(_CRS.at("crs")))
        if lon is None or lat is None or crs_name not in CRS_NAMES:
            return None
        return gcj02_to_wgs84(lon, lat) if crs_name == "GCJ02" else (lon, lat)

    def _coordinate(self, cells: Sequence[Any], name: str, limit: float,
                    errors: list[FieldError]) -> float | None:
        value = cell_value(cells[self._location[name].index])
        if value is None:
            other = "lat" if name == "lon" else "lon"
            if cell_value(cells[self._location[other].index]) is not None:
                errors.append(self.error_at(_REQUIRED.at(name)))
            return None
        coordinate = _coordinate_number(value)
        if coordinate is None or not math.isfinite(coordinate) or abs(coordinate) > limit:
            errors.append(self.error_at(Problem(
                "range", f"must be a number between -{limit:g} and {limit:g}",
                f"应为 -{limit:g} 至 {limit:g} 之间的数值").at(name)))
            return None
        return float(coordinate)

    def _stray(self, cells: Sequence[Any]) -> list[FieldError]:
        return [{**_NO_HEADER.at(column_letter(i)), "column": column_letter(i)}
                for i, cell in enumerate(cells) if i not in self._used and cell_value(cell) is not None]


def _coordinate_number(value: Any) -> float | None:
    if type(value) in (int, float):
        return float(value)
    try:
        return float(value) if type(value) is str else None
    except ValueError:
        return None


def column_letter(index: int) -> str:
    """A 0-based column index as a spreadsheet's column letters."""
    letters, number = "", index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def shown(text: str) -> str:
    """Text from a file, safe to echo in an error (and to store as JSON): short, no controls."""
    text = CONTROL_OR_SURROGATE.sub("\ufffd", text)
    return text if len(text) <= 64 else text[:64] + "…"


def apply_given(current: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """A record's data with a row's values laid over it: given fields replace, CLEAR removes,
    fields the row does not give (or leaves empty) stay as they are."""
    data = dict(current)
    for name, value in given.items():
        if value is CLEAR:
            data.pop(name, None)
        else:
            data[name] = value
    return data


# ------------------------------------------------------------------------------ the header

def _header_names(definition: Mapping) -> dict[str, str]:
    """Header text -> field name: names and location columns (any case), zh labels, en labels
    (any case). A label two fields share names neither."""
    by_label: dict[str, set[str]] = {}
    for f in definition["fields"]:
        label = f.get("label") or {}
        for text in (label.get("zh"), (label.get("en") or "").casefold()):
            if text:
                by_label.setdefault(text, set()).add(f["name"])
    names = {text: next(iter(owners)) for text, owners in by_label.items() if len(owners) == 1}
    for name, aliases in LOCATION_COLUMNS.items():
        names.update({alias: name for alias in aliases})
    names.update({f["name"]: f["name"] for f in definition["fields"]})
    return names


def _missing_columns(key: str, present: set[str]) -> list[FieldError]:
    errors = []
    if key not in present:
        errors.append({"field": key, "code": "required", "message": "the key column is missing: "
                       "rows are matched to records by it", "message_zh": "缺少主键列：按此列匹配记录"})
    for name, other in (("lon", "lat"), ("lat", "lon")):
        if other in present and name not in present:
            errors.append({"field": name, "code": "required",
                           "message": f"a file with a {other} column needs a {name} column",
                           "message_zh": f"有 {other} 列的文件也须有 {name} 列"})
    if "crs" in present and "lon" not in present:
        errors.append({"field": "crs", "code": "required", "message": "crs needs lon and lat",
                       "message_zh": "坐标系列须与 lon、lat 列一同提供"})
    return errors


def _header_error(name: str, index: int, code: str, message: str, message_zh: str) -> FieldError:
    return {"field": name, "column": column_letter(index), "code": code,  # type: ignore[typeddict-unknown-key]
            "message": message, "message_zh": message_zh}
