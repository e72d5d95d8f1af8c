"""Validating a submission's data against the exact form version it was captured with."""

import copy
from datetime import date

import pytest

from server.domain.form_definition import InvalidDefinition
from server.domain.form_validation import FormValidator, compile_form, is_empty
from server.domain.id_card import check_character

TODAY = date(2024, 6, 1)


def label(text: str) -> dict:
    return {"zh": text, "en": text}


def choice(value: str) -> dict:
    return {"value": value, "label": label(value)}


def field(name: str, type_: str, **attributes: object) -> dict:
    return {"name": name, "type": type_, "label": label(name), **attributes}


def make_id_card(born: str = "19900307", sequence: str = "123") -> str:
    first_17 = "440310" + born + sequence
    return first_17 + check_character(first_17)


ALL_TYPES = {
    "id": "sample",
    "version": 1,
    "title": label("示例"),
    "kind": "sample",
    "key": "code",
    "choice_lists": {"colour": [choice("red"), choice("green"), choice("blue")]},
    "fields": [
        field("code", "text", required=True, pattern="[A-Z]{2}[0-9]{4}"),
        field("note", "text"),
        field("short", "text", min_length=2, max_length=5),
        field("count", "integer", min=0, max=10),
        field("big", "integer"),
        field("area", "decimal", min=0.5, max=99.5),
        field("day", "date", min="2000-01-01", max="today"),
        field("seen_at", "datetime", min="2020-01-01T00:00:00+08:00", max="2030-01-01T00:00:00Z"),
        field("colour", "select_one", choices="colour"),
        field("extras", "select_multiple", choices=[choice("a"), choice("b"), choice("c")]),
        field("person", "id_card", sensitive=True),
        field("phone", "phone", sensitive=True),
        field("house", "ref", ref_kind="rental"),
    ],
}

VALID = {
    "code": "AB1234",
    "note": "门口有电动车\n二楼",
    "short": "abc",
    "count": 3,
    "big": -(2**53 - 1),
    "area": 12.5,
    "day": "2024-05-31",
    "seen_at": "2024-05-31T09:30:00+08:00",
    "colour": "green",
    "extras": ["a", "c"],
    "person": make_id_card(),
    "phone": "0755-12345678",
    "house": "0b6f3f4e-8d2a-4c1e-9f7a-2b3c4d5e6f70",
}


@pytest.fixture(scope="module")
def sample() -> FormValidator:
    return compile_form(ALL_TYPES)


def errors_of(validator: FormValidator, data: object) -> list[tuple[str, str]]:
    return [(error["field"], error["code"]) for error in validator.validate(data, TODAY)[1]]


def only_error(validator: FormValidator, **changes: object) -> tuple[str, str] | None:
    data = {**VALID, **changes}
    errors = errors_of(validator, data)
    assert len(errors) <= 1, errors
    return errors[0] if errors else None


def test_valid_submission_passes_and_is_returned_unchanged(sample: FormValidator) -> None:
    cleaned, errors = sample.validate(VALID, TODAY)
    assert errors == []
    assert cleaned == VALID


def test_error_has_field_code_and_messages_in_english_and_chinese(sample: FormValidator) -> None:
    _, [error] = sample.validate({**VALID, "count": 11}, TODAY)
    assert error == {"field": "data.count", "code": "max", "message": "must be at most 10",
                     "message_zh": "不能大于10"}


def test_data_that_is_not_an_object_is_refused(sample: FormValidator) -> None:
    assert errors_of(sample, ["AB1234"]) == [("data", "type")]


@pytest.mark.parametrize("missing", [None, "", "   ", "\u3000", "\t\n", "\ufeff"])
def test_required_field_without_a_value_is_refused(sample: FormValidator, missing: object) -> None:
    assert only_error(sample, code=missing) == ("data.code", "required")


def test_absent_required_field_is_refused(sample: FormValidator) -> None:
    data = {k: v for k, v in VALID.items() if k != "code"}
    assert errors_of(sample, data) == [("data.code", "required")]


def test_empty_optional_fields_are_left_out_of_the_cleaned_data(sample: FormValidator) -> None:
    cleaned, errors = sample.validate({"code": "AB1234", "note": "", "extras": [], "count": None},
                                      TODAY)
    assert errors == []
    assert cleaned == {"code": "AB1234"}


