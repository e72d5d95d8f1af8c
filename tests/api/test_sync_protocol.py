"""Replays, offline edit chains, out-of-order arrival, bad batches, the change feed."""
from __future__ import annotations

import copy
import json
import uuid

import pytest
from sqlalchemy import func, select

from server.models import Batch, Record, RecordVersion, Role, Submission
from tests.factories import bearer, resident_data, sync_batch, sync_item


def counts(session) -> tuple[int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(m))
                 for m in (Submission, Record, RecordVersion))


class TestReplay:
    def test_a_replayed_batch_returns_the_first_results_and_creates_nothing(self, district):
        batch = sync_batch(sync_item(resident_data(1)), sync_item(resident_data(2)),
                           sync_item(resident_data(3, id_card="123")))
        first = district.results(batch)
        before = counts(district.session)
        assert district.results(copy.deepcopy(batch)) == first
        assert counts(district.session) == before

    def test_an_item_seen_in_an_earlier_batch_is_a_duplicate_carrying_its_first_result(
            self, district):
        item = sync_item(resident_data(1))
        first = district.results(sync_batch(item))[0]
        again = district.results(sync_batch(copy.deepcopy(item)))[0]
        assert again["status"] == "duplicate" and again["first"] == first
        assert again["record_id"] == first["record_id"] and again["version"] == 1
        assert counts(district.session)[1:] == (1, 1)

    def test_the_same_item_id_with_other_content_is_refused_and_the_first_is_kept(self, district):
        item = sync_item(resident_data(1))
        first = district.results(sync_batch(item))[0]
        changed = {**item, "data": resident_data(1, name="王五")}
        refused = district.results(sync_batch(changed))[0]
        assert refused["status"] == "rejected" and refused["errors"][0]["code"] == "id_reused"
        record = district.session.get(Record, uuid.UUID(first["record_id"]))
        assert record.data["name"] == "李晓红" and record.version == 1

    def test_a_refused_item_is_still_kept_raw_on_its_batch(self, district):
        item = sync_item(resident_data(1))
        district.results(sync_batch(item))
        batch = sync_batch({**item, "data": resident_data(1, name="王五")})
        district.results(batch)
        stored = district.session.get(Batch, uuid.UUID(batch["batch_id"]))
        assert stored.raw["refused_items"][0]["data"]["name"] == "王五"

    def test_a_phone_that_lost_the_response_reads_the_results_again(self, district):
        batch = sync_batch(sync_item(resident_data(1)), sync_item(resident_data(2)))
        first = district.results(batch)
        again = district.client.get(f"/api/v1/sync/batches/{batch['batch_id']}",
                                    headers=bearer(district.token))
        assert again.status_code == 200 and again.get_json()["results"] == first

    def test_another_collectors_batch_cannot_be_read(self, district):
        batch = sync_batch(sync_item(resident_data(1)))
        district.results(batch)
        other = district.collector_of("T-22", "zhang")
        response = district.client.get(f"/api/v1/sync/batches/{batch['batch_id']}",
                                       headers=bearer(other))
        assert response.status_code == 404


class TestOfflineEdits:
    def test_a_create_and_two_edits_made_offline_merge_in_order(self, district):
        record_id = str(uuid.uuid4())
        batch = sync_batch(
            sync_item(resident_data(1), record_id=record_id),
            sync_item(resident_data(1, phone="13800138000"), record_id=record_id, base_version=1),
            sync_item(resident_data(1, phone="13800138001", notes="复核"), record_id=record_id,
                      base_version=1))
        results = district.results(batch)
        assert [(r["status"], r.get("version")) for r in results] == [
            ("merged", 1), ("merged", 2), ("merged", 3)]
        data = district.session.get(Record, uuid.UUID(record_id)).data
        assert data["phone"] == "13800138001" and data["notes"] == "复核"

    def test_edits_of_one_branch_do_not_conflict_across_batches(self, district):
        record = district.results(sync_batch(sync_item(resident_data(1))))[0]
        rid = record["record_id"]
        edit = lambda data: sync_item(data, record_id=rid, base_version=1, branch_id="b-1")
        assert district.results(sync_batch(edit(resident_data(1, phone="13800138000"))))[0][
            "version"] == 2
        result = district.results(sync_batch(edit(resident_data(1, phone="13800138002"))))[0]
        assert result["status"] == "merged" and result["version"] == 3

    def test_an_update_before_its_create_is_held_then_applied(self, district):
        record_id = str(uuid.uuid4())
        update = sync_batch(sync_item(resident_data(1, phone="13800138000"), record_id=record_id,
                                      base_version=1))
        held = district.results(update)[0]
        assert held == {**held, "status": "held", "record_id": record_id}
        created = district.results(sync_batch(sync_item(resident_data(1), record_id=record_id)))
        assert created[0]["version"] == 1
        record = district.session.get(Record, uuid.UUID(record_id))
        assert record.version == 2 and record.data["phone"] == "13800138000"
        again = district.client.get(f"/api/v1/sync/batches/{update['batch_id']}",
                                    headers=bearer(district.token)).get_json()["results"][0]
        assert again["status"] == "merged" and again["version"] == 2


