"""The forms committed in forms/ are valid definitions and accept realistic submissions."""

import json
from datetime import date
from pathlib import Path

import pytest

from server.domain.definition_checks import definition_errors
from server.domain.form_definition import choices_of
from server.domain.form_validation import FormValidator, compile_form
from server.domain.id_card import check_character

FORMS = Path(__file__).resolve().parents[2] / "forms"
TODAY = date(2024, 6, 1)


def load(name: str) -> dict:
    return json.loads((FORMS / name).read_text(encoding="utf-8"))


def validator(name: str) -> FormValidator:
    return compile_form(load(name))


def make_id_card(region: str, born: str, sequence: str) -> str:
    first_17 = region + born + sequence
    return first_17 + check_character(first_17)


def errors_of(form: FormValidator, data: dict) -> list[tuple[str, str]]:
    return [(error["field"], error["code"]) for error in form.validate(data, TODAY)[1]]


RESIDENT = {
    "name": "李晓红",
    "id_card": make_id_card("430524", "19920815", "062"),
    "gender": "2",
    "birth_date": "1992-08-15",
    "household_type": "floating",
    "ethnicity": "01",
    "phone": "13925481736",
    "hukou_address": "湖南省邵阳市隆回县桃洪镇城西村3组",
    "residence_type": "rental",
    "house": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "current_address": "坪山区坑梓街道秀新社区新桥围二巷8号302",
    "moved_in_date": "2021-03-01",
    "residence_permit_no": "440310210301",
    "residence_permit_valid_to": "2025-03-01",
    "education": "senior_secondary",
    "marital_status": "20",
    "employment_status": "employed",
    "employer": "深圳市坪山区某电子有限公司",
    "occupation": "质检员",
    "social_security": "shenzhen",
}

RENTAL = {
    "address_code": "4403100070012300045",
    "address": "坪山区马峦街道江岭社区江岭村一巷12号",
    "house_type": "urban_village",
    "floors": 7,
    "rooms": 24,
    "area_m2": 680.5,
    "tenants": 41,
    "use": "residential",
    "landlord_type": "person",
    "landlord_name": "黄国强",
    "landlord_id_card": make_id_card("440307", "19650302", "031"),
    "landlord_phone": "0755-84612345",
    "rental_registration": "registered",
    "registration_no": "PS2023-004512",
    "contract_start": "2023-01-01",
    "contract_end": "2025-12-31",
    "fire_check": "hazards",
    "checked_on": "2024-05-20",
    "fire_hazards": ["e_bike_indoor", "other"],
    "hazard_other": "楼梯间堆放杂物",
    "rectification_deadline": "2024-06-20",
}

FIXTURE = {
    "component_code": "0102",
    "fixture_id": "4403100102000317",
    "location_description": "坪山大道与东纵路交叉口东北角人行道",
    "state": "damaged",
    "problem_description": "井盖破裂，边缘松动",
    "owner_department": "坪山区水务局",
    "maintainer": "坪山区排水管网运营公司",
    "maintainer_phone": "0755-89901234",
    "installed_on": "2012-07-01",
    "last_inspected": "2024-05-28",
    "photo_note": "近景一张、全景一张",
}


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.json")), ids=lambda p: p.name)
def test_committed_form_is_a_valid_definition(path: Path) -> None:
    assert [str(e) for e in definition_errors(json.loads(path.read_text("utf-8")))] == []


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.json")), ids=lambda p: p.name)
def test_file_name_matches_form_id_and_version(path: Path) -> None:
    definition = json.loads(path.read_text("utf-8"))
    assert path.name == f'{definition["id"]}.v{definition["version"]}.json'


def test_the_three_forms_are_committed() -> None:
    assert {p.name for p in FORMS.glob("*.json")} >= {
        "resident.v1.json", "rental.v1.json", "fixture.v1.json"}


@pytest.mark.parametrize(("name", "data"), [("resident.v1.json", RESIDENT),
                                            ("rental.v1.json", RENTAL),
                                            ("fixture.v1.json", FIXTURE)])
def test_realistic_submission_passes(name: str, data: dict) -> None:
    assert errors_of(validator(name), data) == []


def test_resident_is_keyed_by_id_card_and_found_by_name_id_card_and_phone() -> None:
    resident = validator("resident.v1.json")
    assert (resident.kind, resident.key) == ("resident", "id_card")
    assert {"name", "id_card", "phone"} <= resident.searchable_fields
    assert {"id_card", "phone"} <= resident.sensitive_fields
    assert resident.ref_kinds == {"house": "rental"}


def test_registered_resident_needs_no_residence_permit_and_may_not_give_one() -> None:
    resident = validator("resident.v1.json")
    registered = {**RESIDENT, "household_type": "registered"}
    assert errors_of(resident, registered) == [
        ("data.residence_permit_no", "not_relevant"),
        ("data.residence_permit_valid_to", "not_relevant"),
    ]
    del registered["residence_permit_no"], registered["residence_permit_valid_to"]
    assert errors_of(resident, registered) == []


def test_floating_resident_must_give_hukou_origin() -> None:
    data = {k: v for k, v in RESIDENT.items() if k != "hukou_address"}
    assert errors_of(validator("resident.v1.json"), data) == [("data.hukou_address", "required")]


