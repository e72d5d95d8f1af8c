"""What each party is told: conflicts reach the supervisors of the point's grid, locate shows
outlines only of grids one may see, a batch keeps only its known envelope."""
from __future__ import annotations

import uuid

from server.models import Batch, Record, Role
from tests.factories import bearer, resident_data, sync_batch, sync_item


def outside_conflict(district) -> int:
    result = district.results(sync_batch(sync_item(resident_data(2), lon=114.325, lat=22.725)))[0]
    assert result["conflict_kind"] == "outside_assigned_grid"
    return result["conflict_id"]


class TestConflictRouting:
    def test_the_supervisors_of_the_point_see_the_conflict_too(self, district):
        conflict_id = outside_conflict(district)
        near = district.user(Role.supervisor, "near", supervises=("T-11",))
        far = district.user(Role.supervisor, "far", supervises=("T-33",))
        for token in (near, far):
            listed = district.client.get("/api/v1/conflicts", headers=bearer(token)).get_json()
            assert [c["id"] for c in listed["items"]] == [conflict_id]

    def test_only_they_may_place_the_record_there(self, district):
        conflict_id = outside_conflict(district)
        near = district.user(Role.supervisor, "near", supervises=("T-11",))
        refused = district.client.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                                       json={"action": "accept"}, headers=bearer(near))
        assert refused.status_code == 403 and refused.get_json()["grid"] == "T-33"
        assert district.session.query(Record).count() == 0
        far = district.user(Role.supervisor, "far", supervises=("T-33",))
        accepted = district.client.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                                        json={"action": "accept"}, headers=bearer(far))
        assert accepted.status_code == 200 and accepted.get_json()["record"]["grid"] == "T-33"

    def test_the_collectors_supervisor_may_still_reject_it(self, district):
        conflict_id = outside_conflict(district)
        near = district.user(Role.supervisor, "near", supervises=("T-11",))
        rejected = district.client.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                                        json={"action": "reject", "note": "不在本网格"},
                                        headers=bearer(near))
        assert rejected.status_code == 200


class TestLocate:
    def test_a_grid_i_may_see_comes_with_its_outline(self, district):
        found = district.client.get("/api/v1/grids/locate?lon=114.315&lat=22.705",
                                    headers=bearer(district.token)).get_json()
        assert found["id"] == "T-12" and found["geometry"]["type"] == "MultiPolygon"

    def test_another_grid_is_named_without_its_outline(self, district):
        found = district.client.get("/api/v1/grids/locate?lon=114.325&lat=22.725",
                                    headers=bearer(district.token)).get_json()
        assert found["id"] == "T-33" and found["geometry"] is None
        assert found["properties"]["relation"] == "other"
        hidden = district.client.get("/api/v1/grids/T-33", headers=bearer(district.token))
        assert hidden.status_code == 404


def test_a_batch_keeps_only_its_known_envelope(district):
    batch = {**sync_batch(sync_item()), "padding": "x" * 100_000, "extra": {"a": 1}}
    district.results(batch)
    stored = district.session.get(Batch, uuid.UUID(batch["batch_id"]))
    assert stored.raw == {"batch_id": batch["batch_id"], "device_id": "phone-1"}