class TestBadBatches:
    @pytest.mark.parametrize("body, field", [
        ({"device_id": "p", "items": [{"id": str(uuid.uuid4())}]}, "batch_id"),
        ({"batch_id": "nope", "device_id": "p", "items": [{}]}, "batch_id"),
        ({"batch_id": str(uuid.uuid4()), "items": [{"id": str(uuid.uuid4())}]}, "device_id"),
        ({"batch_id": str(uuid.uuid4()), "device_id": "p", "items": []}, "items"),
        ({"batch_id": str(uuid.uuid4()), "device_id": "p", "items": [{"form": "x"}]},
         "items[0].id"),
        ({"batch_id": str(uuid.uuid4()), "device_id": "p", "items": ["x"]}, "items[0]"),
        ([1, 2], "body"),
    ])
    def test_a_malformed_batch_is_refused_whole_naming_the_field(self, district, body, field):
        before = counts(district.session)
        response = district.upload(body)
        assert response.status_code == 422
        assert response.content_type == "application/problem+json"
        assert field in {e["field"] for e in response.get_json()["errors"]}
        assert counts(district.session) == before

    def test_malformed_json_is_refused(self, district):
        response = district.client.post("/api/v1/sync/batches", data=b"{\"batch_id\": ",
                                        content_type="application/json",
                                        headers=bearer(district.token))
        assert response.status_code in (400, 422)
        assert response.content_type == "application/problem+json"

    def test_an_item_id_twice_in_one_batch_is_refused(self, district):
        item = sync_item()
        response = district.upload(sync_batch(item, copy.deepcopy(item)))
        assert response.status_code == 422

    def test_a_nul_character_is_refused_before_anything_is_stored(self, district):
        response = district.upload(sync_batch(sync_item(resident_data(1, notes="a\u0000b"))))
        assert response.status_code == 422
        assert counts(district.session) == (0, 0, 0)

    def test_too_many_items_is_413(self, district):
        items = [sync_item(resident_data(i)) for i in range(501)]
        response = district.upload(sync_batch(*items))
        assert response.status_code == 413
        assert "500" in response.get_json()["detail"]

    def test_a_body_over_the_limit_is_413(self, district, app):
        old, app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_CONTENT_LENGTH"], 10_000
        try:
            response = district.upload(sync_batch(sync_item(resident_data(1, notes="x" * 20_000))))
        finally:
            app.config["MAX_CONTENT_LENGTH"] = old
        assert response.status_code == 413
        assert response.content_type == "application/problem+json"

    @pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
    def test_nan_or_infinite_coordinates_are_not_json_and_nothing_is_stored(self, district,
                                                                            constant):
        raw = json.dumps(sync_batch(sync_item())).replace('"lon": 114.305', f'"lon": {constant}')
        response = district.client.post("/api/v1/sync/batches", data=raw,
                                        content_type="application/json",
                                        headers=bearer(district.token))
        assert response.status_code == 422
        assert constant.lstrip("-") in response.get_json()["errors"][0]["message"]
        assert counts(district.session) == (0, 0, 0)

    def test_only_collectors_upload(self, district):
        supervisor = district.user(Role.supervisor, "boss", supervises=("T-11",))
        assert district.upload(sync_batch(sync_item()), token=supervisor).status_code == 403

    def test_a_bad_batch_changes_nothing_already_stored(self, district):
        district.results(sync_batch(sync_item(resident_data(1))))
        before = counts(district.session)
        district.upload({"batch_id": str(uuid.uuid4()), "device_id": "p", "items": [7]})
        assert counts(district.session) == before


class TestChangeFeed:
    def feed(self, district, token=None, since=None, limit=500):
        query = f"?limit={limit}" + (f"&since={since}" if since else "")
        response = district.client.get("/api/v1/records/changes" + query,
                                       headers=bearer(token or district.token))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def test_the_feed_pages_through_my_grids_records(self, committed_district):
        committed_district.results(sync_batch(*[sync_item(resident_data(i)) for i in range(5)]))
        first = self.feed(committed_district, limit=3)
        assert len(first["items"]) == 3 and first["more"]
        rest = self.feed(committed_district, since=first["next"], limit=3)
        assert len(rest["items"]) == 2 and not rest["more"]
        ids = {i["id"] for i in first["items"] + rest["items"]}
        assert len(ids) == 5
        assert self.feed(committed_district, since=rest["next"])["items"] == []

    def test_the_first_page_estimates_how_many_records_the_feed_holds(self, committed_district):
        committed_district.results(sync_batch(*[sync_item(resident_data(i)) for i in range(5)]))
        first = self.feed(committed_district, limit=2)
        assert first["estimated_total"] == 5  # "2 of 5" can be shown from the first page on
        assert "estimated_total" not in self.feed(committed_district, since=first["next"])

    def test_an_edited_record_comes_again_with_its_new_version(self, committed_district):
        created = committed_district.results(sync_batch(sync_item(resident_data(1))))[0]
        cursor = self.feed(committed_district)["next"]
        committed_district.results(sync_batch(sync_item(resident_data(1, phone="13800138000"),
                                              record_id=created["record_id"], base_version=1)))
        items = self.feed(committed_district, since=cursor)["items"]
        assert [(i["id"], i["version"]) for i in items] == [(created["record_id"], 2)]

    def test_the_feed_holds_only_records_of_my_grids(self, committed_district):
        committed_district.results(sync_batch(sync_item(resident_data(1))))
        other = committed_district.collector_of("T-33", "zhang")
        committed_district.results(sync_batch(sync_item(resident_data(2), lon=114.325, lat=22.725),
                                    device_id="p2"), token=other)
        mine = self.feed(committed_district)["items"]
        assert [i["grid"] for i in mine] == ["T-11"]

    def test_a_made_up_cursor_is_refused(self, committed_district):
        response = committed_district.client.get("/api/v1/records/changes?since=garbage",
                                        headers=bearer(committed_district.token))
        assert response.status_code == 422
