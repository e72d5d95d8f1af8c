"""Events through the phones' sync: reported in a batch, seen through the change feed as tasks,
verified by a submission captured offline."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from tests.api.events_world import T11, T33, World, committed_world, world  # noqa: F401
from tests.factories import bearer, sync_batch, sync_item


def verification(event_id: str, result: str = "fixed", where: tuple[float, float] = T11,
                 captured_at: datetime | None = None, **data: str) -> dict:
    """A verification item as the phone sends it (a new record of its own)."""
    item = sync_item({"event": event_id, "result": result, **data}, form="event_verification",
                     lon=where[0], lat=where[1], record_id=str(uuid.uuid4()))
    if captured_at is not None:
        item["captured_at"] = captured_at.isoformat()
    return item


def feed(world: World, role: str = "collector") -> dict[str, dict]:
    """Everything the change feed has for the role, by record id."""
    body = world.client.get("/api/v1/records/changes?limit=1000",
                            headers=bearer(world.tokens[role])).get_json()
    return {item["id"]: item for item in body["items"]}


def state_of(world: World, event_id: str) -> str:
    return world.get("admin", f"/{event_id}").get_json()["state"]


def test_an_event_is_reported_like_any_record_and_keyed_by_its_id(world: World):
    event_id = world.report()
    record = world.client.get(f"/api/v1/records/{event_id}",
                              headers=bearer(world.tokens["collector"])).get_json()
    assert (record["kind"], record["key"]) == ("event", event_id)
    assert state_of(world, event_id) == "reported"


def test_two_reports_of_the_same_words_are_two_events(world: World):
    assert world.report() != world.report()


def test_the_feed_tells_the_phone_where_each_event_of_its_grid_stands(committed_world: World):
    world = committed_world
    event_id = world.event_in("handled")
    item = feed(world)[event_id]
    assert item["event"]["state"] == "handled"
    assert (item["event"]["department"], item["event"]["handled_note"]) == ("urban", "已清运")
    resident = world.district.results(sync_batch(sync_item()))[0]["record_id"]
    assert "event" not in feed(world)[resident]


def test_a_move_brings_the_event_down_the_feed_again_without_a_new_version(
        committed_world: World):
    world = committed_world
    event_id = world.event_in("dispatched")
    cursor = world.client.get("/api/v1/records/changes?limit=1000",
                              headers=bearer(world.tokens["collector"])).get_json()["next"]
    world.act("urban", event_id, "handle", note="已清运")
    again = world.client.get(f"/api/v1/records/changes?since={cursor}",
                             headers=bearer(world.tokens["collector"])).get_json()["items"]
    assert [(i["id"], i["version"], i["event"]["state"]) for i in again] == [
        (event_id, 1, "handled")]


def test_a_verification_captured_offline_verifies_the_event_when_it_syncs(
        committed_world: World):
    world = committed_world
    event_id = world.event_in("handled")
    offline = verification(event_id, captured_at=datetime.now(timezone.utc) - timedelta(hours=3))
    [result] = world.district.results(sync_batch(offline))
    assert result["status"] == "merged"
    event = world.get("supervisor", f"/{event_id}").get_json()
    assert event["state"] == "verified" and event["allowed"] == ["close"]
    row = event["timeline"][-1]
    assert (row["action"], row["by"], row["result"]) == ("verify", "li.na", "fixed")
    assert row["submission_id"] == offline["id"]
    assert feed(world)[event_id]["event"]["state"] == "verified"


def test_a_verification_that_finds_it_not_fixed_goes_back_with_the_collectors_note(world: World):
    event_id = world.event_in("handled")
    [result] = world.district.results(sync_batch(
        verification(event_id, "not_fixed", note="垃圾仍未清运")))
    assert result["status"] == "merged"
    event = world.get("urban", f"/{event_id}").get_json()
    assert (event["state"], event["allowed"]) == ("dispatched", ["handle", "return"])
    assert event["timeline"][-1]["note"] == "垃圾仍未清运"


def test_a_replayed_verification_moves_the_event_once(world: World):
    event_id = world.event_in("handled")
    batch = sync_batch(verification(event_id))
    first = world.district.results(batch)
    assert world.district.results(batch) == first
    verifies = [r for r in world.get("admin", f"/{event_id}").get_json()["timeline"]
                if r["action"] == "verify"]
    assert len(verifies) == 1


def test_an_event_not_waiting_for_verification_refuses_it(world: World):
    event_id = world.event_in("dispatched")
    [result] = world.district.results(sync_batch(verification(event_id)))
    assert result["status"] == "rejected"
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("data.event", "event.not_awaiting_verification")]
    assert state_of(world, event_id) == "dispatched"


def test_the_second_verification_of_an_event_in_one_batch_is_refused(world: World):
    event_id = world.event_in("handled")
    results = world.district.results(sync_batch(verification(event_id),
                                                verification(event_id, "not_fixed", note="x")))
    assert [r["status"] for r in results] == ["merged", "rejected"]
    assert results[1]["errors"][0]["code"] == "event.not_awaiting_verification"
    assert state_of(world, event_id) == "verified"


def test_a_collector_of_another_grid_cannot_verify(world: World):
    event_id = world.event_in("handled")
    [result] = world.district.results(sync_batch(verification(event_id, where=T33)),
                                      world.tokens["other_collector"])
    assert result["status"] == "rejected"
    assert result["errors"][0]["code"] == "event.not_your_grid"
    assert state_of(world, event_id) == "handled"


def test_a_verification_must_point_to_an_event(world: World):
    resident = world.district.results(sync_batch(sync_item()))[0]["record_id"]
    [result] = world.district.results(sync_batch(verification(resident)))
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("data.event", "ref.kind")]


def test_moving_an_event_edits_its_record_nowhere(world: World):
    event_id = world.event_in("closed")
    versions = world.session.execute(text("SELECT count(*) FROM record_versions "
                                          "WHERE record_id = :id"), {"id": event_id}).scalar()
    assert versions == 1


def test_an_edit_of_the_event_record_keeps_its_category_on_the_board(world: World):
    event_id = world.report()
    edit = sync_item({"category": "facility.manhole_missing", "description": "井盖缺失",
                      "location_description": "路口", "source": "patrol"}, form="event",
                     record_id=event_id, base_version=1)
    assert world.district.results(sync_batch(edit))[0]["status"] == "merged"
    assert world.get("supervisor", f"/{event_id}").get_json()["category"] == \
        "facility.manhole_missing"
    board = world.get("supervisor", "", category="facility").get_json()["items"]
    assert [e["id"] for e in board] == [event_id]
