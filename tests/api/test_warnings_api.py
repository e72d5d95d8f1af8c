"""The decision-support API: runs, warnings, the map, the enterprise page, the economy, and who
may see which (grants on the dashboards)."""
from __future__ import annotations

import io
from datetime import date

import pytest

from server.models import Role
from server.services.departments import create_department, put_grant
from server.services.warnings.economy import run_economy
from server.services.warnings.run import run_warnings
from tests.factories import bearer, make_assignment, make_user, sign_in
from tests.services.imports_helpers import run_queued
from tests.warnings_world import make_firms

OCT = date(2026, 10, 1)


@pytest.fixture
def world(client, session):
    firms = make_firms(session)
    near, far = firms.add(1, "T-11"), firms.add(2, "T-33")
    for code in (near, far):
        firms.steady(code, "electricity", 182_000, OCT)
        firms.put(code, "electricity", {OCT: 96_460})
        firms.put(code, "wages_unpaid", {OCT: 250_000})
    run_warnings(session, OCT)
    run_economy(session, OCT)
    create_department(session, None, "street", "街道办")
    put_grant(session, None, "street", ["enterprise"], ["T-33"], {})
    put_grant(session, None, "labour", ["resident"], "all", {})
    tokens = {}
    for name, role, department in (("admin", Role.admin, None), ("street1", Role.viewer, "street"),
                                   ("labour1", Role.viewer, "labour"),
                                   ("collector", Role.collector, None),
                                   ("sup", Role.supervisor, None)):
        user = make_user(session, username=name, role=role)
        user.department_code = department
        tokens[name] = sign_in(client, name)["access_token"]
        if name == "sup":
            make_assignment(session, user, firms.grids["T-11"], "supervises")
    session.flush()
    return {"firms": firms, "near": near, "far": far, "tokens": tokens}


def get(client, world, who, path, **query):
    return client.get(f"/api/v1{path}", query_string=query, headers=bearer(world["tokens"][who]))


def test_warnings_list_their_signals_with_the_numbers(client, world):
    response = get(client, world, "admin", "/warnings", month="2026-10", level="orange")
    assert response.status_code == 200
    items = response.get_json()
    assert {w["enterprise"]["credit_code"] for w in items} == {world["near"], world["far"]}
    first = items[0]
    assert (first["level"], first["score"], first["dispatch"]) == ("orange", 60.0, "dispatched")
    assert first["signals"][1] == {
        "signal": "electricity_drop", "indicator": "electricity", "value": 96460.0,
        "baseline": 182000.0, "change": -0.47, "weight": 15.0,
        "reason": "用电 −47 % vs 6-month median 182,000 kWh"}


def test_department_staff_see_the_grids_of_their_grant(client, world):
    items = get(client, world, "street1", "/warnings", month="2026-10").get_json()
    assert [w["enterprise"]["credit_code"] for w in items] == [world["far"]]
    grids = get(client, world, "street1", "/warnings/map", month="2026-10").get_json()["items"]
    assert [(g["grid"], g["orange"], g["total"]) for g in grids] == [("T-33", 1, 1)]
    assert get(client, world, "street1", f"/warnings/enterprises/{world['near']}").status_code == 404
    assert get(client, world, "street1", "/economy", area="district").status_code == 404
    summary = get(client, world, "street1", "/warnings/summary", **{"from": "2026-10", "to": "2026-10"})
    assert summary.get_json()["items"] == [
        {"month": "2026-10", "blue": 0, "yellow": 0, "orange": 1, "red": 0}]


def test_supervisors_see_the_grids_they_supervise(client, world):
    items = get(client, world, "sup", "/warnings", month="2026-10").get_json()
    assert [w["enterprise"]["credit_code"] for w in items] == [world["near"]]


@pytest.mark.parametrize("who", ["collector", "labour1"])
def test_readers_not_granted_enterprises_are_refused(client, world, who):
    for path in ("/warnings", "/warnings/summary", "/economy"):
        assert get(client, world, who, path).status_code == 403
    assert get(client, world, who, "/me").get_json()["decision_support"] is False


def test_the_enterprise_page_has_its_series_and_warnings(client, world):
    body = get(client, world, "admin", f"/warnings/enterprises/{world['near']}").get_json()
    assert body["enterprise"]["credit_code"] == world["near"]
    assert body["series"]["electricity"][-1] == ["2026-10", 96460.0]
    assert len(body["series"]["electricity"]) == 7
    assert [(w["month"], w["level"]) for w in body["warnings"]] == [("2026-10", "orange")]


def test_summary_counts_warnings_per_month_and_level(client, world):
    body = get(client, world, "admin", "/warnings/summary", **{"from": "2026-09", "to": "2026-10"})
    assert body.get_json()["items"] == [
        {"month": "2026-10", "blue": 0, "yellow": 0, "orange": 2, "red": 0}]


def test_the_economy_of_an_area(client, world):
    items = get(client, world, "admin", "/economy", area="S1", **{"from": "2026-10",
                                                                   "to": "2026-10"}).get_json()["items"]
    assert [(i["month"], i["area_level"], i["enterprises"]) for i in items] == [("2026-10", "street", 2)]
    assert items[0]["year_ago"] is None


@pytest.mark.parametrize("query", [{"month": "2026-13"}, {"level": "purple"}, {"month": "10/2026"}])
def test_bad_filters_are_named(client, world, query):
    response = get(client, world, "admin", "/warnings", **query)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def test_a_run_is_a_job(client, world, session):
    response = client.post("/api/v1/warnings/runs", json={"month": "2026-10"},
                           headers=bearer(world["tokens"]["admin"]))
    assert response.status_code == 202 and "/api/v1/jobs/" in response.headers["Location"]
    job = run_queued(session)
    assert job.result["levels"] == {"orange": 2}
    assert job.result["dispatch"] == {"dispatched": 0, "escalated": 0, "under_handling": 0}
    assert client.post("/api/v1/warnings/runs", json={"month": "2026-10"},
                       headers=bearer(world["tokens"]["street1"])).status_code == 403


def test_an_indicator_file_is_imported_with_a_report(client, world, session):
    body = (f"credit_code,month,indicator,value\n{world['near']},2026-11,tax,5\n"
            "91440310MA00099990,2026-11,tax,5\n").encode()
    response = client.post("/api/v1/indicators/imports?department=labour",
                           data={"file": (io.BytesIO(body), "tax-2026-11.csv")},
                           headers=bearer(world["tokens"]["admin"]))
    assert response.status_code == 202, response.get_json()
    job = run_queued(session)
    assert (job.result["written"], job.result["rejected"]) == (1, 1)
    assert job.result["rejections"][0]["row"] == 3
