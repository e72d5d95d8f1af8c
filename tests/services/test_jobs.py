"""The job queue: enqueued with the request's transaction, claimed once, retried, resumed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from server.models import Job, JobState, Role
from server.services.jobs import enqueue
from server.services.jobs.kinds import HANDLERS
from server.services.jobs.worker import run_next
from tests.factories import bearer, make_user, sign_in


@pytest.fixture(autouse=True)
def handlers(monkeypatch):
    monkeypatch.setitem(HANDLERS, "count_to", "tests.services.job_handlers:count_to")
    monkeypatch.setitem(HANDLERS, "explode", "tests.services.job_handlers:explode")


def run(session) -> Job | None:
    return run_next(session, "test-worker", commit=False)


def test_a_job_enqueued_in_a_transaction_that_rolls_back_does_not_exist(session):
    savepoint = session.begin_nested()
    job_id = enqueue(session, "count_to", {"to": 10}).id
    savepoint.rollback()
    assert session.get(Job, job_id) is None


def test_an_unknown_kind_is_refused(session):
    with pytest.raises(ValueError):
        enqueue(session, "nothing_like_it", {})


def test_a_job_runs_once_with_progress_and_a_result(session):
    job = enqueue(session, "count_to", {"to": 25})
    assert run(session) is job
    assert job.state == JobState.done and job.result["counted"] == 25
    assert job.progress == {"done": 25, "total": 25} and job.attempts == 1
    assert run(session) is None  # nothing left to claim


def test_a_failed_attempt_is_retried_later_then_parked(session):
    job = enqueue(session, "explode", {}, max_attempts=2)
    run(session)
    assert job.state == JobState.queued and job.attempts == 1 and "boom" in job.error
    assert job.run_after > datetime.now(timezone.utc) + timedelta(seconds=5)
    assert run(session) is None  # not due yet: backoff
    session.execute(update(Job).where(Job.id == job.id).values(run_after=datetime.now(timezone.utc)))
    session.expire_all()
    run(session)
    job = session.get(Job, job.id)
    assert job.state == JobState.failed and job.attempts == 2


def test_a_job_whose_worker_died_is_taken_again_and_resumes_from_its_checkpoint(session):
    job = enqueue(session, "count_to", {"to": 50, "die_at": 30})
    with pytest.raises(SystemExit):
        run(session)
    # The dead worker's claim and its checkpoints stay; its lease runs out.
    session.execute(update(Job).where(Job.id == job.id).values(
        locked_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
    session.expire_all()
    job = session.get(Job, job.id)
    assert job.state == JobState.running and job.progress["done"] == 30
    job.payload = {"to": 50}
    job.progress = {**job.progress, "resumed_from": 30}
    session.flush()
    again = run(session)
    assert again.id == job.id and again.state == JobState.done
    assert again.result == {"counted": 50, "resumed_from": 30} and again.attempts == 2


def test_a_running_job_with_a_live_lease_is_not_taken_twice(session):
    job = enqueue(session, "count_to", {"to": 10})
    session.execute(update(Job).where(Job.id == job.id).values(
        state=JobState.running, locked_until=datetime.now(timezone.utc) + timedelta(minutes=1)))
    assert run(session) is None


class TestJobsApi:
    def test_its_creator_follows_a_job(self, client, session):
        owner = make_user(session, role=Role.viewer, username="clerk.wang")
        job = enqueue(session, "count_to", {"to": 10}, user_id=owner.id)
        token = sign_in(client, "clerk.wang")["access_token"]
        body = client.get(f"/api/v1/jobs/{job.id}", headers=bearer(token)).get_json()
        assert body["state"] == "queued" and body["kind"] == "count_to"
        run(session)
        body = client.get(f"/api/v1/jobs/{job.id}", headers=bearer(token)).get_json()
        assert body["state"] == "done" and body["progress"]["done"] == 10

    def test_another_users_job_is_not_found(self, client, session):
        owner = make_user(session, role=Role.viewer, username="clerk.li")
        make_user(session, role=Role.viewer, username="clerk.zhao")
        job = enqueue(session, "count_to", {"to": 10}, user_id=owner.id)
        token = sign_in(client, "clerk.zhao")["access_token"]
        response = client.get(f"/api/v1/jobs/{job.id}", headers=bearer(token))
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"
