"""The export table: columns from every form version, headers, codes and labels."""
from __future__ import annotations

import pytest

from server.domain.export_table import FIXED_NAMES, export_table, union_fields


def label(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def field(name: str, type_: str = "text", **extra) -> dict:
    return {"name": name, "type": type_, "label": label(f"{name}中", f"{name} en"), **extra}


COLOURS = [{"value": "r", "label": label("红", "Red")},
           {"value": "g", "label": label("绿", "Green")}]
V1 = {"id": "thing", "version": 1, "fields": [
    field("code"), field("old_note"), field("colour", "select_one", choices=COLOURS),
    field("size", "integer")]}
V2 = {"id": "thing", "version": 2, "choice_lists": {"colours": [
    {"value": "r", "label": label("大红", "Scarlet")},
    {"value": "b", "label": label("蓝", "Blue")}]},
    "fields": [field("code"), field("colour", "select_one", choices="colours"),
               field("tags", "select_multiple", choices="colours", sensitive=True),
               field("size", "integer", sensitive=True)]}


def names(table) -> list[str]:
    return [c.name for c in table.columns][len(FIXED_NAMES):]


class TestUnionOfVersions:
    def test_the_newest_order_then_old_fields_after_the_field_they_followed(self):
        fields = [f["name"] for f, _ in union_fields([V2, V1])]
        assert fields == ["code", "old_note", "colour", "tags", "size"]

    def test_choice_labels_of_values_only_old_versions_had_are_kept_newer_win(self):
        colour = next(labels for f, labels in union_fields([V2, V1]) if f["name"] == "colour")
        assert colour == {"r": label("大红", "Scarlet"), "b": label("蓝", "Blue"),
                          "g": label("绿", "Green")}

    def test_a_field_first_in_an_old_version_only_comes_first(self):
        old = {"fields": [field("legacy"), field("code")]}
        assert [f["name"] for f, _ in union_fields([V2, old])][:2] == ["legacy", "code"]


class TestColumns:
    def test_codes_then_labels_in_chinese_by_default(self):
        table = export_table("thing", [V2, V1])
        assert names(table) == ["code", "old_note", "colour", "colour_label", "tags",
                                "tags_label", "size"]
        headers = [c.header for c in table.columns]
        assert headers[:2] == ["记录编号", "网格"]
        assert "colour中代码" in headers and "colour中" in headers

    def test_cells_show_codes_and_labels_and_keep_unknown_or_masked_values(self):
        table = export_table("thing", [V2, V1])
        cells = table.cells([], {"code": "A1", "colour": "g", "tags": ["r", "zzz"], "size": 3})
        assert cells == ["A1", None, "g", "绿", ["r", "zzz"], ["大红", "zzz"], 3]
        masked = table.cells([], {"colour": "x", "tags": "***", "size": "***"})
        assert masked == [None, None, "x", "x", "***", "***", "***"]

    @pytest.mark.parametrize(("lang", "code", "shown"), [
        ("en", "colour en (code)", "colour en"),
        ("both", "colour中代码 / colour en (code)", "colour中 / colour en"),
        ("none", "colour", "colour_label")])
    def test_header_languages(self, lang, code, shown):
        headers = [c.header for c in export_table("thing", [V2], lang=lang).columns]
        assert code in headers and shown in headers

    def test_labels_only_or_values_only(self):
        only_labels = export_table("thing", [V2], choices="label")
        assert names(only_labels) == ["code", "colour", "tags", "size"]
        assert only_labels.cells([], {"colour": "b"})[1] == "蓝"
        assert export_table("thing", [V2], choices="value").cells([], {"colour": "b"})[1] == "b"

    def test_types_numbers_stay_numbers_unless_they_may_be_masked(self):
        types = {c.name: c.type for c in export_table("thing", [V1]).columns}
        assert types["size"] == "integer" and types["version"] == "integer"
        types = {c.name: c.type for c in export_table("thing", [V2]).columns}
        assert types["size"] == "text" and types["tags"] == types["tags_label"] == "list"

    def test_only_typed_text_is_free_text(self):
        free = {c.name for c in export_table("thing", [V1]).columns if c.free_text}
        assert free == {"code", "old_note"}

    def test_headers_are_unique_whatever_their_case(self):
        clash = {"fields": [{"name": "grid", "type": "text", "label": label("网格", "Grid")},
                            {"name": "size", "type": "text", "label": label("记录编号", "ID")}]}
        headers = [c.header.casefold() for c in export_table("t", [clash]).columns]
        assert len(headers) == len(set(headers))
        headers = [c.header.casefold() for c in export_table("t", [clash], lang="none").columns]
        assert len(headers) == len(set(headers)) and "grid (grid)" in headers
