"""The HTTP side of bench/sync.py: batches POSTed by concurrent clients, every reply checked.

Each client thread has its own persistent http.client connection (gunicorn's sync workers close
it after every response; the reconnect is made off the clock). Every item must come back
`merged`: anything else, and any non-200, counts as an error.
"""
from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass

from harness import Client, sign_in
from parallel import Concurrent
from sync_items import Batch, Collector

SYNC = "/api/v1/sync/batches"


@dataclass
class Outcome:
    """What came back for one batch (or what the raw statement wrote for it)."""

    items: int
    merged: int
    statuses: Counter[str]
    http_status: int
    seconds: float

    @property
    def errors(self) -> int:
        return self.items - self.merged


@dataclass
class Round:
    """One timed round of batches."""

    label: str
    outcomes: list[Outcome]
    seconds: float

    @property
    def items(self) -> int:
        return sum(o.items for o in self.outcomes)

    @property
    def errors(self) -> int:
        return sum(o.errors for o in self.outcomes)

    @property
    def per_second(self) -> float:
        return self.items / self.seconds

    @property
    def latencies_ms(self) -> list[float]:
        return [o.seconds * 1e3 for o in self.outcomes]

    def statuses(self) -> str:
        total: Counter[str] = Counter()
        for outcome in self.outcomes:
            total.update(outcome.statuses)
        return ", ".join(f"{k} {v}" for k, v in sorted(total.items()))


def median_rate(rounds: list[Round]) -> float:
    """Items/s of the median round."""
    return statistics.median(r.per_second for r in rounds)


def median_latency_ms(rounds: list[Round]) -> float:
    """The median request (batch) time over every round."""
    return statistics.median(ms for r in rounds for ms in r.latencies_ms)


def outcome_of(batch: Batch, status: int, body: bytes, seconds: float) -> Outcome:
    """Check a reply: 200, one result per item in order, each merged."""
    statuses: Counter[str] = Counter()
    if status != 200:
        statuses[f"HTTP {status}"] = batch.size
        return Outcome(batch.size, 0, statuses, status, seconds)
    results = json.loads(body).get("results", [])
    if [r.get("id") for r in results] != [item["id"] for item in batch.body["items"]]:
        statuses["results do not match the items"] = batch.size
        return Outcome(batch.size, 0, statuses, status, seconds)
    statuses.update(r.get("status", "?") for r in results)
    return Outcome(batch.size, statuses["merged"], statuses, status, seconds)


def post_batch(client: Client, batch: Batch) -> tuple[int, bytes, float]:
    headers = {**batch.collector.auth, "Content-Type": "application/json"}
    reply = client.request("POST", SYNC, headers, batch.encoded)
    return reply.status, reply.body, reply.seconds


def http_round(base_url: str, batches: list[Batch], clients: int, label: str) -> Round:
    """Send the batches from ``clients`` connections at once; check every reply afterwards."""
    replies, seconds = Concurrent(clients, lambda: Client(base_url), post_batch,
                                  Client.close).run(batches)
    return Round(label, [outcome_of(b, *reply) for b, reply in zip(batches, replies)], seconds)


def healthz_ms(base_url: str, requests: int, clients: int) -> list[float]:
    """GET /healthz from ``clients`` connections: the floor of one request through the stack."""
    def get(client: Client, _: int) -> float:
        reply = client.request("GET", "/healthz")
        if reply.status != 200:
            raise SystemExit(f"GET /healthz → {reply.status}")
        return reply.seconds * 1e3
    replies, _ = Concurrent(clients, lambda: Client(base_url), get,
                            Client.close).run(list(range(requests)))
    return replies


def sign_in_all(base_url: str, collectors: list[Collector], threads: int = 4) -> None:
    """A fresh access token for each collector (argon2: ~50 ms each, so in parallel)."""
    def work(client: Client, collector: Collector) -> None:
        collector.auth = sign_in(client, collector.username)
    Concurrent(threads, lambda: Client(base_url), work, Client.close).run(collectors)
