"""Webhook deliveries end to end: committed changes reach a real HTTP receiver on loopback,
signed, masked per grant, logged, in order, retried, parked; rolled-back changes never do.
These tests commit (the outbox only hands out what committed), so each empties the database."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from server.api.sync import SyncBatchSchema
from server.extensions import db
from server.models import (AccessEntry, AccessRecord, Job, Role, WebhookDelivery,
                           WebhookSubscription)
from server.services.jobs.schedule import schedule_periodic
from server.services.jobs.worker import run_next
from server.services.sync import process_batch
from tests.factories import (bearer, make_id_card, make_user, resident_data, sign_in, sync_batch,
                             sync_item)
from tests.webhook_receiver import Receiver, verified

NUMBER = make_id_card(4, born="19600815")


@pytest.fixture
def district(committed_district, webhook_settings):
    return committed_district


@pytest.fixture
def admin(district):
    token = district.user(Role.admin, "root")
    district.session.commit()
    return token


def department(district, admin, code: str, grant: dict | None = None) -> str:
    """A department with ``grant`` (None: the default grant) and its clerk; the clerk's token."""
    district.client.post("/api/v1/departments", json={"code": code, "name": code},
                         headers=bearer(admin))
    if grant is not None:
        response = district.client.put(f"/api/v1/departments/{code}/grants", json=grant,
                                       headers=bearer(admin))
        assert response.status_code == 200, response.get_json()
    make_user(district.session, role=Role.viewer, username=f"{code}.clerk", department_code=code)
    district.session.commit()
    return sign_in(district.client, f"{code}.clerk")["access_token"]


def subscribe(district, token, url: str, **asked) -> dict:
    response = district.client.post("/api/v1/webhooks", json={"url": url, **asked},
                                    headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def deliver(session, kinds=("webhook_events", "webhook_deliveries")) -> None:
    """Run the webhook jobs now, as a worker does every few seconds."""
    schedule_periodic(session)
    session.commit()
    for kind in kinds:
        session.execute(update(Job).where(Job.kind == kind).values(
            run_after=func.now() - timedelta(seconds=1)))
        session.commit()
        job = run_next(session, "test-worker", kinds=[kind])
        assert job is not None and job.kind == kind and job.error is None, job and job.error


def time_passes(session, **until) -> None:
    """The deliveries waiting to be retried come due (``until``: a retry window left)."""
    values = {"next_attempt_at": func.now() - timedelta(seconds=1)}
    if until:
        values["retry_until"] = func.now() + timedelta(**until)
    session.execute(update(WebhookDelivery).where(WebhookDelivery.state == "pending")
                    .values(**values))
    session.execute(update(WebhookSubscription).where(WebhookSubscription.retry_at.is_not(None))
                    .values(retry_at=values["next_attempt_at"]))
    session.commit()


def log(district, token, hook: dict) -> list[dict]:
    return district.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                               headers=bearer(token)).get_json()["items"]


def create(district, serial: int, **data) -> str:
    return district.results(sync_batch(sync_item(resident_data(serial, **data))))[0]["record_id"]


def edit(district, record: str, version: int, serial: int, **data) -> None:
    result = district.results(sync_batch(sync_item(resident_data(serial, **data),
                                                   record_id=record, base_version=version)))
    assert result[0]["status"] == "merged", result