def test_unknown_field_is_refused(sample: FormValidator) -> None:
    assert only_error(sample, colour_name="绿") == ("data.colour_name", "unknown_field")


def test_unknown_field_with_a_huge_or_broken_name_is_reported_shortened(
    sample: FormValidator,
) -> None:
    [(path, code)] = errors_of(sample, {**VALID, "x" * 10000 + "\x00": 1})
    assert code == "unknown_field"
    assert len(path) < 80 and "\x00" not in path


def test_errors_come_in_field_order_one_per_field(sample: FormValidator) -> None:
    data = {**VALID, "zzz": 1, "phone": "12", "code": "ab", "count": "3"}
    assert errors_of(sample, data) == [
        ("data.code", "pattern"), ("data.count", "type"), ("data.phone", "phone"),
        ("data.zzz", "unknown_field"),
    ]


# text

def test_text_of_another_json_type_is_refused(sample: FormValidator) -> None:
    assert only_error(sample, note=42) == ("data.note", "type")


def test_huge_string_is_refused_by_the_default_cap(sample: FormValidator) -> None:
    assert only_error(sample, note="字" * 2000) is None
    assert only_error(sample, note="字" * 2001) == ("data.note", "max_length")
    assert only_error(sample, note="x" * 10_000_000) == ("data.note", "max_length")


def test_length_counts_characters_not_bytes_or_utf16_units(sample: FormValidator) -> None:
    assert only_error(sample, short="𠮷𠮷𠮷𠮷𠮷") is None  # 5 characters outside the BMP


def test_text_length_limits_apply(sample: FormValidator) -> None:
    assert only_error(sample, short="a") == ("data.short", "min_length")
    assert only_error(sample, short="abcdef") == ("data.short", "max_length")


def test_text_must_match_its_pattern_in_full(sample: FormValidator) -> None:
    assert only_error(sample, code="AB12345") == ("data.code", "pattern")
    assert only_error(sample, code="xAB1234") == ("data.code", "pattern")
    assert only_error(sample, code="AB1234\n") == ("data.code", "pattern")


def test_pattern_digits_are_ascii_only() -> None:
    validator = compile_form({**ALL_TYPES, "fields": [field("code", "text", required=True,
                                                            pattern=r"\d{4}")]})
    assert errors_of(validator, {"code": "1234"}) == []
    assert errors_of(validator, {"code": "١٢٣٤"}) == [("data.code", "pattern")]


@pytest.mark.parametrize("text", ["a\x00b", "a\x1bb", "a\ud800b"])
def test_text_with_control_characters_or_broken_unicode_is_refused(
    sample: FormValidator, text: str
) -> None:
    assert only_error(sample, note=text) == ("data.note", "characters")


def test_text_is_not_trimmed(sample: FormValidator) -> None:
    cleaned, _ = sample.validate({**VALID, "note": "  门口  "}, TODAY)
    assert cleaned["note"] == "  门口  "


# numbers

@pytest.mark.parametrize("value", [True, False, 3.0, "3", [3], {"n": 3}])
def test_integer_must_be_a_json_integer(sample: FormValidator, value: object) -> None:
    assert only_error(sample, count=value) == ("data.count", "type")


def test_integer_bounds_apply(sample: FormValidator) -> None:
    assert only_error(sample, count=0) is None
    assert only_error(sample, count=10) is None
    assert only_error(sample, count=-1) == ("data.count", "min")
    assert only_error(sample, count=11) == ("data.count", "max")


def test_integer_beyond_what_javascript_holds_exactly_is_refused(sample: FormValidator) -> None:
    assert only_error(sample, big=2**53) == ("data.big", "max")
    assert only_error(sample, big=-(2**53)) == ("data.big", "min")


@pytest.mark.parametrize("value", [1, 99.5, 0.5, 12.25])
def test_decimal_accepts_integers_and_fractions(sample: FormValidator, value: object) -> None:
    assert only_error(sample, area=value) is None


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "12.5"])
def test_decimal_must_be_a_finite_json_number(sample: FormValidator, value: object) -> None:
    assert only_error(sample, area=value) == ("data.area", "type")


def test_decimal_bounds_apply(sample: FormValidator) -> None:
    assert only_error(sample, area=0.49) == ("data.area", "min")
    assert only_error(sample, area=99.51) == ("data.area", "max")


# dates

