"""The review queue: scope, claims and leases, each resolution, races, stale re-checks."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select, text

from server.models import AuditEntry, Conflict, Record, Role, Submission
from tests.factories import bearer, resident_data, sync_batch, sync_item


def stale_conflict(district) -> tuple[str, int]:
    """A record edited by a roving collector, then a stale edit of the same field by li.na."""
    record_id = district.results(sync_batch(sync_item(resident_data(1))))[0]["record_id"]
    other = district.collector_of("T-11", "rover", kind="roving")
    district.results(sync_batch(sync_item(resident_data(1, phone="13700137000"),
                                          record_id=record_id, base_version=1),
                                device_id="p2"), token=other)
    result = district.results(sync_batch(sync_item(
        resident_data(1, phone="13800138000", notes="搬到三楼"), record_id=record_id,
        base_version=1)))[0]
    assert result["status"] == "conflict"
    return record_id, result["conflict_id"]


def location_conflict(district, serial: int = 2) -> int:
    result = district.results(sync_batch(sync_item(resident_data(serial), lon=114.325,
                                                   lat=22.725)))[0]
    assert result["conflict_kind"] == "outside_assigned_grid"
    return result["conflict_id"]


@pytest.fixture
def boss(district):
    return district.user(Role.supervisor, "boss", supervises=("T-11", "T-12"))


def post(district, token, path, body=None):
    return district.client.post(f"/api/v1/conflicts/{path}", json=body or {},
                                headers=bearer(token))


class TestScope:
    def test_a_supervisor_sees_the_conflicts_of_its_grids_only(self, district, boss):
        stale_conflict(district)
        elsewhere = district.user(Role.supervisor, "far", supervises=("T-33",))
        mine = district.client.get("/api/v1/conflicts", headers=bearer(boss)).get_json()
        theirs = district.client.get("/api/v1/conflicts", headers=bearer(elsewhere)).get_json()
        assert [c["kind"] for c in mine["items"]] == ["stale_edit"] and theirs["items"] == []

    def test_an_admin_sees_every_conflict(self, district):
        stale_conflict(district)
        admin = district.user(Role.admin, "root")
        assert len(district.client.get("/api/v1/conflicts",
                                       headers=bearer(admin)).get_json()["items"]) == 1

    @pytest.mark.parametrize("role", [Role.collector, Role.viewer])
    def test_collectors_and_viewers_have_no_queue(self, district, role):
        token = district.token if role == Role.collector else district.user(role, "clerk")
        assert district.client.get("/api/v1/conflicts", headers=bearer(token)).status_code == 403

    def test_a_conflict_outside_my_grids_is_not_found(self, district):
        _, conflict_id = stale_conflict(district)
        far = district.user(Role.supervisor, "far", supervises=("T-33",))
        response = district.client.get(f"/api/v1/conflicts/{conflict_id}", headers=bearer(far))
        assert response.status_code == 404


class TestListAndDetail:
    def test_filters_and_stable_pages_oldest_first(self, district, boss):
        stale_conflict(district)
        ids = [location_conflict(district, n) for n in (2, 3, 4)]
        get = lambda q: district.client.get(f"/api/v1/conflicts?{q}",
                                            headers=bearer(boss)).get_json()
        page = get("kind=outside_assigned_grid&limit=2")
        assert [c["id"] for c in page["items"]] == ids[:2] and page["next_after"] == ids[1]
        rest = get(f"kind=outside_assigned_grid&limit=2&after={page['next_after']}")
        assert [c["id"] for c in rest["items"]] == ids[2:]
        assert len(get("collector=li.na")["items"]) == 4
        assert get("collector=nobody")["items"] == []
        assert get("older_than_hours=1")["items"] == []
        assert len(get("grid=T-11")["items"]) == 4

    def test_detail_shows_base_current_incoming_and_the_changed_fields(self, district, boss):
        _, conflict_id = stale_conflict(district)
        detail = district.client.get(f"/api/v1/conflicts/{conflict_id}",
                                     headers=bearer(boss)).get_json()
        assert detail["changed_fields"] == ["phone"]
        assert detail["base"]["data"]["phone"] == "13925481736"
        assert detail["current"]["data"]["phone"] == "13700137000"
        assert detail["incoming"]["data"]["phone"] == "13800138000"
        assert detail["record"]["version"] == 2 and detail["submission"]["base_version"] == 1

    def test_a_location_conflict_tells_how_far_and_where_the_point_really_is(self, district,
                                                                              boss):
        conflict_id = location_conflict(district)
        check = district.client.get(f"/api/v1/conflicts/{conflict_id}",
                                    headers=bearer(boss)).get_json()["location_check"]
        assert check["covering_grid"] == "T-33" and check["distance_m"] > 1000


class TestClaims:
    def test_a_second_claimer_is_told_who_holds_it(self, district, boss):
        _, conflict_id = stale_conflict(district)
        other = district.user(Role.supervisor, "boss2", supervises=("T-11",))
        assert post(district, boss, f"{conflict_id}/claim").status_code == 200
        refused = post(district, other, f"{conflict_id}/claim")
        assert refused.status_code == 409 and refused.get_json()["claimed_by"] == "boss"

    def test_an_expired_claim_returns_the_conflict_to_the_queue(self, district, boss):
        _, conflict_id = stale_conflict(district)
        other = district.user(Role.supervisor, "boss2", supervises=("T-11",))
        post(district, boss, f"{conflict_id}/claim")
        district.session.execute(text("UPDATE conflicts SET claim_expires_at = now() - "
                                      "interval '1 minute'"))
        taken = post(district, other, f"{conflict_id}/claim")
        assert taken.status_code == 200 and taken.get_json()["claimed_by"] == "boss2"

    def test_claims_are_audited(self, district, boss):
        _, conflict_id = stale_conflict(district)
        post(district, boss, f"{conflict_id}/claim")
        assert "conflict_claimed" in district.session.scalars(select(AuditEntry.action)).all()


class TestResolutions:
    def history(self, district, token, record_id):
        return district.client.get(f"/api/v1/records/{record_id}/history",
                                   headers=bearer(token)).get_json()["versions"]

    def test_accept_applies_the_incoming_edit_over_the_current_record(self, district, boss):
        record_id, conflict_id = stale_conflict(district)
        post(district, boss, f"{conflict_id}/claim")
        response = post(district, boss, f"{conflict_id}/resolve",
                        {"action": "accept", "note": "电话已核实"})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["version"] == 3
        assert response.get_json()["record"]["data"]["phone"] == "13800138000"
        last = self.history(district, boss, record_id)[-1]
        assert (last["made_by"], last["note"], last["conflict_id"]) == ("boss", "电话已核实",
                                                                       conflict_id)
        submission = district.session.scalar(select(Submission).join(
            Conflict, Conflict.submission_id == Submission.id).where(Conflict.id == conflict_id))
        assert submission.status.value == "merged" and submission.result["version"] == 3

    def test_reject_keeps_the_current_record(self, district, boss):
        record_id, conflict_id = stale_conflict(district)
        response = post(district, boss, f"{conflict_id}/resolve", {"action": "reject"})
        assert response.status_code == 200
        record = district.session.get(Record, uuid.UUID(record_id))
        assert record.version == 2 and record.data["phone"] == "13700137000"
        submission = district.session.scalar(select(Submission).join(
            Conflict, Conflict.submission_id == Submission.id).where(Conflict.id == conflict_id))
        assert submission.status.value == "rejected"

    def test_merge_takes_the_reviewers_values_checked_by_the_form(self, district, boss):
        record_id, conflict_id = stale_conflict(district)
        bad = post(district, boss, f"{conflict_id}/resolve",
                   {"action": "merge", "data": resident_data(1, phone="12345")})
        assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "data.phone"
        good = post(district, boss, f"{conflict_id}/resolve",
                    {"action": "merge", "data": resident_data(1, phone="13700137000",
                                                              notes="搬到三楼")})
        assert good.status_code == 200
        data = district.session.get(Record, uuid.UUID(record_id)).data
        assert data["phone"] == "13700137000" and data["notes"] == "搬到三楼"

    def test_accepting_a_location_conflict_puts_the_record_in_the_grid_of_the_point(
            self, district, boss):
        admin = district.user(Role.admin, "root")
        conflict_id = location_conflict(district)
        response = post(district, admin, f"{conflict_id}/resolve", {"action": "accept"})
        assert response.status_code == 200
        assert response.get_json()["record"]["grid"] == "T-33"

    def test_accepting_a_create_releases_the_updates_held_for_it(self, district):
        admin = district.user(Role.admin, "root")
        record_id = str(uuid.uuid4())
        create = sync_item(resident_data(5), record_id=record_id, lon=114.29, lat=22.705)
        conflict = district.results(sync_batch(create))[0]
        assert conflict["conflict_kind"] == "outside_district"
        held = district.results(sync_batch(sync_item(resident_data(5, notes="补充"),
                                                     record_id=record_id, base_version=1)))[0]
        assert held["status"] == "held"
        post(district, admin, f"{conflict['conflict_id']}/resolve", {"action": "accept"})
        record = district.session.get(Record, uuid.UUID(record_id))
        assert record.version == 2 and record.data["notes"] == "补充"
        assert record.grid_id == district.grids["T-11"].id  # the collector's nearest grid
        released = district.session.get(Submission, uuid.UUID(held["id"]))
        assert released.status.value == "merged"

    def test_resolving_twice_is_a_conflict(self, district, boss):
        _, conflict_id = stale_conflict(district)
        assert post(district, boss, f"{conflict_id}/resolve", {"action": "reject"}).status_code == 200
        again = post(district, boss, f"{conflict_id}/resolve", {"action": "accept"})
        assert again.status_code == 409

    def test_a_conflict_held_by_another_cannot_be_resolved(self, district, boss):
        _, conflict_id = stale_conflict(district)
        other = district.user(Role.supervisor, "boss2", supervises=("T-11",))
        post(district, other, f"{conflict_id}/claim")
        assert post(district, boss, f"{conflict_id}/resolve",
                    {"action": "accept"}).status_code == 409

    def test_a_record_changed_since_the_conflict_opened_is_rechecked(self, district, boss):
        record_id, conflict_id = stale_conflict(district)
        district.results(sync_batch(sync_item(resident_data(1, phone="13700137000", notes="x"),
                                              record_id=record_id, base_version=2),
                                    device_id="p9"))
        stale = post(district, boss, f"{conflict_id}/resolve", {"action": "accept"})
        assert stale.status_code == 409
        detail = district.client.get(f"/api/v1/conflicts/{conflict_id}",
                                     headers=bearer(boss)).get_json()
        assert detail["current"]["version"] == 3 and detail["current"]["data"]["notes"] == "x"
        again = post(district, boss, f"{conflict_id}/resolve", {"action": "accept"})
        assert again.status_code == 200 and again.get_json()["version"] == 4


class TestRaces:
    def race(self, district, tokens, path, body=None):
        start, answers = threading.Barrier(len(tokens)), []

        def go(token):
            client = district.client.application.test_client()
            start.wait()
            answers.append(client.post(f"/api/v1/conflicts/{path}", json=body or {},
                                       headers=bearer(token)).status_code)
        threads = [threading.Thread(target=go, args=(t,)) for t in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(answers)

    def test_two_reviewers_claiming_at_once_one_wins(self, committed_district):
        district = committed_district
        _, conflict_id = stale_conflict(district)
        tokens = [district.user(Role.supervisor, f"boss{n}", supervises=("T-11",))
                  for n in (1, 2)]
        district.session.commit()
        assert self.race(district, tokens, f"{conflict_id}/claim") == [200, 409]

    def test_two_reviewers_resolving_at_once_one_wins(self, committed_district):
        district = committed_district
        record_id, conflict_id = stale_conflict(district)
        tokens = [district.user(Role.supervisor, f"boss{n}", supervises=("T-11",))
                  for n in (1, 2)]
        district.session.commit()
        assert self.race(district, tokens, f"{conflict_id}/resolve",
                         {"action": "accept"}) == [200, 409]
        district.session.expire_all()
        assert district.session.get(Record, uuid.UUID(record_id)).version == 3
