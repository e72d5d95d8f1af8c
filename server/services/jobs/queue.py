"""Enqueueing, claiming, finishing and retrying jobs."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import Job, JobState, Role, User
from server.services.jobs.kinds import HANDLERS

LEASE = timedelta(seconds=60)
NOTIFY_CHANNEL = "zhiwang_jobs"
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
PERIODIC_BACKOFF_CAP = timedelta(minutes=5)


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, user_id: int | None = None,
            max_attempts: int = 3, run_after: datetime | None = None) -> Job:
    """Queue a job in the caller's transaction (workers hear of it when that commits)."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, payload=payload, state=JobState.queued, created_by_id=user_id,
              max_attempts=max_attempts, progress={})
    if run_after is not None:
        job.run_after = run_after
    session.add(job)
    session.flush()
    session.execute(text("SELECT pg_notify(:channel, :kind)"),
                    {"channel": NOTIFY_CHANNEL, "kind": kind})
    return job


def visible_job(session: Session, user: User, job_id: int) -> Job:
    """A job its creator (or an administrator) may look at."""
    job = session.get(Job, job_id)
    if job is None or (user.role != Role.admin and job.created_by_id != user.id):
        raise NotFound(f"No job {job_id} of yours.")
    return job


_CLAIM = text("""
UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = :worker,
       locked_until = clock_timestamp() + make_interval(secs => :lease),
       started_at = coalesce(started_at, clock_timestamp())
 WHERE id = (SELECT id FROM jobs
              WHERE ((state = 'queued' AND run_after <= clock_timestamp())
                     OR (state = 'running' AND locked_until < clock_timestamp()))
                AND (CAST(:kinds AS text[]) IS NULL OR kind = ANY(CAST(:kinds AS text[])))
              ORDER BY run_after, id
              FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id""")


def claim(session: Session, worker: str, kinds: list[str] | None = None) -> Job | None:
    """Take the next due job (or one whose worker stopped answering) under a lease."""
    job_id = session.execute(_CLAIM, {"worker": worker, "kinds": kinds,
                                      "lease": LEASE.total_seconds()}).scalar()
    if job_id is None:
        return None
    session.expire_all()
    job = session.get(Job, job_id)
    assert job is not None
    if job.every_seconds is None and job.attempts > job.max_attempts:  # workers kept dying
        park(job, "the job was attempted too often (workers stopped mid-job)")
        return None
    return job


def claim_for(job: Job, worker: str) -> None:
    """Take a job just enqueued, for this process (the command line runs its own jobs); in the
    transaction that enqueued it, so no worker ever sees it queued."""
    job.state, job.attempts, job.locked_by = JobState.running, job.attempts + 1, worker
    job.locked_until = _now() + LEASE
    job.started_at = job.started_at or _now()


@dataclass
class JobContext:
    """What a handler gets: the session, the job, and how to commit a chunk of work."""

    session: Session
    job: Job
    commit: Callable[[], None]

    @property
    def payload(self) -> dict[str, Any]:
        """The job's input."""
        return self.job.payload

    def checkpoint(self, done: int, total: int | None = None, **state: Any) -> None:
        """Record progress (and where to resume) with the work done so far, renew the lease,
        and commit them together."""
        self.job.progress = {**(self.job.progress or {}), "done": done, "total": total, **state}
        self.job.locked_until = _now() + LEASE
        self.session.flush()
        self.commit()


def finish(job: Job, result: dict[str, Any]) -> None:
    """The job is done (a periodic job: queued again for its next run)."""
    job.state, job.result, job.error = JobState.done, result, None
    job.finished_at, job.locked_by, job.locked_until = _now(), None, None
    if job.every_seconds is not None:
        job.state, job.attempts = JobState.queued, 0
        job.run_after = _now() + timedelta(seconds=job.every_seconds)


def retry_or_park(job: Job, error: str) -> None:
    """After a failed attempt: queue again with exponential backoff, or park when none is left
    (a periodic job is never parked: its backoff stops growing at a few minutes)."""
    if job.every_seconds is None and job.attempts >= job.max_attempts:
        park(job, error)
        return
    cap = BACKOFF_CAP if job.every_seconds is None else PERIODIC_BACKOFF_CAP
    delay = min(BACKOFF_BASE * 2 ** max(job.attempts - 1, 0), cap)
    job.state, job.error, job.run_after = JobState.queued, error, _now() + delay
    job.locked_by, job.locked_until = None, None


def park(job: Job, error: str) -> None:
    """Give up: the job is failed, kept with its error for a person to look at."""
    job.state, job.error, job.finished_at = JobState.failed, error, _now()
    job.locked_by, job.locked_until = None, None


def handler_of(kind: str) -> Callable[[JobContext], dict[str, Any]]:
    """The function that runs a kind of job."""
    module_name, _, function = HANDLERS[kind].partition(":")
    module = __import__(module_name, fromlist=[function])
    return getattr(module, function)


def _now() -> datetime:
    return datetime.now(timezone.utc)
