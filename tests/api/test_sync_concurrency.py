"""Concurrent batches and the change feed under concurrent writers (real commits)."""
from __future__ import annotations

import threading
import uuid

from sqlalchemy.orm import Session

from server.extensions import db
from server.models import Record
from server.api.sync import SyncBatchSchema
from server.services.sync import process_batch
from tests.factories import bearer, resident_data, sync_batch, sync_item


def test_two_batches_editing_one_record_at_once_lose_no_update(committed_district):
    district = committed_district
    record_id = district.results(sync_batch(sync_item(resident_data(1))))[0]["record_id"]
    other = district.collector_of("T-11", "rover", kind="roving")
    district.session.commit()
    edits = [(district.token, "phone-1", resident_data(1, phone="13800138000")),
             (other, "phone-2", resident_data(1, notes="房东已确认"))]
    start, answers = threading.Barrier(2), []

    def upload(token: str, device: str, data: dict) -> None:
        client = district.client.application.test_client()
        start.wait()
        answers.append(client.post("/api/v1/sync/batches", headers=bearer(token), json=sync_batch(
            sync_item(data, record_id=record_id, base_version=1), device_id=device)))

    threads = [threading.Thread(target=upload, args=edit) for edit in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted((a.get_json()["results"][0]["status"], a.get_json()["results"][0]["version"])
                      for a in answers)
    assert statuses == [("merged", 2), ("merged", 3)]
    district.session.expire_all()
    record = district.session.get(Record, uuid.UUID(record_id))
    assert record.version == 3
    assert record.data["phone"] == "13800138000" and record.data["notes"] == "房东已确认"


def test_the_feed_never_skips_a_change_that_commits_late(committed_district):
    district = committed_district
    feed = lambda since: district.client.get(
        "/api/v1/records/changes" + (f"?since={since}" if since else ""),
        headers=bearer(district.token)).get_json()
    cursor = feed(None)["next"]
    seen: set[str] = set()
    # A slow writer starts first and keeps its transaction open…
    slow = Session(bind=db.engine)
    batch = SyncBatchSchema().load(sync_batch(sync_item(resident_data(1))))
    slow_batch = process_batch(slow, district.collector, batch)
    slow_record = slow_batch["results"][0]["record_id"]
    try:
        # …while a fast writer commits a later change, and a phone reads the feed.
        fast = district.results(sync_batch(sync_item(resident_data(2))))[0]["record_id"]
        page = feed(cursor)
        seen |= {i["id"] for i in page["items"]}
        cursor = page["next"]
        slow.commit()
    finally:
        slow.close()
    page = feed(cursor)
    seen |= {i["id"] for i in page["items"]}
    assert {slow_record, fast} <= seen
