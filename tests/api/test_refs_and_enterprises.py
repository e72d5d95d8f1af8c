"""Refs are real (the record exists and is of the kind the field names), and enterprises are
registered and found by name or credit code like residents."""
from __future__ import annotations

import uuid
from typing import Any

from server.domain.credit_code import synthetic_credit_code
from tests.factories import bearer, resident_data, sync_batch, sync_item


def rental_data(serial: int = 1) -> dict[str, Any]:
    return {"address_code": f"440310{serial:013d}", "address": "坪山区汤坑村二巷8号",
            "house_type": "urban_village", "floors": 6, "rooms": 12, "tenants": 20,
            "use": "residential", "landlord_type": "person", "landlord_name": "陈国强",
            "landlord_id_card": "11010519491231002X", "landlord_phone": "13812345678",
            "rental_registration": "unregistered", "fire_check": "passed",
            "checked_on": "2025-01-10"}


def enterprise_data(serial: int = 1, **overrides: Any) -> dict[str, Any]:
    data = {"credit_code": synthetic_credit_code("440310", serial), "name": f"深圳市坪山区织网电子{serial}厂",
            "legal_representative": "王建国", "address": "坪山区龙田街道竹坑社区工业区3栋",
            "industry": "C", "employees": 120, "contact_phone": "0755-84661234",
            "operating_status": "operating"}
    return {k: v for k, v in {**data, **overrides}.items() if v is not None}


def tenant(serial: int, house: str) -> dict[str, Any]:
    """A resident renting ``house``."""
    return resident_data(serial, residence_type="rental", house=house)


def rental(district, serial: int = 1) -> str:
    [result] = district.results(sync_batch(sync_item(rental_data(serial), form="rental")))
    assert result["status"] == "merged", result
    return result["record_id"]


def errors(result: dict) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in result.get("errors", [])]


def test_a_ref_to_an_existing_record_of_its_kind_is_merged(district):
    house = rental(district)
    [result] = district.results(sync_batch(sync_item(tenant(1, house=house.upper()))))
    assert result["status"] == "merged", result


def test_a_ref_to_no_record_is_rejected_naming_the_field(district):
    [result] = district.results(sync_batch(sync_item(tenant(1, house=str(uuid.uuid4())))))
    assert result["status"] == "rejected"
    assert errors(result) == [("data.house", "ref.missing")]
    assert result["errors"][0]["message_zh"]


def test_a_ref_to_a_record_of_another_kind_is_rejected_naming_the_kinds(district):
    person = district.results(sync_batch(sync_item(resident_data(1))))[0]["record_id"]
    [result] = district.results(sync_batch(sync_item(tenant(2, house=person))))
    assert errors(result) == [("data.house", "ref.kind")]
    assert result["errors"][0]["message"] == "points to a resident record, not a rental"


def test_a_ref_to_a_record_created_in_the_same_batch_is_merged(district):
    house_id = str(uuid.uuid4())
    results = district.results(sync_batch(
        sync_item(tenant(1, house=house_id)),
        sync_item(rental_data(), form="rental", record_id=house_id)))
    assert [r["status"] for r in results] == ["merged", "merged"]


def test_only_the_item_with_a_bad_ref_is_rejected(district):
    results = district.results(sync_batch(sync_item(resident_data(1)),
                                          sync_item(tenant(2, house=str(uuid.uuid4())))))
    assert [r["status"] for r in results] == ["merged", "rejected"]


def test_an_edit_is_checked_too(district):
    person = district.results(sync_batch(sync_item(resident_data(1))))[0]["record_id"]
    edit = sync_item(tenant(1, house=str(uuid.uuid4())), record_id=person,
                     base_version=1)
    assert errors(district.results(sync_batch(edit))[0]) == [("data.house", "ref.missing")]


def test_an_enterprise_is_registered_in_its_premises(district):
    house = rental(district)
    [result] = district.results(sync_batch(sync_item(enterprise_data(premises=house),
                                                     form="enterprise")))
    assert result["status"] == "merged"
    record = district.client.get(f"/api/v1/records/{result['record_id']}",
                                 headers=bearer(district.token)).get_json()
    assert (record["kind"], record["key"]) == ("enterprise", synthetic_credit_code("440310", 1))


def test_an_enterprise_whose_premises_are_a_person_is_rejected(district):
    person = district.results(sync_batch(sync_item(resident_data(1))))[0]["record_id"]
    [result] = district.results(sync_batch(sync_item(enterprise_data(premises=person),
                                                     form="enterprise")))
    assert errors(result) == [("data.premises", "ref.kind")]


def test_a_credit_code_with_a_wrong_check_character_is_rejected(district):
    good = synthetic_credit_code("440310", 1)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    [result] = district.results(sync_batch(sync_item(enterprise_data(credit_code=bad),
                                                     form="enterprise")))
    assert errors(result) == [("data.credit_code", "credit_code.check_character")]


def test_a_credit_code_in_lower_case_is_rejected(district):
    code = synthetic_credit_code("440310", 1).lower()
    [result] = district.results(sync_batch(sync_item(enterprise_data(credit_code=code),
                                                     form="enterprise")))
    assert errors(result) == [("data.credit_code", "credit_code.format")]


def test_the_same_credit_code_twice_is_a_possible_duplicate(district):
    district.results(sync_batch(sync_item(enterprise_data(1), form="enterprise")))
    [again] = district.results(sync_batch(sync_item(enterprise_data(1, name="另一个名字"),
                                                    form="enterprise")))
    assert (again["status"], again["conflict_kind"]) == ("conflict", "possible_duplicate")


def search(district, q: str) -> list[str]:
    response = district.client.get("/api/v1/records", query_string={"q": q},
                                   headers=bearer(district.token))
    assert response.status_code == 200, response.get_json()
    return sorted(item["data"]["name"] for item in response.get_json()["items"])


def test_an_enterprise_is_found_by_name_and_by_credit_code_in_either_case(district):
    district.results(sync_batch(sync_item(enterprise_data(7), form="enterprise"),
                                sync_item(enterprise_data(8), form="enterprise")))
    code = synthetic_credit_code("440310", 7)
    assert search(district, "深圳市坪山区织网电子7厂") == ["深圳市坪山区织网电子7厂"]
    assert search(district, "织网电子") == ["深圳市坪山区织网电子7厂", "深圳市坪山区织网电子8厂"]
    assert search(district, code) == ["深圳市坪山区织网电子7厂"]
    assert search(district, code.lower()) == ["深圳市坪山区织网电子7厂"]
    assert search(district, "0755-84661234") == ["深圳市坪山区织网电子7厂", "深圳市坪山区织网电子8厂"]
