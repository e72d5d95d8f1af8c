"""Departments read what they are granted: kinds, grids, and each field's level, everywhere."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from server.models import AuditEntry, Department, Role
from tests.factories import bearer, make_id_card, make_user, resident_data, sign_in, sync_batch, sync_item

NUMBER = make_id_card(4, born="19600815")


@pytest.fixture
def person(district):
    result = district.results(sync_batch(sync_item(resident_data(4, name="张伟",
                                                                 phone="13800138004"))))[0]
    return result["record_id"]


@pytest.fixture
def admin(district):
    return district.user(Role.admin, "root")


def department_user(district, admin, grant: dict, code: str = "civil") -> str:
    """A department with ``grant`` and one of its staff; returns the staff's token."""
    created = district.client.post("/api/v1/departments", json={"code": code, "name": "民政局"},
                                   headers=bearer(admin))
    assert created.status_code == 201, created.get_json()
    put = district.client.put(f"/api/v1/departments/{code}/grants", json=grant,
                              headers=bearer(admin))
    assert put.status_code == 200, put.get_json()
    make_user(district.session, role=Role.viewer, username=f"{code}.clerk", department_code=code)
    return sign_in(district.client, f"{code}.clerk")["access_token"]


def every_response(district, token, record_id) -> dict[str, dict]:
    """The resident as each kind of response a department user may get shows it (the change
    feed only hands out committed changes: see test_the_feed_follows_the_grant)."""
    get = lambda path: district.client.get(path, headers=bearer(token)).get_json()
    return {"record": get(f"/api/v1/records/{record_id}")["data"],
            "search": get("/api/v1/records?q=张伟")["items"][0]["data"],
            "history": get(f"/api/v1/records/{record_id}/history")["versions"][0]["data"]}


SHOWN = {"visible": lambda v: v, "masked": lambda v: "*" in v, "hidden": None}


@pytest.mark.parametrize("field, value", [("phone", "13800138004"), ("name", "张伟"),
                                          ("id_card", NUMBER)])
@pytest.mark.parametrize("level", ["visible", "masked", "hidden"])
def test_each_level_of_each_field_holds_in_every_response(district, admin, person, field,
                                                          value, level):
    token = department_user(district, admin, {"kinds": ["resident"], "grids": "all",
                                              "fields": {"resident": {field: level}}})
    for response, data in every_response(district, token, person).items():
        if level == "hidden":
            assert field not in data, response
        elif level == "visible":
            assert data[field] == value, response
        else:
            assert data[field] != value and "*" in data[field], response


def test_fields_a_grant_does_not_name_follow_the_default_policy(district, admin, person):
    token = department_user(district, admin, {"kinds": ["resident"], "grids": "all"})
    data = every_response(district, token, person)["record"]
    assert data["phone"] == "138****8004" and data["name"] == "张伟"
    assert data["birth_date"] == "1960-**-**"  # the masked number's hidden digits


def test_a_department_reads_only_the_kinds_it_is_granted(district, admin, person):
    token = department_user(district, admin, {"kinds": ["rental"], "grids": "all"})
    get = lambda path: district.client.get(path, headers=bearer(token))
    assert get(f"/api/v1/records/{person}").status_code == 404
    assert get("/api/v1/records?q=张伟").get_json()["items"] == []


def test_a_department_reads_only_the_grids_it_is_granted(district, admin, person):
    token = department_user(district, admin, {"kinds": ["resident"], "grids": ["T-33"]})
    assert district.client.get(f"/api/v1/records/{person}",
                               headers=bearer(token)).status_code == 404
    street = department_user(district, admin, {"kinds": ["resident"], "grids": ["S1"]}, "street")
    assert district.client.get(f"/api/v1/records/{person}",
                               headers=bearer(street)).status_code == 200


@pytest.mark.parametrize("grant, field", [
    ({"kinds": ["spaceship"], "grids": "all"}, "kinds[0]"),
    ({"kinds": ["resident"], "grids": ["T-99"]}, "grids[0]"),
    ({"kinds": ["resident"], "grids": "some"}, "grids"),
    ({"kinds": ["resident"], "grids": "all", "fields": {"nope": {"x": "visible"}}}, "fields.nope"),
    ({"kinds": ["resident"], "grids": "all", "fields": {"resident": {"shoe": "visible"}}},
     "fields.resident.shoe"),
    ({"kinds": ["resident"], "grids": "all", "fields": {"resident": {"name": "blurry"}}},
     "fields.resident.name"),
])
def test_a_grant_naming_what_does_not_exist_is_refused_naming_it(district, admin, grant, field):
    district.client.post("/api/v1/departments", json={"code": "civil", "name": "民政局"},
                         headers=bearer(admin))
    response = district.client.put("/api/v1/departments/civil/grants", json=grant,
                                   headers=bearer(admin))
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert any(e["field"].startswith(field) for e in response.get_json()["errors"]), \
        response.get_json()


def test_grant_changes_are_audited_with_before_and_after(district, admin):
    department_user(district, admin, {"kinds": ["resident"], "grids": "all"})
    district.client.put("/api/v1/departments/civil/grants",
                        json={"kinds": ["rental"], "grids": "all"}, headers=bearer(admin))
    changes = district.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "grant_changed").order_by(AuditEntry.id)).all()
    assert changes[-1].details["before"]["kinds"] == ["resident"]
    assert changes[-1].details["after"]["kinds"] == ["rental"]


def test_only_administrators_manage_departments(district, admin):
    clerk = district.user(Role.viewer, "clerk")
    assert district.client.post("/api/v1/departments", json={"code": "x", "name": "X"},
                                headers=bearer(clerk)).status_code == 403
    assert district.client.put("/api/v1/departments/x/grants", json={
        "kinds": [], "grids": "all"}, headers=bearer(district.token)).status_code == 403


def test_me_names_my_department(district, admin):
    token = department_user(district, admin, {"kinds": ["resident"], "grids": "all"})
    me = district.client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["department"] == {"code": "civil", "name": "民政局"}
    assert district.session.get(Department, "civil").name == "民政局"


def test_a_viewer_cannot_rebuild_a_masked_value_from_any_response(district, person):
    clerk = district.user(Role.viewer, "clerk")
    text = json.dumps(every_response(district, clerk, person), ensure_ascii=False)
    assert NUMBER not in text and NUMBER[6:14] not in text.replace("-", "")
    assert "1960-08-15" not in text and "13800138004" not in text


def test_the_feed_follows_the_grant(committed_district):
    district = committed_district
    district.results(sync_batch(sync_item(resident_data(4, name="张伟", phone="13800138004"))))
    admin = district.user(Role.admin, "root")
    visible = department_user(district, admin, {
        "kinds": ["resident"], "grids": "all", "fields": {"resident": {"phone": "hidden"}}})
    rentals = department_user(district, admin, {"kinds": ["rental"], "grids": "all"}, "housing")
    district.session.commit()
    feed = lambda token: district.client.get("/api/v1/records/changes",
                                             headers=bearer(token)).get_json()["items"]
    (item,) = feed(visible)
    assert "phone" not in item["data"] and item["data"]["birth_date"] == "1960-**-**"
    assert feed(rentals) == []
