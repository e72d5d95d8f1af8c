"""Nothing is stored that later reads cannot handle: dates, integers and coordinates in range.

Issue 13, items 4 to 7: each of these once committed a value that made every later read of
its row a 500, or made a whole batch a 500 on every retry (a phone's outbox stuck for good).
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server.models import Assignment, Conflict, Role, Submission
from tests.api.conftest import MONTH_AGO
from tests.factories import bearer, make_assignment, make_user, resident_data, sync_batch, sync_item

NOW = datetime.now(timezone.utc)


@pytest.fixture
def boss(district):
    return district.user(Role.supervisor, "boss", supervises=("T-11", "T-12"))


def assignments_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Assignment))


class TestAssignmentWindows:
    @pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                                        "1999-12-31T23:59:59+00:00"])
    def test_a_valid_from_outside_the_sane_window_is_refused_and_nothing_stored(
            self, district, boss, moment):
        make_user(district.session, username="rover")
        before = assignments_count(district.session)
        response = district.client.post("/api/v1/assignments", headers=bearer(boss), json={
            "username": "rover", "grid": "T-11", "kind": "roving", "valid_from": moment})
        assert response.status_code == 422
        assert response.get_json()["errors"][0]["field"] == "valid_from"
        assert assignments_count(district.session) == before

    def test_after_a_refused_window_the_lists_and_uploads_still_work(self, district, boss):
        district.client.post("/api/v1/assignments", headers=bearer(boss), json={
            "username": "li.na", "grid": "T-12", "kind": "roving",
            "valid_from": "9999-12-31T23:59:59-14:00"})
        assert district.client.get("/api/v1/assignments", headers=bearer(boss)).status_code == 200
        assert district.results(sync_batch(sync_item()))[0]["status"] == "merged"

    def test_a_valid_to_far_in_the_future_is_refused(self, district, boss):
        assignment = district.session.scalar(select(Assignment).where(
            Assignment.user_id == district.collector.id))
        response = district.client.post(f"/api/v1/assignments/{assignment.id}/end",
                                        headers=bearer(boss),
                                        json={"valid_to": "9999-12-31T23:59:59-14:00"})
        assert response.status_code == 422
        assert response.get_json()["errors"][0]["field"] == "valid_to"

    def test_ending_into_the_next_primarys_window_is_a_409_and_changes_nothing(self, district,
                                                                               boss):
        session = district.session
        current = session.scalar(select(Assignment).where(
            Assignment.user_id == district.collector.id))
        current.valid_to = NOW + timedelta(days=1)
        successor = make_user(session, username="next")
        make_assignment(session, successor, district.grids["T-11"], "primary",
                        valid_from=NOW + timedelta(days=1))
        response = district.client.post(f"/api/v1/assignments/{current.id}/end",
                                        headers=bearer(boss),
                                        json={"valid_to": (NOW + timedelta(days=3)).isoformat()})
        assert response.status_code == 409
        assert response.content_type == "application/problem+json"
        assert "overlaps" in response.get_json()["detail"]
        session.expire_all()
        assert session.get(Assignment, current.id).valid_to == NOW + timedelta(days=1)

    def test_a_collector_is_refused_before_the_assignment_is_looked_up(self, district):
        for assignment_id in (1, 10**12, 2**63 - 1):
            response = district.client.post(f"/api/v1/assignments/{assignment_id}/end",
                                            headers=bearer(district.token), json={})
            assert response.status_code == 403


class TestItemsThatCannotBeStored:
    def upload_text(self, district, text: str):
        return district.client.post("/api/v1/sync/batches", data=text,
                                    content_type="application/json",
                                    headers=bearer(district.token))

    def test_a_capture_from_year_one_is_rejected_alone_and_no_conflict_is_queued(self, district,
                                                                                 boss):
        bad = sync_item(resident_data(1), captured_at="0001-01-01T00:00:00+14:00", lon=114.325)
        good = sync_item(resident_data(2))
        results = district.results(sync_batch(bad, good))
        assert results[0]["status"] == "rejected"
        assert [e["field"] for e in results[0]["errors"]] == ["captured_at"]
        assert results[1]["status"] == "merged"
        assert district.session.scalar(select(func.count()).select_from(Conflict)) == 0
        listed = district.client.get("/api/v1/conflicts?status=all", headers=bearer(boss))
        assert listed.status_code == 200

    @pytest.mark.parametrize("field, value", [("form_version", 2**31), ("form_version", 2**63),
                                              ("base_version", 2**31)])
    def test_a_version_too_large_for_its_column_rejects_that_item_alone(self, district, field,
                                                                        value):
        record_id = district.results(sync_batch(sync_item(resident_data(1))))[0]["record_id"]
        bad = sync_item(resident_data(1), record_id=record_id, **{field: value})
        if field == "form_version":
            bad.pop("record_id")
        good = sync_item(resident_data(2))
        batch = sync_batch(bad, good)
        results = district.results(batch)
        assert results[0]["status"] == "rejected"
        assert [e["field"] for e in results[0]["errors"]] == [field]
        assert results[1]["status"] == "merged"
        assert district.results(batch) == results  # the retry answers the same, never a 500

    def test_a_coordinate_of_1e400_rejects_that_item_alone_and_it_is_kept_raw(self, district):
        bad, good = sync_item(resident_data(1)), sync_item(resident_data(2))
        body = json.dumps(sync_batch(bad, good)).replace('"lon": 114.305', '"lon": 1e400', 1)
        response = self.upload_text(district, body)
        assert response.status_code == 200, response.get_json()
        results = response.get_json()["results"]
        assert results[0]["status"] == "rejected"
        assert [e["field"] for e in results[0]["errors"]] == ["location.lon"]
        assert results[1]["status"] == "merged"
        stored = district.session.scalar(select(Submission.raw).where(
            Submission.id == bad["id"]))
        assert stored["location"]["lon"] == "1e400"
        assert self.upload_text(district, body).get_json()["results"] == results
