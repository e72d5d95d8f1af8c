"""The worker loop: claim a job, run it, finish or retry it; sleep until told of new work or
the next job comes due."""
from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy.orm import Session

from server.models import Job
from server.services.jobs.queue import (NOTIFY_CHANNEL, JobContext, claim, claim_for, finish,
                                        handler_of, park, retry_or_park)
from server.services.jobs.schedule import schedule_periodic, seconds_until_due

log = logging.getLogger(__name__)


def worker_name() -> str:
    """This worker's name in ``jobs.locked_by``: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


class _Transactions:
    """The worker commits each step; tests run inside one transaction, where savepoints stand
    in for those commits."""

    def __init__(self, session: Session, real: bool) -> None:
        self.session, self.real = session, real
        self.point = None if real else session.begin_nested()

    def commit(self) -> None:
        if self.real:
            self.session.commit()
        else:
            self.point.commit()  # type: ignore[union-attr]
            self.point = self.session.begin_nested()

    def rollback(self) -> None:
        if self.real:
            self.session.rollback()
        else:
            self.point.rollback()  # type: ignore[union-attr]
            self.point = self.session.begin_nested()

    def close(self) -> None:
        if not self.real:
            self.point.commit()  # type: ignore[union-attr]


def run_next(session: Session, worker: str, kinds: list[str] | None = None,
             commit: bool = True) -> Job | None:
    """Claim and run one job; None when nothing is due (``commit=False``: tests)."""
    steps = _Transactions(session, commit)
    job = claim(session, worker, kinds)
    steps.commit()
    if job is not None:
        try:
            finish(job, handler_of(job.kind)(JobContext(session, job, steps.commit)))
        except Exception as error:  # a job's failure is recorded on the job, never lost
            log.exception("job %s (%s) failed", job.id, job.kind)
            steps.rollback()
            job = session.get(Job, job.id)
            assert job is not None
            retry_or_park(job, f"{type(error).__name__}: {error}"[:2000])
        steps.commit()
    steps.close()
    return job


def work(make_session: Callable[[], Session], dsn: str, kinds: list[str] | None = None,
         once: bool = False, poll_seconds: float = 5.0) -> None:
    """Run jobs until stopped (or, with ``once``, until none is due); LISTEN for new ones, and
    keep the periodic jobs (jobs/schedule.py) going."""
    worker = worker_name()
    with psycopg.connect(dsn, autocommit=True) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        while True:
            with make_session() as session:
                schedule_periodic(session, kinds)
                session.commit()
                while run_next(session, worker, kinds) is not None:
                    pass
                due_in = seconds_until_due(session, kinds)
                session.commit()
            if once:
                return
            # Wake on a NOTIFY from enqueue, when the next queued job (a retry, a periodic
            # run) comes due, or after the poll interval, whichever is first.
            wait = poll_seconds if due_in is None else min(poll_seconds, max(due_in, 0.0))
            for _ in listener.notifies(timeout=wait, stop_after=1):
                pass
            time.sleep(0.05)  # let a burst of enqueues commit before claiming; never a busy loop


def run_here(session: Session, job: Job,
             on_progress: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Run a just-enqueued job in this process (the command line), committing at each of its
    checkpoints; should this process die, the job's lease runs out and a worker resumes it."""
    claim_for(job, worker_name())
    session.commit()

    def commit() -> None:
        session.commit()
        on_progress(job.progress)

    try:
        result = handler_of(job.kind)(JobContext(session, job, commit))
    except Exception as error:
        session.rollback()
        park(job, f"{type(error).__name__}: {error}"[:2000])
        session.commit()
        raise
    finish(job, result)
    session.commit()
    return result
