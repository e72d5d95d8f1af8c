"""Benchmark: the HTTP sync path against the raw PostgreSQL ceiling, one-item batches, a rush.

    .venv/bin/python bench/sync.py [--items 20000] [--batch 200] [--clients 1,4] [--rounds 3]
                                   [--single-items 1000] [--single-clients 1,8]
                                   [--collectors 8] [--workers 4] [--rush-items 50]
                                   [--rush-threads 16] [--fsync] [--profile]

It starts everything itself through bench/harness.py and tears it all down at the end (also on
an error, Ctrl-C or SIGTERM): a throwaway PostGIS cluster, `flask db upgrade`, `flask demo seed`
(450 grids, collector1…collector450 each the primary of the N-th grid by code), `gunicorn -w 4`
on a free loopback port. Only loopback traffic; every count is bounded.

seed      nothing beyond the demo: every item is a fresh, valid resident create (sync_items.py)
          at a random point of the sending collector's own grid.
measure   batched    for each --clients count: --rounds rounds alternating HTTP (POST
                     /api/v1/sync/batches, sync_http.py) and raw (the same writes straight
                     through psycopg into the migrated schema, set-based, one statement and
                     one commit per batch: the ceiling, sync_raw.py), --items fresh items per
                     round in batches of --batch from --collectors collectors; median round
                     of each and the ratio HTTP / raw.
          one item   the same with one-item batches (phones that sync after every capture),
                     --single-items per round, for each --single-clients count (one collector
                     per client): items/s, median request time, and GET /healthz from as many
                     clients (the floor of one request through the stack).
          rush       all 450 collectors send one --rush-items batch at once through
                     --rush-threads connections: p50/p95/max batch time, wall time, errors.
          profile    with --profile: batches of --batch and of 1 through the app in this
                     process, time per SQL statement and per phase of the sync (sync_profile.py).
report    a table per measurement, then a summary with targets: HTTP / raw ≥ 0.5 batched, for
          1 and 4 clients; one-item batches at ≥ 2× the rate ODK Central accepted in the run
          of issue 12 (157/s from 1 client, 339/s from 8: targets 314/s and 678/s, ≈ 3 ms a
          request); no errors anywhere. Exit status 1 when a target is missed.
Progress goes to stderr, figures to stdout. On a shared machine the figures are noisy: the load
average is printed at the start and the end.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from figures import Spread, Target, machine_load, print_summary, print_table, ratio  # noqa: E402
from harness import Stack, bounded, counts, local_stack, say, stop_on_sigterm  # noqa: E402
from sync_http import (  # noqa: E402
    Round, healthz_ms, http_round, median_latency_ms, median_rate, sign_in_all)
from sync_items import Collector, Residents, count_rows, load_collectors  # noqa: E402
from sync_raw import raw_round  # noqa: E402

RATIO_TARGET = 0.5
ODK_ACCEPTED = {1: 157, 8: 339}  # one-item submissions/s ODK Central accepted (issue 12's run)
RUSH_COLLECTORS = 450


@dataclass
class Comparison:
    """HTTP and raw rounds of one batch size from one number of clients, and the floor."""

    clients: int
    size: int
    collectors: int
    http: list[Round] = field(default_factory=list)
    raw: list[Round] = field(default_factory=list)
    healthz: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return median_rate(self.http) / median_rate(self.raw)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.http + self.raw)

    @property
    def label(self) -> str:
        return f"{self.clients} client{'s' if self.clients > 1 else ''}"


def compare(stack: Stack, senders: list[Collector], residents: Residents, clients: int,
            size: int, items: int, rounds: int) -> Comparison:
    """Rounds alternating HTTP and raw with fresh items, so both see the same table sizes."""
    comparison = Comparison(clients, size, len(senders))
    for number in range(1, rounds + 1):
        sign_in_all(stack.base_url, senders)
        say(f"batches of {size}, {comparison.label}, round {number}: HTTP, {items} items …")
        batches = residents.batches(senders, items, size)
        comparison.http.append(http_round(stack.base_url, batches, clients, f"http {number}"))
        say(f"batches of {size}, {comparison.label}, round {number}: raw, {items} items …")
        batches = residents.batches(senders, items, size)
        comparison.raw.append(raw_round(stack.database_url, batches, clients, f"raw {number}"))
    if size == 1:
        comparison.healthz = healthz_ms(stack.base_url, min(items, 500), clients)
    return comparison


def warm_up(stack: Stack, collectors: list[Collector], residents: Residents,
            workers: int) -> None:
    """A few untimed one-item batches through every worker (imports, forms, pool, caches)."""
    say("warming up the workers …")
    senders = collectors[:workers]
    sign_in_all(stack.base_url, senders)
    http_round(stack.base_url, residents.batches(senders, 4 * workers, 1), workers, "warm-up")


def rush(stack: Stack, collectors: list[Collector], residents: Residents, size: int,
         threads: int) -> Round:
    """Every collector sends one batch at once, through a bounded number of connections."""
    say(f"signing in {len(collectors)} collectors (off the clock) …")
    sign_in_all(stack.base_url, collectors, threads=8)
    batches = [residents.batch(c, size) for c in collectors]
    say(f"rush: {len(batches)} batches of {size} through {threads} connections …")
    return http_round(stack.base_url, batches, threads, "rush")


# ---------------------------------------------------------------------------------- report

def print_comparison(c: Comparison) -> None:
    """The rounds of one comparison, alternating as they ran, and the ratio."""
    rows = []
    for r in (r for pair in zip(c.http, c.raw) for r in pair):
        spread = Spread.of(r.latencies_ms)
        rows.append([r.label, r.items, f"{r.seconds:.2f}", f"{r.per_second:.0f}",
                     f"{spread.p50:.1f}", f"{spread.p95:.1f}", r.errors, r.statuses()])
    http, raw = median_rate(c.http), median_rate(c.raw)
    notes = [f"median round: HTTP {http:.0f} items/s, raw {raw:.0f} items/s,"
             f" HTTP / raw {ratio(http, raw)}"]
    if c.healthz:
        floor = statistics.median(c.healthz)
        notes.append(f"median request: HTTP {median_latency_ms(c.http):.2f} ms, raw"
                     f" {median_latency_ms(c.raw):.2f} ms, GET /healthz {floor:.2f} ms"
                     f" (HTTP one-item = {ratio(median_latency_ms(c.http), floor)} /healthz)")
    print_table(f"Batches of {c.size} from {c.label}, {c.collectors} collector(s); rounds"
                " alternate, fresh items each",
                ["round", "items", "seconds", "items/s", "p50 ms", "p95 ms", "errors",
                 "outcomes"], rows, notes)


def print_rush(r: Round) -> None:
    spread = Spread.of(r.latencies_ms)
    non_200 = sum(1 for o in r.outcomes if o.http_status != 200)
    print_table(f"Morning rush: {len(r.outcomes)} collectors, one {r.outcomes[0].items}-item"
                " batch each, at once",
                ["batches", "p50 ms", "p95 ms", "max ms", "wall s", "items/s", "errors",
                 "non-200", "outcomes"],
                [[spread.n, f"{spread.p50:.0f}", f"{spread.p95:.0f}", f"{spread.max:.0f}",
                  f"{r.seconds:.2f}", f"{r.per_second:.0f}", r.errors, non_200, r.statuses()]])


def targets(batched: list[Comparison], single: list[Comparison], rush_round: Round | None
            ) -> list[Target]:
    """Every figure of the summary, with its target where the issue sets one."""
    rows = []
    for c in batched:
        rates = f"{median_rate(c.http):.0f} / {median_rate(c.raw):.0f}/s"
        rows.append(Target(f"batches of {c.size}, {c.label}: HTTP / raw",
                           f"{c.ratio:.2f} ({rates})", f">= {RATIO_TARGET}",
                           c.ratio >= RATIO_TARGET))
    for c in single:
        odk = ODK_ACCEPTED.get(c.clients)
        rows.append(Target(f"one-item batches, {c.label}: items/s",
                           f"{median_rate(c.http):.0f} (raw {median_rate(c.raw):.0f})",
                           f">= {2 * odk} (2 × ODK)" if odk else "",
                           median_rate(c.http) >= 2 * odk if odk else None))
        rows.append(Target(f"one-item batches, {c.label}: median request ms",
                           f"{median_latency_ms(c.http):.2f}", "≈ 3 (follows from the rate)"))
    for c in batched + single:
        rows.append(Target(f"items not merged, batches of {c.size}, {c.label}",
                           str(c.errors), "0", c.errors == 0))
    if rush_round is not None:
        rows.append(Target("rush errors", str(rush_round.errors), "0", rush_round.errors == 0))
    return rows


# ---------------------------------------------------------------------------------- main

def bench(stack: Stack, args: argparse.Namespace) -> bool:
    """Seed, measure, report; whether every target is met."""
    everyone = load_collectors(stack.database_url)
    residents = Residents()
    warm_up(stack, everyone, residents, args.workers)
    batched = [compare(stack, everyone[:args.collectors], residents, clients, args.batch,
                       args.items, args.rounds) for clients in args.clients]
    single = [compare(stack, everyone[:max(clients, 1)], residents, clients, 1,
                      args.single_items, args.rounds) for clients in args.single_clients]
    for comparison in batched + single:
        print_comparison(comparison)
    rush_round = None
    if args.rush_items:
        rush_round = rush(stack, everyone[:RUSH_COLLECTORS], residents, args.rush_items,
                          args.rush_threads)
        print_rush(rush_round)
    print("\nDatabase at the end: " + ", ".join(
        f"{n} {what}" for what, n in count_rows(stack.database_url).items()))
    if args.profile:
        from sync_profile import profile_sync
        say("profiling the sync path in-process …")
        profile_sync(stack, everyone[-1], residents, sorted({args.batch, 1}, reverse=True))
    return print_summary(targets(batched, single, rush_round))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--items", type=bounded(1, 200_000), default=20_000, help="items per batched round")
    add("--batch", type=bounded(1, 500), default=200, help="items per batch (500 at most)")
    add("--clients", type=counts(1, 32), default=[1, 4], help="client counts, batched (1,4)")
    add("--rounds", type=bounded(1, 9), default=3, help="rounds of each path (3)")
    add("--single-items", type=bounded(0, 50_000), default=1000,
        help="one-item batches per round (1000; 0 skips the one-item case)")
    add("--single-clients", type=counts(1, 32), default=[1, 8],
        help="client counts, one-item batches (1,8)")
    add("--collectors", type=bounded(1, 450), default=8, help="collectors sending batches (8)")
    add("--workers", type=bounded(1, 16), default=4, help="gunicorn workers (4, for 2 cores)")
    add("--rush-items", type=bounded(0, 500), default=50, help="items per rush batch (0 skips)")
    add("--rush-threads", type=bounded(1, 64), default=16, help="client threads, rush (16)")
    add("--fsync", action="store_true", help="run the throwaway cluster with fsync on")
    add("--profile", action="store_true", help="profile the sync path per statement and phase")
    args = parser.parse_args(argv)
    if not args.single_items:
        args.single_clients = []
    return args


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    stop_on_sigterm()
    try:
        with local_stack(args.workers, fsync=args.fsync) as stack:
            print(f"Zhiwang sync benchmark against {stack.base_url}: gunicorn -w {args.workers}"
                  f" (started here), PostgreSQL fsync {'on' if args.fsync else 'off'},"
                  f" {os.cpu_count()} CPUs, load average {machine_load()} at the start")
            met = bench(stack, args)
            print(f"\nLoad average at the end: {machine_load()} (other processes share the"
                  " machine)")
    except KeyboardInterrupt:
        say("interrupted; everything started here has been stopped")
        sys.exit(130)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