@pytest.mark.parametrize("value", ["2023-02-29", "2024-13-01", "2024-5-3", "20240503",
                                   "2024-05-03T00:00:00", "2024-W01-1", "２０２４-05-03"])
def test_date_must_be_a_real_yyyy_mm_dd_date(sample: FormValidator, value: str) -> None:
    assert only_error(sample, day=value) == ("data.day", "date")


def test_date_of_another_json_type_is_refused(sample: FormValidator) -> None:
    assert only_error(sample, day=20240503) == ("data.day", "type")


def test_date_bounds_apply_with_today_as_max(sample: FormValidator) -> None:
    assert only_error(sample, day="2024-02-29") is None
    assert only_error(sample, day="2024-06-01") is None
    assert only_error(sample, day="2024-06-02") == ("data.day", "max")
    assert only_error(sample, day="1999-12-31") == ("data.day", "min")


@pytest.mark.parametrize("value", ["2024-05-31T09:30:00Z", "2024-05-31T09:30Z",
                                   "2024-05-31T09:30:00.123+08:00", "2024-05-31T01:30:00-05:00"])
def test_datetime_with_time_zone_is_accepted(sample: FormValidator, value: str) -> None:
    assert only_error(sample, seen_at=value) is None


@pytest.mark.parametrize("value", ["2024-05-31T09:30:00", "2024-05-31 09:30:00+08:00",
                                   "2024-05-31T25:30:00Z", "2024-05-31", "yesterday"])
def test_datetime_without_zone_or_malformed_is_refused(sample: FormValidator, value: str) -> None:
    assert only_error(sample, seen_at=value) == ("data.seen_at", "datetime")


def test_datetime_bounds_compare_instants_across_zones(sample: FormValidator) -> None:
    # The minimum is 2020-01-01 00:00 in Shenzhen, i.e. 2019-12-31 16:00 UTC.
    assert only_error(sample, seen_at="2019-12-31T16:00:00Z") is None
    assert only_error(sample, seen_at="2019-12-31T15:59:59Z") == ("data.seen_at", "min")
    assert only_error(sample, seen_at="2030-01-01T08:00:01+08:00") == ("data.seen_at", "max")


# choices

def test_select_one_value_must_be_a_choice(sample: FormValidator) -> None:
    assert only_error(sample, colour="purple") == ("data.colour", "choice")
    assert only_error(sample, colour="Red") == ("data.colour", "choice")
    assert only_error(sample, colour=["red"]) == ("data.colour", "type")


def test_select_multiple_is_a_list_of_distinct_choices(sample: FormValidator) -> None:
    assert only_error(sample, extras=["b"]) is None
    assert only_error(sample, extras=["a", "z"]) == ("data.extras", "choice")
    assert only_error(sample, extras=["a", "a"]) == ("data.extras", "duplicate_choice")
    assert only_error(sample, extras="a") == ("data.extras", "type")
    assert only_error(sample, extras=["a", 1]) == ("data.extras", "type")


# id_card, phone, ref

def test_valid_id_card_passes_and_lower_case_x_is_stored_upper_case(sample: FormValidator) -> None:
    cleaned, errors = sample.validate({**VALID, "person": "11010519491231002x"}, TODAY)
    assert errors == []
    assert cleaned["person"] == "11010519491231002X"


def test_id_card_with_wrong_check_digit_is_refused(sample: FormValidator) -> None:
    good = make_id_card()
    wrong = good[:17] + ("1" if good[17] == "0" else "0")
    assert only_error(sample, person=wrong) == ("data.person", "id_card.check_digit")


def test_id_card_with_impossible_birth_date_is_refused(sample: FormValidator) -> None:
    assert only_error(sample, person=make_id_card(born="19990230")) == (
        "data.person", "id_card.birth_date")


def test_id_card_born_after_the_validation_day_is_refused(sample: FormValidator) -> None:
    assert only_error(sample, person=make_id_card(born="20240602")) == (
        "data.person", "id_card.birth_date")


def test_malformed_id_card_is_refused(sample: FormValidator) -> None:
    assert only_error(sample, person="4403101990030712") == ("data.person", "id_card.format")
    assert only_error(sample, person=make_id_card().replace("4", "0", 1)) == (
        "data.person", "id_card.region")
    assert only_error(sample, person=440310199003071237) == ("data.person", "type")