def test_foreign_resident_gives_nationality_instead_of_ethnicity_and_hukou() -> None:
    data = {k: v for k, v in RESIDENT.items()
            if k not in {"ethnicity", "hukou_address", "residence_permit_no",
                         "residence_permit_valid_to"}}
    data |= {"household_type": "foreign", "id_card": make_id_card("944031", "19880101", "015")}
    resident = validator("resident.v1.json")
    assert errors_of(resident, data) == [("data.nationality", "required")]
    assert errors_of(resident, {**data, "nationality": "KOR"}) == []
    assert errors_of(resident, {**data, "nationality": "Korea"}) == [
        ("data.nationality", "pattern")]


def test_disability_certificate_only_for_people_in_the_disabled_group() -> None:
    resident = validator("resident.v1.json")
    number = RESIDENT["id_card"] + "42"
    assert errors_of(resident, {**RESIDENT, "disability_cert_no": number}) == [
        ("data.disability_cert_no", "not_relevant")]
    assert errors_of(resident, {**RESIDENT, "care_groups": ["disabled"],
                                "disability_cert_no": number}) == []


def test_resident_with_mistyped_id_card_is_refused() -> None:
    good = RESIDENT["id_card"]
    typo = good[:-2] + str((int(good[-2]) + 1) % 10) + good[-1]
    assert errors_of(validator("resident.v1.json"), {**RESIDENT, "id_card": typo}) == [
        ("data.id_card", "id_card.check_digit")]


def test_rental_with_hazards_must_list_them_and_describe_other() -> None:
    rental = validator("rental.v1.json")
    assert errors_of(rental, {k: v for k, v in RENTAL.items() if k != "fire_hazards"}) == [
        ("data.fire_hazards", "required"), ("data.hazard_other", "not_relevant")]
    assert errors_of(rental, {**RENTAL, "hazard_other": ""}) == [("data.hazard_other", "required")]


def test_rental_that_passed_the_check_lists_no_hazards() -> None:
    passed = {k: v for k, v in RENTAL.items()
              if k not in {"fire_hazards", "hazard_other", "rectification_deadline"}}
    passed["fire_check"] = "passed"
    rental = validator("rental.v1.json")
    assert errors_of(rental, passed) == []
    assert errors_of(rental, {**passed, "fire_hazards": ["messy_wiring"]}) == [
        ("data.fire_hazards", "not_relevant")]


def test_rental_owned_by_an_organisation_gives_its_credit_code_not_an_id_card() -> None:
    data = {k: v for k, v in RENTAL.items() if k != "landlord_id_card"}
    data |= {"landlord_type": "organisation", "landlord_name": "深圳市坪山区某物业管理有限公司"}
    rental = validator("rental.v1.json")
    assert errors_of(rental, data) == [("data.landlord_credit_code", "required")]
    assert errors_of(rental, {**data, "landlord_credit_code": "91440300MA5FO0IS1B"}) == [
        ("data.landlord_credit_code", "pattern")]
    assert errors_of(rental, {**data, "landlord_credit_code": "91440300MA5F3K7L2B"}) == []


def test_rental_address_code_is_19_digits_starting_4403() -> None:
    rental = validator("rental.v1.json")
    assert errors_of(rental, {**RENTAL, "address_code": "440310007001230004"}) == [
        ("data.address_code", "pattern")]
    assert errors_of(rental, {**RENTAL, "address_code": "4401100070012300045"}) == [
        ("data.address_code", "pattern")]


def test_rental_needs_at_least_one_room() -> None:
    assert errors_of(validator("rental.v1.json"), {**RENTAL, "rooms": 0}) == [
        ("data.rooms", "min")]


def test_component_classification_covers_the_six_major_classes() -> None:
    definition = load("fixture.v1.json")
    component = next(f for f in definition["fields"] if f["name"] == "component_code")
    codes = [c["value"] for c in choices_of(definition, component)]
    assert len(codes) >= 40
    assert {code[:2] for code in codes} == {"01", "02", "03", "04", "05", "06"}
    assert all(len(code) == 4 and code.isdigit() for code in codes)
    assert {"0101", "0104", "0201", "0206", "0211", "0214", "0301", "0306", "0311", "0401",
            "0404"} <= set(codes)


def test_intact_fixture_needs_no_problem_description() -> None:
    fixture = validator("fixture.v1.json")
    intact = {k: v for k, v in FIXTURE.items() if k != "problem_description"} | {"state": "intact"}
    assert errors_of(fixture, intact) == []
    assert errors_of(fixture, {**intact, "state": "missing"}) == [
        ("data.problem_description", "required")]


def test_fixture_id_is_pingshan_code_class_and_serial() -> None:
    fixture = validator("fixture.v1.json")
    assert errors_of(fixture, {**FIXTURE, "fixture_id": "4403100702000317"}) == [
        ("data.fixture_id", "pattern")]
    assert errors_of(fixture, {**FIXTURE, "last_inspected": "2024-06-02"}) == [
        ("data.last_inspected", "max")]


def test_ethnic_groups_are_the_56_plus_other_and_naturalised() -> None:
    ethnicities = load("resident.v1.json")["choice_lists"]["ethnicity"]
    assert [e["value"] for e in ethnicities] == [f"{n:02d}" for n in range(1, 57)] + ["97", "98"]
    assert ethnicities[0]["label"] == {"zh": "汉族", "en": "Han"}