def test_a_committed_change_reaches_each_department_signed_and_masked_per_its_grant(
        district, admin):
    police = department(district, admin, "police", {"kinds": ["resident"], "grids": "all",
                                                    "fields": {"resident": {
                                                        "id_card": "visible", "phone": "visible",
                                                        "name": "hidden"}}})
    civil = department(district, admin, "civil")  # the default grant: sensitive fields masked
    with Receiver() as receiver:
        police_hook = subscribe(district, police, receiver.url("/police"))
        civil_hook = subscribe(district, civil, receiver.url("/civil"))
        record = create(district, 4, name="张伟", phone="13800138004")
        deliver(district.session)
    by_path = {r.path: r for r in receiver.received}
    assert set(by_path) == {"/police", "/civil"}
    assert verified(police_hook["secret"], by_path["/police"])
    assert verified(civil_hook["secret"], by_path["/civil"])
    assert not verified(civil_hook["secret"], by_path["/police"])
    for request in by_path.values():
        assert request.headers["webhook-id"] == f"rv_{record}_1"
        assert request.event["type"] == "record.created"
        assert request.event["data"]["id"] == record and request.event["data"]["version"] == 1
    seen_by_police = by_path["/police"].event["data"]
    assert seen_by_police["data"]["id_card"] == NUMBER == seen_by_police["key"]
    assert seen_by_police["data"]["phone"] == "13800138004" and "name" not in seen_by_police["data"]
    seen_by_civil = by_path["/civil"].event["data"]
    assert seen_by_civil["data"]["phone"] == "138****8004" and "*" in seen_by_civil["key"]
    assert seen_by_civil["data"]["birth_date"] == "1960-**-**"
    assert NUMBER not in by_path["/civil"].body.decode()
    # Only the clear read is in the access log, naming the department and the record.
    entries = district.session.scalars(select(AccessEntry).where(
        AccessEntry.action == "webhook_delivery")).all()
    assert [e.details["department"] for e in entries] == ["police"]
    assert district.session.scalars(select(AccessRecord.record_id).where(
        AccessRecord.access_id == entries[0].id)).all() == [uuid.UUID(record)]
    (delivered,) = log(district, police, police_hook)
    assert delivered["state"] == "delivered" and delivered["attempts"] == 1
    assert delivered["last_status"] == 200 and delivered["delivered_at"] is not None


def test_a_receiver_failing_first_gets_the_same_event_after_a_backoff_then_the_rest_in_order(
        district, admin):
    police = department(district, admin, "police")
    with Receiver([500]) as receiver:
        hook = subscribe(district, police, receiver.url())
        record = create(district, 5)
        edit(district, record, 1, 5, phone="13800138001")
        edit(district, record, 2, 5, phone="13800138002")
        deliver(district.session)
        assert [r.headers["webhook-id"] for r in receiver.received] == [f"rv_{record}_1"]
        first = {d["version"]: d for d in log(district, police, hook)}
        assert first[1]["state"] == "pending" and first[1]["attempts"] == 1
        assert first[1]["last_status"] == 500 and first[1]["last_error"] == "HTTP 500: not now"
        assert first[2]["attempts"] == first[3]["attempts"] == 0  # they wait behind version 1
        other = create(district, 15)  # another record's event waits too: the receiver is down
        deliver(district.session)  # too early: nothing is due yet
        assert len(receiver.received) == 1
        shown = district.client.get(f"/api/v1/webhooks/{hook['id']}",
                                    headers=bearer(police)).get_json()
        assert shown["failing_since"] is not None and shown["retry_at"] is not None
        time_passes(district.session)
        deliver(district.session)  # the retry probes the receiver with the same event alone…
        assert len(receiver.received) == 2
        deliver(district.session)  # …and once it is taken, the rest follow in order
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids == [f"rv_{record}_{v}" for v in (1, 1, 2, 3)] + [f"rv_{other}_1"]
    assert all(verified(hook["secret"], r) for r in receiver.received)
    assert receiver.received[0].body == receiver.received[1].body  # the same event again
    assert [r.event["data"]["version"] for r in receiver.received[1:4]] == [1, 2, 3]
    assert {d["state"] for d in log(district, police, hook)} == {"delivered"}
    shown = district.client.get(f"/api/v1/webhooks/{hook['id']}", headers=bearer(police))
    assert shown.get_json()["failing_since"] is None


def test_the_first_retry_comes_after_the_backoff(district, admin):
    police = department(district, admin, "police")
    with Receiver([503]) as receiver:
        hook = subscribe(district, police, receiver.url())
        create(district, 6)
        deliver(district.session)
    (waiting,) = district.session.scalars(select(WebhookDelivery)).all()
    assert waiting.next_attempt_at - waiting.last_attempt_at == timedelta(seconds=10)
    assert waiting.retry_until - waiting.created_at == timedelta(hours=24)
    assert hook["id"] == waiting.subscription_id