def test_phone_must_be_mobile_or_landline(sample: FormValidator) -> None:
    assert only_error(sample, phone="13812345678") is None
    assert only_error(sample, phone="+86 138 1234 5678") == ("data.phone", "phone")


def test_ref_is_a_uuid_stored_lower_case(sample: FormValidator) -> None:
    cleaned, errors = sample.validate(
        {**VALID, "house": "0B6F3F4E-8D2A-4C1E-9F7A-2B3C4D5E6F70"}, TODAY)
    assert errors == []
    assert cleaned["house"] == "0b6f3f4e-8d2a-4c1e-9f7a-2b3c4d5e6f70"
    assert only_error(sample, house="house-17") == ("data.house", "ref")


def test_validator_describes_the_form(sample: FormValidator) -> None:
    assert (sample.form_id, sample.version, sample.kind, sample.key) == ("sample", 1, "sample",
                                                                         "code")
    assert sample.sensitive_fields == {"person", "phone"}
    assert sample.ref_kinds == {"house": "rental"}
    assert sample.key_of({"code": "AB1234"}) == "AB1234"


# relevant

RELEVANCE = {
    "id": "relevance",
    "version": 1,
    "title": label("条件"),
    "kind": "sample",
    "key": "code",
    "fields": [
        field("code", "text", required=True),
        field("landlord", "select_one", required=True,
              choices=[choice("person"), choice("organisation")]),
        field("landlord_id", "id_card", required=True,
              relevant={"field": "landlord", "equals": "person"}),
        field("staff", "integer", relevant={"field": "landlord", "equals": "organisation"}),
        field("big_employer_contact", "phone", required=True,
              relevant={"all": [{"field": "landlord", "equals": "organisation"},
                                {"not": {"field": "staff", "in": [0, 1, 2, 3]}},
                                {"field": "staff", "filled": True}]}),
        field("hazards", "select_multiple", choices=[choice("wiring"), choice("other")]),
        field("hazard_other", "text", required=True,
              relevant={"field": "hazards", "includes": "other"}),
        field("remark", "text"),
        field("remark_reply", "text", relevant={"field": "remark", "filled": True}),
        field("no_remark_reason", "text", relevant={"field": "remark", "filled": False}),
        field("either", "text", relevant={"any": [{"field": "landlord", "equals": "person"},
                                                  {"field": "staff", "equals": 1}]}),
    ],
}


@pytest.fixture(scope="module")
def relevance() -> FormValidator:
    return compile_form(RELEVANCE)


def test_required_applies_only_when_the_field_is_relevant(relevance: FormValidator) -> None:
    assert errors_of(relevance, {"code": "1", "landlord": "person"}) == [
        ("data.landlord_id", "required")]
    assert errors_of(relevance, {"code": "1", "landlord": "organisation"}) == []


def test_value_for_a_field_that_is_not_relevant_is_refused(relevance: FormValidator) -> None:
    data = {"code": "1", "landlord": "organisation", "landlord_id": make_id_card()}
    assert errors_of(relevance, data) == [("data.landlord_id", "not_relevant")]


def test_empty_value_for_a_field_that_is_not_relevant_is_fine(relevance: FormValidator) -> None:
    cleaned, errors = relevance.validate(
        {"code": "1", "landlord": "organisation", "landlord_id": " "}, TODAY)
    assert errors == []
    assert "landlord_id" not in cleaned


def test_all_and_not_and_filled_combine(relevance: FormValidator) -> None:
    small = {"code": "1", "landlord": "organisation", "staff": 3}
    big = {**small, "staff": 250}
    assert errors_of(relevance, small) == []
    assert errors_of(relevance, big) == [("data.big_employer_contact", "required")]
    assert errors_of(relevance, {**big, "big_employer_contact": "13812345678"}) == []


def test_includes_looks_into_a_multiple_choice(relevance: FormValidator) -> None:
    base = {"code": "1", "landlord": "organisation"}
    assert errors_of(relevance, {**base, "hazards": ["wiring", "other"]}) == [
        ("data.hazard_other", "required")]
    assert errors_of(relevance, {**base, "hazards": ["wiring"], "hazard_other": "x"}) == [
        ("data.hazard_other", "not_relevant")]


