"""Benchmark: the event board over HTTP on a year of events (100,000 by default).

    .venv/bin/python bench/events.py [--events 100000] [--queries 200] [--warmup 20] [--workers 2]
    .venv/bin/python bench/events.py --events 10000 --queries 50    # a quick run

Starts everything itself through bench/harness.py (a throwaway PostGIS cluster, `flask db
upgrade`, `flask demo seed` with its departments and the event standard, `gunicorn -w 2`) and
tears it all down at the end. Only loopback traffic; every count is bounded.

seed      --events event records spread over the last 365 days and the district's grids, with
          their workflow rows and history (report, dispatch, handle, close) written by SQL in a
          few set-based statements: ~90% of those older than a week closed, the rest open in
          every open state, some overdue.
measure   interleaved rounds of GET /healthz (the floor) and each board query: open events by
          state, overdue, a department's board, per-department monthly figures for a year, as
          admin (the district), supervisor1 (its street) and urban1 (its department).
report    p50 / p95 / max ms per query and as a multiple of /healthz; target p95 < 50 ms.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import psycopg  # noqa: E402

from events_seed import seed_events  # noqa: E402
from figures import Spread, Target, machine_load, print_summary, print_table, ratio  # noqa: E402
from harness import Client, bounded, local_stack, say, sign_in, stop_on_sigterm  # noqa: E402

TARGET_P95_MS = 50.0
# (label, user, path): the board's queries as the console asks them.
QUERIES = [
    ("open, all states", "admin", "/api/v1/events"),
    ("dispatched", "admin", "/api/v1/events?state=dispatched"),
    ("overdue", "admin", "/api/v1/events?overdue=true"),
    ("open, one street", "supervisor1", "/api/v1/events"),
    ("overdue, one street", "supervisor1", "/api/v1/events?overdue=true"),
    ("category class", "admin", "/api/v1/events?category=env"),
    ("department board", "urban1", "/api/v1/events"),
    ("monthly figures, all", "admin", "/api/v1/events/performance"),
    ("monthly figures, dept", "urban1", "/api/v1/events/performance"),
]


def measure(client: Client, warmup: int, rounds: int) -> tuple[list[float], dict[str, list[float]]]:
    """Interleaved rounds: /healthz, then every query once; warm-up rounds are not kept."""
    auth = {user: sign_in(client, user) for user in {q[1] for q in QUERIES}}
    floor: list[float] = []
    series: dict[str, list[float]] = {label: [] for label, _, _ in QUERIES}
    for n in range(warmup + rounds):
        reply = client.request("GET", "/healthz")
        keep = n >= warmup
        if keep:
            floor.append(reply.seconds * 1e3)
        for label, user, path in QUERIES:
            reply = client.request("GET", path, auth[user])
            if reply.status != 200:
                raise SystemExit(f"{label}: HTTP {reply.status} {reply.body[:300]!r}")
            if keep:
                series[label].append(reply.seconds * 1e3)
    return floor, series


def report(floor: list[float], series: dict[str, list[float]]) -> bool:
    """The latency table and the summary against the target; whether every query met it."""
    base = Spread.of(floor)
    rows = [["GET /healthz", base.n, f"{base.p50:.1f}", f"{base.p95:.1f}", f"{base.max:.1f}", "1.00×"]]
    targets = []
    for label, values in series.items():
        s = Spread.of(values)
        rows.append([label, s.n, f"{s.p50:.1f}", f"{s.p95:.1f}", f"{s.max:.1f}", ratio(s.p95, base.p95)])
        targets.append(Target(label, f"p95 {s.p95:.1f} ms", f"< {TARGET_P95_MS:.0f} ms",
                              s.p95 < TARGET_P95_MS))
    print_table("Latency over HTTP (ms)", ["query", "n", "p50", "p95", "max", "p95 × healthz"], rows)
    return print_summary(targets)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--events", type=bounded(100, 2_000_000), default=100_000, help="events to seed (100000)")
    add("--queries", type=bounded(1, 5000), default=200, help="timed rounds (200)")
    add("--warmup", type=bounded(0, 1000), default=20, help="warm-up rounds (20)")
    add("--workers", type=bounded(1, 16), default=2, help="gunicorn workers (2)")
    add("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    stop_on_sigterm()
    with local_stack(workers=args.workers) as stack:
        print(f"Zhiwang event board benchmark against {stack.base_url}: gunicorn -w {args.workers}, "
              f"load average {machine_load()} at the start")
        say(f"seeding {args.events:,} events …")
        with psycopg.connect(stack.database_url) as connection:
            print_table("Seeded", ["table", "rows", "seconds"], seed_events(connection, args.events, args.seed))
        client = Client(stack.base_url)
        try:
            floor, series = measure(client, args.warmup, args.queries)
        finally:
            client.close()
        met = report(floor, series)
        print(f"\nLoad average at the end: {machine_load()} (other processes share the machine)")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
