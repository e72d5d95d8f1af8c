"""The columns and cells of an import file, and what one row does to its record."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from server.domain.coordinates import wgs84_to_gcj02
from server.domain.form_validation import compile_form
from server.domain.import_cells import CLEAR
from server.domain.import_columns import ImportColumns, InvalidHeader, column_letter
from server.domain.import_row import Current, KeyReader, plan_row
from tests.factories import make_id_card, resident_data

RESIDENT = json.loads((Path(__file__).resolve().parents[2] / "forms" / "resident.v1.json")
                      .read_text(encoding="utf-8"))
FORM = compile_form(RESIDENT)
TODAY = date(2024, 6, 1)


def columns(*header: str | None) -> ImportColumns:
    return ImportColumns.from_header(RESIDENT, list(header))


def header_errors(*header: str | None) -> list[dict]:
    with pytest.raises(InvalidHeader) as refused:
        columns(*header)
    return refused.value.errors


def row(header: dict[str, object]) -> tuple[ImportColumns, list[object]]:
    """Columns and cells of one row given as {column header: cell}."""
    return columns(*header), list(header.values())


class TestHeader:
    def test_columns_are_named_by_field_name_label_or_location_alias(self):
        found = columns("ID_CARD", "姓名", "population category", "", "经度", "Latitude", "坐标系")
        assert [(c.name, c.letter) for c in found.columns] == [
            ("id_card", "A"), ("name", "B"), ("household_type", "C"), ("lon", "E"),
            ("lat", "F"), ("crs", "G")]

    def test_an_unknown_column_refuses_the_file_naming_it_and_its_letter(self):
        errors = header_errors("id_card", "name", "phnoe")
        assert errors == [{"field": "phnoe", "column": "C", "code": "unknown_column",
                           "message": "is not a field of form resident v1 (nor lon, lat, crs)",
                           "message_zh": "不是该表单版本的字段（也不是 lon、lat、crs）"}]

    def test_two_columns_for_one_field_refuse_the_file(self):
        errors = header_errors("id_card", "name", "姓名")
        assert [(e["field"], e["column"], e["code"]) for e in errors] == [
            ("name", "C", "duplicate_column")]
        assert "column B" in errors[0]["message"]

    def test_the_key_column_is_required(self):
        assert [(e["field"], e["code"]) for e in header_errors("name", "phone")] == [
            ("id_card", "required")]

    def test_lon_and_lat_come_together(self):
        assert [(e["field"], e["code"]) for e in header_errors("id_card", "lat")] == [
            ("lon", "required")]
        assert [e["field"] for e in header_errors("id_card", "crs")] == ["crs"]

    def test_header_text_echoed_in_an_error_is_short_and_free_of_control_characters(self):
        errors = header_errors("id_card", "bad\x00" + "x" * 100)
        assert "\x00" not in errors[0]["field"] and len(errors[0]["field"]) <= 65

    def test_column_letters_go_past_z(self):
        assert [column_letter(i) for i in (0, 25, 26, 51, 701, 702)] == [
            "A", "Z", "AA", "AZ", "ZZ", "AAA"]


class TestCells:
    def test_choices_are_read_by_value_zh_label_or_en_label(self):
        found, _ = row({"id_card": None, "gender": None, "education": None, "ethnicity": None})
        values = found.read([None, "女", "bachelor's DEGREE", "01"]).given
        assert values == {"gender": "2", "education": "bachelor", "ethnicity": "01"}

    def test_several_choices_are_separated_by_any_usual_separator(self):
        found, _ = row({"id_card": None, "care_groups": None})
        given = found.read([None, "独居老人、Veteran; low_income ，disabled"]).given
        assert given["care_groups"] == ["elderly_alone", "veteran", "low_income", "disabled"]

    def test_an_unknown_choice_is_passed_on_for_the_form_to_refuse(self):
        found, _ = row({"id_card": None, "gender": None})
        assert found.read([None, "unknown"]).given == {"gender": "unknown"}

    def test_cells_are_trimmed_and_blank_cells_are_not_given(self):
        found, _ = row({"id_card": None, "name": None, "phone": None})
        assert found.read(["  ", " 李娜\u3000", None]).given == {"name": "李娜"}

    def test_numbers_dates_and_spreadsheet_values_become_what_a_phone_sends(self):
        rental = json.loads((Path(__file__).resolve().parents[2] / "forms" / "rental.v1.json")
                            .read_text(encoding="utf-8"))
        found = ImportColumns.from_header(rental, ["address_code", "floors", "area_m2",
                                                   "contract_start", "checked_on", "rooms"])
        given = found.read(["A-1", "6", "88.5", "2024/3/7", datetime(2024, 5, 1), 4.0]).given
        assert given == {"address_code": "A-1", "floors": 6, "area_m2": 88.5,
                         "contract_start": "2024-03-07", "checked_on": "2024-05-01", "rooms": 4}

    def test_a_fraction_in_a_whole_number_field_is_left_for_the_form_to_refuse(self):
        rental = json.loads((Path(__file__).resolve().parents[2] / "forms" / "rental.v1.json")
                            .read_text(encoding="utf-8"))
        found = ImportColumns.from_header(rental, ["address_code", "floors", "rooms"])
        assert found.read(["A-1", "3.0", 2.5]).given == {"address_code": "A-1", "floors": "3.0",
                                                          "rooms": 2.5}

    def test_an_id_card_stored_as_a_number_is_an_error_naming_the_column(self):
        found, _ = row({"name": None, "id_card": None})
        read = found.read(["李娜", 4.40310199001011e17])
        assert read.errors == [{"field": "id_card", "column": "B", "code": "number_cell",
                                "message": read.errors[0]["message"],
                                "message_zh": read.errors[0]["message_zh"]}]
        assert "format the column as text" in read.errors[0]["message"]

    def test_a_spreadsheet_error_cell_is_an_error(self):
        found, _ = row({"id_card": None, "name": None})
        assert [e["code"] for e in found.read([None, "#N/A"]).errors] == ["spreadsheet_error"]

    def test_clear_marks_a_field_to_clear(self):
        found, _ = row({"id_card": None, "phone": None, "notes": None})
        assert found.read([None, "#clear", "#清空"]).given == {"phone": CLEAR, "notes": CLEAR}

    def test_a_value_under_a_column_without_header_is_an_error(self):
        found = columns("id_card", None, "name")
        errors = found.read(["x", "stray", "李娜", "beyond"]).errors
        assert [(e["field"], e["code"]) for e in errors] == [("B", "no_header"), ("D", "no_header")]


class TestLocation:
    def test_a_point_is_read_in_wgs84_by_default(self):
        found, _ = row({"id_card": None, "lon": None, "lat": None})
        assert found.read([None, "114.305", 22.705]).location == (114.305, 22.705)

    def test_a_gcj02_point_is_converted_to_wgs84(self):
        found, _ = row({"id_card": None, "lon": None, "lat": None, "crs": None})
        shifted = wgs84_to_gcj02(114.305, 22.705)
        lon, lat = found.read([None, shifted[0], shifted[1], "gcj-02"]).location
        assert abs(lon - 114.305) < 1e-8 and abs(lat - 22.705) < 1e-8

    @pytest.mark.parametrize("cells, field, code", [
        (["200", "22.7", None], "lon", "range"), (["114.3", "north", None], "lat", "range"),
        (["114.3", None, None], "lat", "required"), (["114.3", "22.7", "BD09"], "crs", "choice")])
    def test_a_bad_coordinate_is_named(self, cells, field, code):
        found, _ = row({"id_card": None, "lon": None, "lat": None, "crs": None})
        read = found.read([None, *cells])
        assert read.location is None
        assert [(e["field"], e["code"]) for e in read.errors] == [(field, code)]


def plan(given: dict[str, object], current: dict | None = None, inside: bool | None = True,
         point: tuple[float, float] | None = (114.305, 22.705)):
    header = {**given, **({"lon": point[0], "lat": point[1]} if point else {})}
    found, cells = row(header)
    values = found.read(cells)
    existing = Current(current, 114.305, 22.705) if current is not None else None
    return plan_row(FORM, found, values, existing, inside if point else None, TODAY)


class TestRowPlan:
    def test_a_new_key_creates_a_record_with_its_point(self):
        planned = plan(resident_data(1))
        assert planned.outcome == "created" and planned.point == (114.305, 22.705)
        assert planned.data == resident_data(1)

    def test_the_row_is_validated_like_a_phone_submission(self):
        data = resident_data(1, id_card=make_id_card(1)[:17] + "0", phone="12345")
        planned = plan(data)
        assert planned.outcome == "rejected"
        assert {(e["field"], e["column"], e["code"]) for e in planned.errors} == {
            ("id_card", "B", "id_card.check_digit"), ("phone", "G", "phone")}

    def test_a_new_record_needs_a_point(self):
        planned = plan(resident_data(1), point=None)
        assert [(e["field"], e["code"]) for e in planned.errors] == [("lon", "required")]

    def test_a_point_outside_the_district_names_lon_and_lat(self):
        planned = plan(resident_data(1), inside=False)
        assert [(e["field"], e["column"], e["code"]) for e in planned.errors] == [
            ("lon", "K", "outside_district"), ("lat", "L", "outside_district")]

    def test_an_update_lays_the_given_fields_over_the_record(self):
        current = resident_data(1)
        planned = plan({"id_card": current["id_card"], "phone": "13800001111", "notes": ""},
                       current, point=None)
        assert planned.outcome == "updated" and planned.changed == ["phone"]
        assert planned.data == {**current, "phone": "13800001111"} and planned.point is None

    def test_the_same_values_again_change_nothing(self):
        current = resident_data(1)
        assert plan(current, current).outcome == "unchanged"
        assert plan({"id_card": current["id_card"], "gender": "女"}, current,
                    point=None).outcome == "unchanged"

    def test_a_moved_point_is_an_update_and_a_few_centimetres_are_not(self):
        current = resident_data(1)
        assert plan(current, current, point=(114.3050001, 22.7050001)).outcome == "unchanged"
        moved = plan(current, current, point=(114.306, 22.705))
        assert moved.outcome == "updated" and moved.point == (114.306, 22.705)

    def test_clear_removes_a_field_and_an_empty_cell_keeps_it(self):
        current = resident_data(1, notes="旧备注")
        planned = plan({"id_card": current["id_card"], "phone": "#clear", "notes": None},
                       current, point=None)
        assert planned.changed == ["phone"] and "phone" not in planned.data
        assert planned.data["notes"] == "旧备注"

    def test_fields_an_update_makes_irrelevant_are_dropped_unless_the_row_gives_them(self):
        current = resident_data(1)
        planned = plan({"id_card": current["id_card"], "household_type": "foreign",
                        "nationality": "USA"}, current, point=None)
        assert planned.outcome == "updated"
        assert set(planned.changed) == {"household_type", "nationality", "ethnicity",
                                        "hukou_address"}
        given = plan({"id_card": current["id_card"], "household_type": "foreign",
                      "nationality": "USA", "ethnicity": "01"}, current, point=None)
        assert [(e["field"], e["code"]) for e in given.errors] == [("ethnicity", "not_relevant")]

    def test_an_update_that_leaves_a_required_field_empty_names_it_without_a_column(self):
        current = resident_data(1)
        planned = plan({"id_card": current["id_card"], "household_type": "foreign"}, current,
                       point=None)
        assert planned.errors == [{"field": "nationality", "code": "required",
                                   "message": "is required", "message_zh": "必填"}]

    def test_the_key_is_read_as_the_form_cleans_it(self):
        number = make_id_card(6, born="19900101")
        assert number.endswith("X")
        found, cells = row({"id_card": number[:17] + "x"})
        assert KeyReader(RESIDENT)(found.read(cells), TODAY) == number
        found, cells = row({"id_card": "123"})
        assert KeyReader(RESIDENT)(found.read(cells), TODAY) is None
