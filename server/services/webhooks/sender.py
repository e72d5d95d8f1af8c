"""Sending one pass of deliveries: each subscription's run in order, subscriptions side by side.

A run stops at its first failure: the receiver is down or refuses, and the rest of its events
(later versions of the same record among them) wait for the next pass, so a record's versions
never arrive out of order. Runs share a deadline, so one slow receiver cannot hold the others
(or the job's lease) for long; what a run did not get to stays due.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone

from server.domain.webhook_events import signed_headers
from server.services.webhooks.transport import Answer, Endpoint

SENDERS = 8


@dataclass(frozen=True)
class Outgoing:
    """One event to send: which delivery, its stable id, and the body (already disclosed)."""

    delivery_id: int
    event_id: str
    body: bytes


@dataclass
class Run:
    """One subscription's events of this pass, in order, and what came of each attempt."""

    endpoint: Endpoint
    secret: str | None                   # None: the secret cannot be opened (a missing key)
    items: list[Outgoing]
    tried: list[tuple[Outgoing, Answer, datetime]] = field(default_factory=list)

    def send(self, deadline: float, clock: Callable[[], datetime]) -> None:
        """Send in order until the first failure or the deadline."""
        try:
            for item in self.items:
                if time.monotonic() > deadline:
                    return
                answer = (self.endpoint.post(signed_headers(
                    self.secret, item.event_id, int(time.time()), item.body), item.body)
                    if self.secret is not None else
                    Answer(None, "the signing secret cannot be opened: its key is missing"))
                self.tried.append((item, answer, clock()))
                if not answer.ok:
                    return
        finally:
            self.endpoint.close()


def send_runs(runs: list[Run], seconds: float, grace: float) -> None:
    """Run every subscription's sends side by side until done or ``seconds`` are over (plus
    ``grace`` for the attempts under way); a run still hanging then is left behind: its
    attempts so far are kept, and an attempt it finishes later is sent again (at least once)."""
    if not runs:
        return
    deadline = time.monotonic() + seconds
    pool = ThreadPoolExecutor(max_workers=min(SENDERS, len(runs)),
                              thread_name_prefix="webhook")
    futures = [pool.submit(run.send, deadline, _utcnow) for run in runs]
    wait(futures, timeout=seconds + grace)
    pool.shutdown(wait=False, cancel_futures=True)
    for run in runs:
        run.tried = list(run.tried)  # a snapshot: a run left behind may still append


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