def test_after_a_day_of_failures_a_delivery_is_parked_and_shown_until_the_webhook_is_enabled(
        district, admin):
    police = department(district, admin, "police")
    with Receiver([500] * 3) as receiver:
        hook = subscribe(district, police, receiver.url())
        record = create(district, 7)
        deliver(district.session)
        time_passes(district.session, seconds=5)  # a day later: the retry window is nearly over
        deliver(district.session)
        shown = district.client.get(f"/api/v1/webhooks/{hook['id']}",
                                    headers=bearer(police)).get_json()
        assert shown["state"] == "disabled" and shown["parked"] == 1
        reason = shown["disabled_reason"]
        assert f"rv_{record}_1" in reason and "HTTP 500" in reason
        (parked,) = log(district, police, hook)
        assert parked["state"] == "failed" and parked["attempts"] == 2
        assert parked["next_attempt_at"] is None
        # While disabled nothing is sent, and what changes is kept for later.
        edit(district, record, 1, 7, phone="13800138007")
        deliver(district.session)
        assert len(receiver.received) == 2 and len(log(district, police, hook)) == 1
        receiver.statuses.clear()  # the department mends its receiver
        enabled = district.client.post(f"/api/v1/webhooks/{hook['id']}/enable",
                                       headers=bearer(police)).get_json()
        assert enabled["state"] == "active" and enabled["pending"] == 1
        deliver(district.session)
    assert [r.headers["webhook-id"] for r in receiver.received[2:]] == [
        f"rv_{record}_1", f"rv_{record}_2"]
    assert {d["state"] for d in log(district, police, hook)} == {"delivered"}


def test_a_change_that_rolls_back_is_never_delivered_and_one_that_commits_late_is_not_skipped(
        district, admin):
    police = department(district, admin, "police")
    with Receiver() as receiver:
        subscribe(district, police, receiver.url())
        # A batch whose transaction rolls back leaves nothing to deliver.
        doomed = Session(bind=db.engine)
        process_batch(doomed, district.collector, SyncBatchSchema().load(
            sync_batch(sync_item(resident_data(8)))))
        doomed.rollback()
        doomed.close()
        # A slow writer starts first and commits after a fast one.
        slow = Session(bind=db.engine)
        slow_record = process_batch(slow, district.collector, SyncBatchSchema().load(
            sync_batch(sync_item(resident_data(9)))))["results"][0]["record_id"]
        try:
            fast_record = create(district, 10)
            deliver(district.session)
            assert receiver.received == []  # the fast change waits for the slow one
            slow.commit()
        finally:
            slow.close()
        deliver(district.session)
    assert [r.event["data"]["id"] for r in receiver.received] == [slow_record, fast_record]
    assert district.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2


def test_a_webhook_gets_only_its_kinds_and_grids_and_what_the_grant_still_covers(district, admin):
    civil = department(district, admin, "civil", {"kinds": ["resident", "rental"],
                                                  "grids": "all"})
    with Receiver() as receiver:
        everything = subscribe(district, civil, receiver.url("/all"))
        subscribe(district, civil, receiver.url("/rentals"), kinds=["rental"])
        subscribe(district, civil, receiver.url("/t12"), grids=["T-12"])
        create(district, 11)  # a resident in T-11
        deliver(district.session)
        assert [r.path for r in receiver.received] == ["/all"]
        create(district, 12)
        deliver(district.session, kinds=["webhook_events"])  # the event is made…
        district.client.put("/api/v1/departments/civil/grants", headers=bearer(admin),
                            json={"kinds": ["rental"], "grids": "all"})  # …the grant narrows…
        deliver(district.session, kinds=["webhook_deliveries"])  # …before it is sent
    assert len(receiver.received) == 1
    newest = log(district, civil, everything)[0]
    assert newest["state"] == "withheld" and "grant" in newest["last_error"]


def test_the_readme_receiver_verifies_a_real_delivery(district, admin, tmp_path):
    import os
    import re
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- receiver -->\n```python\n(.*?)```", readme, re.S).group(1)
    assert len(code.strip().splitlines()) <= 12
    (tmp_path / "receiver.py").write_text(code, encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    police = department(district, admin, "police")
    hook = subscribe(district, police, f"http://127.0.0.1:{port}/zhiwang")
    receiver = subprocess.Popen(
        [sys.executable, str(tmp_path / "receiver.py")], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "WEBHOOK_SECRET": hook["secret"], "PORT": str(port)})
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        record = create(district, 13)
        deliver(district.session)
        (delivered,) = log(district, police, hook)
        assert delivered["state"] == "delivered" and delivered["last_status"] == 204
    finally:
        receiver.terminate()
        output = receiver.communicate(timeout=10)[0]
    assert f"record.created rv_{record}_1" in output
