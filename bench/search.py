"""Benchmark: record search over HTTP on a district-sized resident database (1,000,000 people).

    .venv/bin/python bench/search.py [--residents 1000000] [--queries 200] [--warmup 30]
                                     [--workers 2] [--no-versions] [--budget 30] [--explain]
                                     [--warm-rounds 8]
    .venv/bin/python bench/search.py --residents 50000 --queries 50 --warmup 10   # a quick run

It starts everything itself and tears it all down at the end (also on an error, Ctrl-C or
SIGTERM), through bench/harness.py: a throwaway PostGIS cluster (fsync off), `flask db upgrade`,
`flask demo seed` (450 grids; admin, viewer1, supervisor1…6, collector1…450), `gunicorn -w 2`.
Only loopback traffic; every count is bounded.

seed      --residents synthetic residents (people.py) by COPY, written as the app would, the
          search columns computed by the server's own functions (search_seed.py).
measure   over HTTP, as viewer1 (whole district, sensitive fields masked) and as supervisor1
          (its street's grids), `GET /api/v1/records?q=…` for each query type
          (search_workload.py: exact name, prefixes, infixes, ID card, phone, misses), in
          --warmup then --queries interleaved rounds with GET /healthz as the floor, each
          answer checked (search_latency.py); a type stops after --budget seconds.
report    p50 / p95 / max ms per type, results per query, each as a multiple of /healthz's;
          target p95 < 20 ms for every type (exit status 1 when one misses). For every type that
          misses, or every type with --explain, its slowest query is replayed in-process with
          its plans (search_explain.py).
Progress goes to stderr, figures to stdout.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import psycopg  # noqa: E402

from figures import machine_load  # noqa: E402
from harness import (  # noqa: E402
    Client, Stack, bounded, local_stack, say, sign_in, stop_on_sigterm)
from search_latency import TARGET_P95_MS, User, measure, print_latency, print_workload  # noqa: E402
from search_seed import print_seeding, seed_residents  # noqa: E402
from search_workload import common_given, supervised_grids, workload  # noqa: E402

VIEWER, SUPERVISOR = "viewer1", "supervisor1"


def users_and_queries(stack: Stack, client: Client, queries: int,
                      seed: int) -> tuple[list[User], dict[str, str]]:
    """The two users, signed in, with their query types; a note on common given names each."""
    users: list[User] = []
    notes: dict[str, str] = {}
    for name, scope in ((VIEWER, None),
                        (SUPERVISOR, supervised_grids(stack.database_url, SUPERVISOR))):
        types = workload(stack.database_url, scope, queries, seed)
        users.append(User(name, sign_in(client, name), types, scope))
        with psycopg.connect(stack.database_url) as connection:
            notes[name] = ", ".join(f"{g} {n}" for g, n in common_given(connection, scope, 2, 5))
    return users, notes


def bench(stack: Stack, args: argparse.Namespace) -> bool:
    """Seed, measure, report; whether every query type met its target."""
    say(f"seeding {args.residents:,} residents …")
    print_seeding(seed_residents(stack.database_url, args.residents, args.chunk,
                                 not args.no_versions, args.seed))
    say("choosing queries …")
    client = Client(stack.base_url)
    try:
        users, notes = users_and_queries(stack, client, args.queries, args.seed)
        print_workload(users, notes)
        floor, series = measure(client, users, args.warmup, args.queries, args.budget)
    finally:
        client.close()
    missed = print_latency(floor, series, args.residents)
    to_explain = [s for s in series if s.ms] if args.explain else missed
    if to_explain:
        from search_explain import print_replays, replay_all
        print_replays(replay_all(stack, users, to_explain, args.warm_rounds), args.warm_rounds)
    print("\nSummary: " + (f"every query type met p95 < {TARGET_P95_MS:.0f} ms" if not missed
                           else f"MISSED p95 < {TARGET_P95_MS:.0f} ms: " + ", ".join(
                               f"{s.user}/{s.kind.label}" for s in missed)))
    return not missed


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--residents", type=bounded(1000, 5_000_000), default=1_000_000,
        help="synthetic residents to seed (1000000)")
    add("--chunk", type=bounded(1000, 500_000), default=100_000, help="rows per COPY + INSERT")
    add("--no-versions", action="store_true", help="do not write record_versions rows")
    add("--queries", type=bounded(1, 5000), default=200, help="timed queries per type (200)")
    add("--warmup", type=bounded(0, 1000), default=30, help="warm-up rounds (30)")
    add("--workers", type=bounded(1, 16), default=2, help="gunicorn workers (2)")
    add("--budget", type=float, default=30, help="seconds of timed queries per type at most")
    add("--explain", action="store_true", help="explain every type, not only those that miss")
    add("--warm-rounds", type=bounded(0, 100), default=8,
        help="rounds of the mix that warm the explaining connection (8)")
    add("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    stop_on_sigterm()
    try:
        with local_stack(workers=args.workers) as stack:
            print(f"Zhiwang search benchmark against {stack.base_url}: gunicorn -w {args.workers}"
                  f" (started here), load average {machine_load()} at the start")
            met = bench(stack, args)
            print(f"\nLoad average at the end: {machine_load()} (other processes share the"
                  " machine)")
    except KeyboardInterrupt:
        say("interrupted; everything started here has been stopped")
        sys.exit(130)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
