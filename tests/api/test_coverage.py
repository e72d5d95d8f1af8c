"""Coverage per grid: records by kind, last collection, open conflicts, primary collector."""
from __future__ import annotations

from datetime import datetime

from server.models import Role
from tests.factories import bearer, resident_data, sync_batch, sync_item


def coverage(district, token) -> dict[str, dict]:
    response = district.client.get("/api/v1/coverage", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return {item["grid"]: item for item in response.get_json()["items"]}


def test_a_supervisor_sees_its_grids_only_in_code_order(district):
    boss = district.user(Role.supervisor, "boss", supervises=("T-12", "T-11"))
    response = district.client.get("/api/v1/coverage", headers=bearer(boss))
    assert [item["grid"] for item in response.get_json()["items"]] == ["T-11", "T-12"]


def test_records_are_counted_by_kind_with_the_last_collection_time(district):
    district.results(sync_batch(*(sync_item(resident_data(n)) for n in (1, 2, 3))))
    boss = district.user(Role.supervisor, "boss", supervises=("T-11", "T-12"))
    seen = coverage(district, boss)
    assert seen["T-11"]["records"] == {"resident": 3}
    assert datetime.fromisoformat(seen["T-11"]["last_collected_at"]).tzinfo is not None
    assert seen["T-12"] == {**seen["T-12"], "records": {}, "last_collected_at": None,
                            "open_conflicts": 0, "primary_collector": None}


def test_open_conflicts_count_in_the_grid_they_were_queued_for(district):
    district.results(sync_batch(sync_item(resident_data(1))))
    duplicate = district.results(sync_batch(sync_item(resident_data(1, phone="13700137000"))))
    assert duplicate[0]["status"] == "conflict"
    admin = district.user(Role.admin, "root")
    assert coverage(district, admin)["T-11"]["open_conflicts"] == 1
    district.client.post(f"/api/v1/conflicts/{duplicate[0]['conflict_id']}/resolve",
                         json={"action": "reject"}, headers=bearer(admin))
    assert coverage(district, admin)["T-11"]["open_conflicts"] == 0


def test_the_primary_collector_is_named(district):
    boss = district.user(Role.supervisor, "boss", supervises=("T-11",))
    assert coverage(district, boss)["T-11"]["primary_collector"] == {
        "username": "li.na", "display_name": "李娜"}


def test_admins_and_viewers_see_the_district_and_collectors_their_grids(district):
    viewer = district.user(Role.viewer, "clerk")
    assert len(coverage(district, viewer)) == 9
    assert list(coverage(district, district.token)) == ["T-11"]


def test_anonymous_callers_are_refused(district):
    assert district.client.get("/api/v1/coverage").status_code == 401
