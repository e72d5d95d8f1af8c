"""Measuring bench/search.py: interleaved rounds of every query type over HTTP, and the table.

One keep-alive http.client connection (reconnects off the clock). Warm-up rounds first, then
timed rounds; each round sends one GET /healthz (the floor of one request through the stack) and
one query of every type for every user, so slow drift hits every type alike. A type stops being
asked once it has spent its time budget (half of it in warm-up).
"""
from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

from figures import Spread, print_table
from harness import Client, say
from search_workload import LIMIT, Query, QueryType

SEARCH = "/api/v1/records"
TARGET_P95_MS = 20.0


@dataclass
class User:
    """A signed-in user and its query types."""

    name: str
    auth: dict[str, str]
    types: list[QueryType]
    scope: list[int] | None


@dataclass
class Series:
    """The measurements of one query type for one user."""

    user: str
    kind: QueryType
    ms: list[float] = field(default_factory=list)
    results: list[int] = field(default_factory=list)
    wrong: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    slowest: tuple[float, str] = (0.0, "")

    def add(self, query: Query, status: int, body: bytes, seconds: float) -> None:
        ms = seconds * 1e3
        self.ms.append(ms)
        if ms > self.slowest[0]:
            self.slowest = (ms, query.q)
        if status != 200:
            self.errors[f"HTTP {status}"] += 1
            return
        items = json.loads(body)["items"]
        self.results.append(len(items))
        if not self.kind.check(query, items):
            self.wrong += 1

    @property
    def met(self) -> bool:
        return Spread.of(self.ms).p95 < TARGET_P95_MS


def measure(client: Client, users: list[User], warmup: int, rounds: int,
            budget_s: float) -> tuple[list[float], list[Series]]:
    """Interleaved rounds: /healthz and one query of every type for every user per round."""
    floor: list[float] = []
    plan = [(u, Series(u.name, t)) for u in users for t in u.types]
    spent: dict[tuple[bool, int], float] = {}  # (timed?, type) → seconds
    for number in range(warmup + rounds):
        timed = number >= warmup
        if number in (0, warmup) or (timed and (number - warmup) % 50 == 0):
            say(f"{'measuring' if timed else 'warming up'}: round {number - warmup * timed + 1}"
                f" of {rounds if timed else warmup} …")
        reply = client.request("GET", "/healthz")
        if timed:
            floor.append(reply.seconds * 1e3)
        for index, (user, entry) in enumerate(plan):
            if spent.get((timed, index), 0.0) > (budget_s if timed else budget_s / 2):
                continue  # this type used its time budget: stop asking it
            query = entry.kind.queries[number % len(entry.kind.queries)]
            reply = client.request("GET", f"{SEARCH}?q={quote(query.q)}", user.auth)
            if timed:
                entry.add(query, reply.status, reply.body, reply.seconds)
            spent[timed, index] = spent.get((timed, index), 0.0) + reply.seconds
    return floor, [entry for _, entry in plan]


def print_latency(floor: list[float], series: list[Series], residents: int) -> list[Series]:
    """The latency table with multiples of the /healthz floor; the series that miss p95."""
    base = Spread.of(floor)
    rows: list[list[object]] = [["-", "GET /healthz", base.n, f"{base.p50:.1f}",
                                 f"{base.p95:.1f}", f"{base.max:.1f}", "1.0 / 1.0", "", "", ""]]
    for s in (s for s in series if s.ms):
        spread = Spread.of(s.ms)
        results = (f"{statistics.mean(s.results):.1f}/{min(s.results)}/{max(s.results)}"
                   if s.results else "-")
        errors = "".join(f"  {k} ×{v}" for k, v in s.errors.items())
        rows.append([s.user, s.kind.label + (" *" if s.kind.extra else ""), spread.n,
                     f"{spread.p50:.1f}", f"{spread.p95:.1f}", f"{spread.max:.1f}",
                     f"{spread.p50 / base.p50:.1f} / {spread.p95 / base.p95:.1f}", results,
                     s.wrong, ("MET" if s.met else "MISSED") + errors])
    print_table(
        f"Search latency over HTTP, {residents:,} residents, GET {SEARCH}?q=… (limit {LIMIT}),"
        f" {base.n} timed rounds; × floor = multiple of GET /healthz's p50 / p95",
        ["user", "query type", "n", "p50 ms", "p95 ms", "max ms", "× floor",
         "results avg/min/max", "wrong", "verdict"], rows,
        [f"target: p95 < {TARGET_P95_MS:.0f} ms for every type; * = beyond the brief (one"
         " common character)", "slowest query of each type:"]
        + [f"  {s.user:<12} {s.kind.label:<20} {s.slowest[0]:7.1f} ms  q={s.slowest[1]}"
           for s in series if s.ms])
    return [s for s in series if s.ms and not s.met]


def print_workload(users: list[User], pairs_note: dict[str, str]) -> None:
    print("\nWorkload")
    for user in users:
        where = "whole district" if user.scope is None else f"{len(user.scope)} grids"
        print(f"  {user.name} ({where}): distinct queries: " + ", ".join(
            f"{t.label} {len(set(q.q for q in t.queries))}" for t in user.types))
        print(f"    most common 2-char given names (how many 3-char names end in them): "
              f"{pairs_note[user.name]}")
