"""Uploading batches: every outcome and conflict kind of the sync protocol."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text

from server.domain.coordinates import wgs84_to_gcj02
from server.models import Assignment, Conflict, Record, RecordVersion, Submission, User
from tests.factories import make_assignment, make_id_card, resident_data, sync_batch, sync_item


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def created(district, data=None, **kw) -> dict:
    return district.results(sync_batch(sync_item(data, **kw)))[0]


def edit(district, record_id, base_version, data, **kw) -> dict:
    return district.results(sync_batch(sync_item(
        data, record_id=record_id, base_version=base_version, **kw)))[0]


class TestCreate:
    def test_a_new_resident_inside_the_grid_is_merged_as_version_one(self, district):
        result = created(district)
        assert result["status"] == "merged" and result["version"] == 1
        record = district.session.get(Record, uuid.UUID(result["record_id"]))
        assert record.kind == "resident" and record.grid_id == district.grids["T-11"].id
        assert count(district.session, RecordVersion) == 1

    def test_every_item_is_stored_raw_with_its_outcome(self, district):
        item = sync_item(resident_data(note_that_is_unknown="x"))
        result = district.results(sync_batch(item))[0]
        stored = district.session.get(Submission, uuid.UUID(item["id"]))
        assert stored.raw == item and stored.status.value == "rejected"
        assert stored.result == result

    def test_a_client_made_record_id_is_kept(self, district):
        record_id = str(uuid.uuid4())
        assert created(district, record_id=record_id)["record_id"] == record_id

    def test_an_existing_id_card_number_is_a_possible_duplicate(self, district):
        first = created(district, resident_data(7))
        second = created(district, resident_data(7, name="李小红"))
        assert second["status"] == "conflict" and second["conflict_kind"] == "possible_duplicate"
        assert second["record_id"] == first["record_id"]
        conflict = district.session.get(Conflict, second["conflict_id"])
        assert conflict.current["data"]["name"] == "李晓红"
        assert conflict.incoming["data"]["name"] == "李小红"

    def test_two_creates_of_one_person_in_a_batch_merge_once(self, district):
        results = district.results(sync_batch(sync_item(resident_data(8)),
                                              sync_item(resident_data(8))))
        assert [r["status"] for r in results] == ["merged", "conflict"]
        assert results[1]["record_id"] == results[0]["record_id"]


class TestRejected:
    def test_field_errors_name_the_field_in_both_languages(self, district):
        bad = resident_data(id_card=make_id_card(5)[:-1] + "0")
        result = created(district, bad)
        assert result["status"] == "rejected"
        error = result["errors"][0]
        assert error["field"] == "data.id_card" and error["code"].startswith("id_card")
        assert error["message"] and error["message_zh"]
        assert count(district.session, Record) == 0

    def test_an_unknown_form_version_is_refused(self, district):
        result = created(district, form_version=9)
        assert result["errors"][0]["field"] == "form_version"

    def test_a_capture_in_the_future_is_refused(self, district):
        future = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
        result = created(district, captured_at=future)
        assert result["errors"][0] == {**result["errors"][0], "field": "captured_at",
                                       "code": "future"}

    def test_impossible_coordinates_are_refused(self, district):
        result = created(district, lon=214.3)
        assert result["errors"][0]["field"] == "location.lon"

    def test_a_huge_string_is_refused_and_nothing_is_merged(self, district):
        result = created(district, resident_data(name="张" * 100_000))
        assert result["status"] == "rejected"
        assert result["errors"][0]["field"] == "data.name"

    def test_wrong_types_in_the_envelope_name_each_field(self, district):
        result = created(district, form_version="1", data=[])
        assert {e["field"] for e in result["errors"]} == {"form_version", "data"}

    def test_a_form_for_another_kind_of_record_is_refused(self, district):
        record = created(district)
        rental = {"address_code": "4403100070012300045"}
        result = edit(district, record["record_id"], 1, rental, form="rental")
        assert result["status"] == "rejected"


class TestUpdate:
    def test_an_edit_of_the_current_version_is_merged(self, district):
        record = created(district, resident_data(3))
        result = edit(district, record["record_id"], 1, resident_data(3, phone="13800138000"))
        assert result == {**result, "status": "merged", "version": 2}
        version = district.session.get(RecordVersion, (uuid.UUID(record["record_id"]), 2))
        assert version.changed_fields == ["phone"]

    def test_a_stale_edit_of_other_fields_merges_and_is_flagged(self, district):
        record = created(district, resident_data(3))
        other = district.collector_of("T-11", "roving.wang", kind="roving")
        district.results(sync_batch(sync_item(resident_data(3, notes="二楼"),
                                              record_id=record["record_id"], base_version=1),
                                    device_id="phone-2"), token=other)
        result = edit(district, record["record_id"], 1, resident_data(3, phone="13800138000"))
        assert result["status"] == "merged" and result["version"] == 3
        assert result["auto_merged_fields"] == ["notes"]
        data = district.session.get(Record, uuid.UUID(record["record_id"])).data
        assert data["notes"] == "二楼" and data["phone"] == "13800138000"

    def test_a_stale_edit_of_the_same_field_is_a_conflict_with_all_three_sides(self, district):
        record = created(district, resident_data(3))
        other = district.collector_of("T-11", "roving.wang", kind="roving")
        district.results(sync_batch(sync_item(resident_data(3, phone="13700137000"),
                                              record_id=record["record_id"], base_version=1),
                                    device_id="phone-2"), token=other)
        result = edit(district, record["record_id"], 1, resident_data(3, phone="13800138000"))
        assert result["status"] == "conflict" and result["conflict_kind"] == "stale_edit"
        conflict = district.session.get(Conflict, result["conflict_id"])
        assert conflict.changed_fields == ["phone"]
        assert conflict.base["data"]["phone"] == "13925481736"
        assert conflict.current["data"]["phone"] == "13700137000"
        assert conflict.incoming["data"]["phone"] == "13800138000"
        assert district.session.get(Record, uuid.UUID(record["record_id"])).version == 2

    def test_an_edit_of_a_retired_record_is_a_conflict(self, district):
        record = created(district, resident_data(3))
        district.session.execute(text("UPDATE records SET retired_at = now()"))
        result = edit(district, record["record_id"], 1, resident_data(3, phone="13800138000"))
        assert result["conflict_kind"] == "record_retired"

    def test_a_base_version_ahead_of_the_server_is_refused(self, district):
        record = created(district, resident_data(3))
        result = edit(district, record["record_id"], 5, resident_data(3))
        assert result["status"] == "rejected" and result["errors"][0]["field"] == "base_version"


class TestLocation:
    def test_a_point_in_another_grid_is_a_conflict_naming_that_grid(self, district):
        result = created(district, lon=114.325, lat=22.725)
        assert result["conflict_kind"] == "outside_assigned_grid"
        check = district.session.get(Conflict, result["conflict_id"]).location_check
        assert check["covering_grid"] == "T-33" and check["nearest_assigned_grid"] == "T-11"
        assert check["distance_m"] > 1000
        assert count(district.session, Record) == 0

    def test_a_point_outside_every_grid_is_a_conflict(self, district):
        result = created(district, lon=114.20, lat=22.50)
        assert result["conflict_kind"] == "outside_district"

    def test_gps_accuracy_is_a_tolerance_at_the_edge(self, district):
        just_over = 114.31 + 0.00003  # about 3 m into T-12
        inside = created(district, resident_data(4), lon=just_over, lat=22.705,
                         location={"lon": just_over, "lat": 22.705, "accuracy_m": 10})
        assert inside["status"] == "merged"
        record = district.session.get(Record, uuid.UUID(inside["record_id"]))
        assert record.grid_id == district.grids["T-11"].id
        outside = created(district, resident_data(5),
                          location={"lon": just_over, "lat": 22.705, "accuracy_m": 1})
        assert outside["conflict_kind"] == "outside_assigned_grid"

    def test_gcj02_coordinates_are_stored_as_wgs84(self, district):
        lon, lat = wgs84_to_gcj02(114.305, 22.705)
        item = sync_item(location={"lon": lon, "lat": lat, "accuracy_m": 5, "crs": "GCJ02"})
        result = district.results(sync_batch(item))[0]
        assert result["status"] == "merged"
        x, y = district.session.execute(text(
            "SELECT ST_X(geometry), ST_Y(geometry) FROM records")).one()
        assert abs(x - 114.305) < 5e-6 and abs(y - 22.705) < 5e-6
        assert district.session.get(Submission, uuid.UUID(item["id"])).raw["location"]["crs"] == "GCJ02"

    def test_work_captured_before_a_reassignment_still_merges(self, district):
        now = datetime.now(timezone.utc)
        moved_at = now - timedelta(hours=3)
        rover = district.collector_of("T-11", "rover", kind="roving",
                                      valid_from=now - timedelta(days=2), valid_to=moved_at)
        user = district.session.scalar(select(User).where(User.username == "rover"))
        make_assignment(district.session, user, district.grids["T-33"], "roving",
                        valid_from=moved_at)
        before = (moved_at - timedelta(hours=2)).isoformat()
        yesterday = district.results(sync_batch(sync_item(resident_data(6), captured_at=before),
                                                device_id="rover-phone"), token=rover)[0]
        assert yesterday["status"] == "merged"
        today = district.results(sync_batch(sync_item(resident_data(7)),
                                            device_id="rover-phone"), token=rover)[0]
        assert today["conflict_kind"] == "outside_assigned_grid"
        assert district.session.scalar(select(func.count(Assignment.id))) == 3


class TestWhyAnItemWaits:
    """The collector is told why an item waits for review, and no more than it may know."""

    def test_outside_my_grid_by_how_far_and_in_which_grid(self, district):
        reason = created(district, lon=114.325, lat=22.725)["reason"]
        assert reason["covering_grid"] == "T-33" and reason["nearest_assigned_grid"] == "T-11"
        assert reason["distance_m"] > 1000 and reason["tolerance_m"] == 5

    def test_a_stale_edit_names_the_fields_and_their_values_now(self, district):
        record = created(district, resident_data(3))
        other = district.collector_of("T-11", "roving.wang", kind="roving")
        district.results(sync_batch(sync_item(resident_data(3, phone="13700137000"),
                                              record_id=record["record_id"], base_version=1),
                                    device_id="phone-2"), token=other)
        result = edit(district, record["record_id"], 1, resident_data(3, phone="13800138000"))
        assert result["reason"] == {"fields": ["phone"], "current": {"phone": "13700137000"}}

    def test_a_duplicate_in_my_grids_names_the_record(self, district):
        first = created(district, resident_data(7))
        second = created(district, resident_data(7, name="李小红"))
        assert second["reason"] == {"record_id": first["record_id"], "key": make_id_card(7, born="19600815")}

    def test_a_duplicate_elsewhere_in_the_district_names_no_record(self, district):
        other = district.collector_of("T-33", "zhang.far")
        far = district.results(sync_batch(sync_item(resident_data(9), lon=114.325, lat=22.725),
                                          device_id="far-phone"), token=other)[0]
        assert far["status"] == "merged"
        mine = created(district, resident_data(9, name="李小红"))
        assert mine["status"] == "conflict" and mine["conflict_kind"] == "possible_duplicate"
        assert mine["reason"] == {"elsewhere": True}
        assert "record_id" not in mine and "record_version" not in mine
        # The reviewer still sees which record it may duplicate.
        assert str(district.session.get(Conflict, mine["conflict_id"]).record_id) == far["record_id"]
