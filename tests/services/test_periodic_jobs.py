"""Periodic jobs: one row per kind, run again every few seconds, never parked, never doubled."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from server.models import Job, JobState
from server.services.jobs.kinds import HANDLERS, PERIODIC
from server.services.jobs.schedule import schedule_periodic, seconds_until_due
from server.services.jobs.worker import run_next

EVERY = {"tick": 5}


@pytest.fixture(autouse=True)
def handlers(monkeypatch):
    monkeypatch.setitem(HANDLERS, "tick", "tests.services.job_handlers:tick")


def run(session) -> Job | None:
    return run_next(session, "test-worker", kinds=["tick"], commit=False)


def make_due(session) -> None:
    session.execute(update(Job).where(Job.kind == "tick").values(
        run_after=datetime.now(timezone.utc) - timedelta(seconds=1)))
    session.expire_all()


def test_every_worker_may_schedule_but_each_periodic_kind_has_one_row(session):
    for _ in range(3):
        schedule_periodic(session, periodic=EVERY)
    rows = session.scalars(select(Job).where(Job.kind == "tick")).all()
    assert len(rows) == 1 and rows[0].every_seconds == 5 and rows[0].state == JobState.queued


def test_a_run_queues_the_same_row_again_after_its_interval(session):
    schedule_periodic(session, periodic=EVERY)
    job = run(session)
    assert job.state == JobState.queued and job.result == {"runs": 1} and job.attempts == 0
    assert job.run_after >= datetime.now(timezone.utc) + timedelta(seconds=4)
    assert run(session) is None  # not due yet
    assert 3 < seconds_until_due(session, ["tick"]) <= 5
    make_due(session)
    assert run(session).result == {"runs": 2}
    assert session.scalar(select(func.count()).select_from(Job)) == 1  # the table does not grow


def test_a_failing_periodic_job_is_retried_and_never_parked(session):
    schedule_periodic(session, periodic=EVERY)
    session.execute(update(Job).where(Job.kind == "tick").values(result={"fail_next": True}))
    for attempt in range(1, 6):
        make_due(session)
        job = run(session)
        assert job.state == JobState.queued and job.attempts == attempt
        assert "tick failed" in job.error
    assert job.run_after <= datetime.now(timezone.utc) + timedelta(minutes=5)


def test_the_interval_follows_the_code(session):
    schedule_periodic(session, periodic=EVERY)
    schedule_periodic(session, periodic={"tick": 7})
    assert session.scalar(select(Job.every_seconds).where(Job.kind == "tick")) == 7


def test_the_webhook_jobs_are_periodic_and_a_worker_of_other_kinds_leaves_them(session):
    assert set(PERIODIC) == {"webhook_events", "webhook_deliveries"}
    schedule_periodic(session, kinds=["export"])
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_workers_keep_a_periodic_job_going_with_one_row(committing_app, monkeypatch):
    from server.config import libpq_dsn
    from server.extensions import db
    from server.services.jobs import schedule
    from server.services.jobs.worker import work
    monkeypatch.setattr(schedule, "PERIODIC", EVERY)
    with committing_app.app_context():
        dsn = libpq_dsn(committing_app.config["SQLALCHEMY_DATABASE_URI"])
        work(lambda: db.session(), dsn, once=True)
        work(lambda: db.session(), dsn, once=True)  # a second worker: the job is not due again
        (job,) = db.session.scalars(select(Job)).all()
        assert (job.kind, job.state, job.result) == ("tick", JobState.queued, {"runs": 1})
