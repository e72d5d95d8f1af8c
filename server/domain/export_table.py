"""The table an export writes: its columns, their headers, and the cells of one record.

A kind's records may span form versions (and forms), so the columns are the union of every
version's fields in form order. Headers are field names (``lang="none"``, the bulk import's
format) or labels in Chinese, English or both; select fields come out as their codes, their
labels, or a code column followed by a label column. Every format writes the same table.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from server.domain.form_definition import choices_of

LANGS = ("zh", "en", "both", "none")
CHOICES = ("both", "label", "value")
SELECTS = ("select_one", "select_multiple")
# Record facts before the form's fields: (name, zh, en, type). lon/lat become the geometry of
# the spatial formats.
FIXED: tuple[tuple[str, str, str, str], ...] = (
    ("id", "记录编号", "Record ID", "text"),
    ("grid", "网格", "Grid", "text"),
    ("version", "版本", "Version", "integer"),
    ("form_version", "表单版本", "Form version", "integer"),
    ("updated_at", "更新时间", "Updated at", "text"),
    ("updated_by", "更新人", "Updated by", "text"),
    ("lon", "经度", "Longitude", "decimal"),
    ("lat", "纬度", "Latitude", "decimal"))
CODE_SUFFIX = {"zh": "代码", "en": " (code)"}
FIXED_NAMES = tuple(name for name, *_ in FIXED)
LON, LAT = FIXED_NAMES.index("lon"), FIXED_NAMES.index("lat")  # positions in every row


@dataclass(frozen=True)
class Column:
    """One column: its machine name, its header, and the type of its cells.

    Types: ``text``, ``integer``, ``decimal``, ``date``, ``list`` (a select_multiple: a list of
    strings, which flat formats join with ``;``). A field that may be masked is ``text``.
    """

    name: str
    header: str
    type: str
    free_text: bool = False  # typed by a person: may hold anything, even an Excel formula


@dataclass(frozen=True)
class ExportTable:
    """The columns of an export of one kind, and how one record's data becomes cells.

    ``sources`` names the data field each field column shows; ``labels`` the columns (counted
    from the first field column) that show a choice's label instead of its code.
    """

    kind: str
    columns: tuple[Column, ...]
    sources: tuple[str, ...]
    labels: tuple[tuple[int, dict[str, str]], ...]

    def cells(self, fixed: list[Any], data: Mapping[str, Any]) -> list[Any]:
        """One row: the record's fixed facts (in FIXED order), then its shown data as cells.

        A value without a label (a code an old version dropped, or a masked ``***``) is shown
        as it is. This runs once per exported record: it is written for speed.
        """
        offset = len(fixed)
        fixed.extend(map(data.get, self.sources))
        for position, shown in self.labels:
            value = fixed[offset + position]
            if type(value) is str:
                fixed[offset + position] = shown.get(value, value)
            elif type(value) is list:
                fixed[offset + position] = [shown.get(v, v) for v in value]
        return fixed


def export_table(kind: str, definitions: Sequence[Mapping[str, Any]], lang: str = "zh",
                 choices: str = "both") -> ExportTable:
    """The table of a kind's records, from its form definitions (newest first)."""
    if lang not in LANGS or choices not in CHOICES:
        raise ValueError(f"lang {lang!r} / choices {choices!r}")
    columns = [Column(name, _header({"zh": zh, "en": en}, name, lang), type_)
               for name, zh, en, type_ in FIXED]
    sources: list[str] = []
    labels: list[tuple[int, dict[str, str]]] = []
    for field, choice_labels in union_fields(definitions):
        for column, shown in _field_columns(field, choice_labels, lang, choices):
            if shown is not None:
                labels.append((len(sources), shown))
            columns.append(column)
            sources.append(field["name"])
    return ExportTable(kind, tuple(_unique_headers(columns)), tuple(sources), tuple(labels))


def union_fields(definitions: Sequence[Mapping[str, Any]]
                 ) -> list[tuple[Mapping[str, Any], dict[str, dict[str, str]]]]:
    """Every field of every version, in form order, with the labels of its choices.

    The newest version decides the order and each field's label and type; a field only older
    versions have comes right after the field it followed there. Choice labels of old values
    are kept (a record of version 1 may hold a value version 2 dropped); newer labels win.
    """
    order: list[str] = []
    fields: dict[str, Mapping[str, Any]] = {}
    labels: dict[str, dict[str, dict[str, str]]] = {}
    for definition in definitions:
        previous: str | None = None
        for field in definition["fields"]:
            name = field["name"]
            if name not in fields:
                fields[name] = field
                order.insert(0 if previous is None else order.index(previous) + 1, name)
            if field["type"] in SELECTS:
                known = labels.setdefault(name, {})
                for choice in choices_of(definition, field):
                    known.setdefault(choice["value"], choice["label"])
            previous = name
    return [(fields[name], labels.get(name, {})) for name in order]


def _field_columns(field: Mapping[str, Any], labels: dict[str, dict[str, str]], lang: str,
                   choices: str) -> list[tuple[Column, dict[str, str] | None]]:
    """The column(s) of one field, each with the labels it shows instead of codes (or None)."""
    name, type_ = field["name"], field["type"]
    header = _header(field["label"], name, lang)
    cell_type = _CELL_TYPES.get(type_, "text")
    if field.get("sensitive") and cell_type != "list":
        cell_type = "text"  # a masked number or date is text such as "***"
    if type_ not in SELECTS or choices == "value":
        return [(Column(name, header, cell_type, free_text=type_ == "text"), None)]
    shown = {code: _label_text(label, lang) for code, label in labels.items()}
    if choices == "label":
        return [(Column(name, header, cell_type), shown)]
    return [(Column(name, _code_header(field["label"], name, lang), cell_type), None),
            (Column(f"{name}_label", header if lang != "none" else f"{name}_label", cell_type),
             shown)]


_CELL_TYPES = {"integer": "integer", "decimal": "decimal", "date": "date",
               "select_multiple": "list"}


def _header(label: Mapping[str, str], name: str, lang: str) -> str:
    return name if lang == "none" else _label_text(label, lang)


def _label_text(label: Mapping[str, str], lang: str) -> str:
    if lang == "en":
        return label["en"]
    if lang == "both":
        return f"{label['zh']} / {label['en']}"
    return label["zh"]  # zh, and none (codes in the headers, the district's language in cells)


def _code_header(label: Mapping[str, str], name: str, lang: str) -> str:
    if lang == "none":
        return name
    if lang == "both":
        return f"{label['zh']}{CODE_SUFFIX['zh']} / {label['en']}{CODE_SUFFIX['en']}"
    return label[lang] + CODE_SUFFIX[lang]


def _unique_headers(columns: list[Column]) -> list[Column]:
    """Headers unique regardless of case (GeoPackage and SQLite need it; so does a reader)."""
    seen: set[str] = set()
    unique = []
    for column in columns:
        header, serial = column.header, 1
        while header.casefold() in seen:
            serial += 1
            header = f"{column.header} ({column.name})" if serial == 2 else \
                f"{column.header} ({column.name} {serial})"
        seen.add(header.casefold())
        unique.append(replace(column, header=header))
    return unique