def test_filled_true_and_false(relevance: FormValidator) -> None:
    base = {"code": "1", "landlord": "organisation"}
    assert errors_of(relevance, {**base, "remark_reply": "ok"}) == [
        ("data.remark_reply", "not_relevant")]
    assert errors_of(relevance, {**base, "remark": "r", "remark_reply": "ok"}) == []
    assert errors_of(relevance, {**base, "remark": "r", "no_remark_reason": "x"}) == [
        ("data.no_remark_reason", "not_relevant")]


def test_any_needs_one_condition(relevance: FormValidator) -> None:
    organisation = {"code": "1", "landlord": "organisation", "either": "x"}
    assert errors_of(relevance, {**organisation, "staff": 1}) == []
    assert errors_of(relevance, {**organisation, "staff": 2}) == [("data.either", "not_relevant")]


def test_a_field_that_is_not_relevant_counts_as_empty_for_later_conditions(
    relevance: FormValidator,
) -> None:
    # staff is not relevant for a person, so its (refused) value does not switch on
    # big_employer_contact, which therefore is not required either.
    data = {"code": "1", "landlord": "person", "landlord_id": make_id_card(), "staff": 250}
    assert errors_of(relevance, data) == [("data.staff", "not_relevant")]


def test_conditions_use_json_equality(relevance: FormValidator) -> None:
    base = {"code": "1", "landlord": "organisation", "either": "x"}
    assert errors_of(relevance, {**base, "staff": 1.0}) == [("data.staff", "type")]
    # true is not 1: "staff in [0, 1, 2, 3]" is false, "staff equals 1" is false.
    assert errors_of(relevance, {**base, "staff": True}) == [
        ("data.staff", "type"), ("data.big_employer_contact", "required"),
        ("data.either", "not_relevant")]


def test_conditions_see_the_submitted_value_even_when_it_is_invalid(
    relevance: FormValidator,
) -> None:
    data = {"code": "1", "landlord": "organisation", "staff": "many"}
    assert errors_of(relevance, data) == [("data.staff", "type"),
                                          ("data.big_employer_contact", "required")]


# versions and compilation

V2 = copy.deepcopy(ALL_TYPES)
V2["version"] = 2
V2["fields"].append(field("storeys", "integer", required=True, min=1))
V2["fields"] = [f for f in V2["fields"] if f["name"] != "note"]


def test_old_version_data_still_validates_with_the_old_version() -> None:
    v1, v2 = compile_form(ALL_TYPES), compile_form(V2)
    assert errors_of(v1, VALID) == []
    assert errors_of(v2, VALID) == [("data.storeys", "required"), ("data.note", "unknown_field")]
    new = {k: v for k, v in VALID.items() if k != "note"} | {"storeys": 6}
    assert errors_of(v2, new) == []
    assert errors_of(v1, new) == [("data.storeys", "unknown_field")]


def test_compiled_validator_is_cached_per_definition_hash() -> None:
    assert compile_form(ALL_TYPES) is compile_form(copy.deepcopy(ALL_TYPES))
    assert compile_form(ALL_TYPES) is not compile_form(V2)


def test_invalid_definition_cannot_be_compiled() -> None:
    broken = {**ALL_TYPES, "key": "nope"}
    with pytest.raises(InvalidDefinition):
        compile_form(broken)


def test_validator_does_not_depend_on_later_changes_to_the_definition_dict() -> None:
    definition = copy.deepcopy(ALL_TYPES)
    validator = FormValidator(definition)
    definition["fields"][3]["max"] = 1
    definition["choice_lists"]["colour"].clear()
    assert errors_of(validator, VALID) == []


def test_validation_does_not_modify_the_submitted_data(sample: FormValidator) -> None:
    data = {**VALID, "person": "11010519491231002x", "house": VALID["house"].upper()}
    before = copy.deepcopy(data)
    sample.validate(data, TODAY)
    assert data == before


@pytest.mark.parametrize(("value", "empty"), [
    (None, True), ("", True), (" \u3000\u00a0", True), ([], True), ("0", False), (0, False),
    (False, False), ({}, False), (["a"], False), ("\u200b", False),
])
def test_what_counts_as_not_given(value: object, empty: bool) -> None:
    assert is_empty(value) is empty


def test_non_string_keys_from_a_python_caller_are_reported_as_unknown(
    sample: FormValidator,
) -> None:
    assert errors_of(sample, {**VALID, 7: "x"}) == [("data.7", "unknown_field")]
