"""Benchmark: the grid API over HTTP, against a real server under gunicorn.

    .venv/bin/python bench/grids.py [--requests 200] [--warmup 20]
    .venv/bin/python bench/grids.py --database-url postgresql://…   # own gunicorn, given database
    .venv/bin/python bench/grids.py --url http://127.0.0.1:8000     # a running, seeded server

By default it starts everything itself and tears it all down at the end (also on Ctrl-C): a
throwaway PostGIS cluster (scripts/cluster.sh), `flask db upgrade`, `flask demo seed`, then
`gunicorn -w 2` on a free loopback port. Only loopback traffic; every count is bounded.

It prints:
  sizes     of `GET /api/v1/grids`, raw and gzipped (Accept-Encoding: gzip), for admin (all 450
            grids) at the default simplification, `?simplify=0` (exact) and `?simplify=30`,
            for a collector (its grid and neighbours) and a supervisor (its street);
  latency   median and p95 of N interleaved rounds (one request of each kind per round, after
            a warm-up) on one persistent http.client connection; when the server closes it
            (gunicorn's sync workers do after every response) the reconnect is made outside
            the timed span. Kinds: the full collection (gzip), its 304 (If-None-Match),
            locate at random points in the district's bbox (200 inside a grid and 404
            outside, reported apart), one grid by code; each against `GET /healthz` measured
            in the same rounds, the floor of one request through the stack (app, pool, one
            query);
  targets   next to each figure: all 450 grids at the default simplification under 100 KB
            gzipped; 304 and locate under 5 ms median.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from figures import percentile  # noqa: E402
from harness import Client, Reply, bounded, local_stack, say, sign_in, stop_on_sigterm  # noqa: E402

BBOX = (114.29, 22.62, 114.42, 22.77)  # lon_min, lat_min, lon_max, lat_max of the demo district
GZIP_TARGET_BYTES = 100 * 1024
FAST_TARGET_MS = 5.0
GRIDS = "/api/v1/grids"


# ------------------------------------------------------------------------------------ sizes

@dataclass
class Size:
    """One collection download: features, raw and gzipped bytes, first-fetch time."""

    label: str
    status: int
    features: int
    raw: int
    gzipped: int
    first_ms: float
    target: str = ""


def collection_size(client: Client, label: str, auth: dict[str, str], query: str = "") -> Size:
    """Fetch the collection once with Accept-Encoding: gzip and measure it."""
    reply = client.request("GET", GRIDS + query, {**auth, "Accept-Encoding": "gzip"})
    gzipped = reply.headers.get("Content-Encoding") == "gzip"
    raw = gzip.decompress(reply.body) if gzipped else reply.body
    features = len(json.loads(raw).get("features", [])) if reply.status == 200 else 0
    return Size(label, reply.status, features, len(raw),
                len(reply.body) if gzipped else len(gzip.compress(raw)), reply.seconds * 1e3)


def sizes(client: Client, tokens: dict[str, dict[str, str]]) -> list[Size]:
    """The collection sizes the brief asks for; the default-simplification one has a target."""
    admin = tokens["admin"]
    rows = [collection_size(client, "admin, default simplify", admin),
            collection_size(client, "admin, ?simplify=0 (exact)", admin, "?simplify=0"),
            collection_size(client, "admin, ?simplify=30", admin, "?simplify=30"),
            collection_size(client, "collector1 (grid+neighbours)", tokens["collector1"]),
            collection_size(client, "supervisor1 (its street)", tokens["supervisor1"])]
    first = rows[0]
    met = first.status == 200 and first.features == 450 and first.gzipped < GZIP_TARGET_BYTES
    first.target = f"450 grids < {GZIP_TARGET_BYTES // 1024} KB gz: {'MET' if met else 'MISSED'}"
    return rows


# ---------------------------------------------------------------------------------- latency

@dataclass
class Series:
    """Latencies (ms) of one kind of request with one response status."""

    label: str
    status: int
    ms: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        return percentile(self.ms, 0.95)


def interleaved(plan: list[tuple[str, Callable[[], Reply]]], count: int,
                warmup: int) -> list[Series]:
    """``warmup`` untimed rounds, then ``count`` timed rounds of one request of each kind, so that
    every kind (and the baseline) sees the same machine load; one series per kind and status."""
    for _ in range(warmup):
        for _, send in plan:
            send()
    by_kind: dict[tuple[int, int], Series] = {}
    for _ in range(count):
        for position, (label, send) in enumerate(plan):
            reply = send()
            by_kind.setdefault((position, reply.status), Series(label, reply.status)).ms.append(
                reply.seconds * 1e3)
    return [by_kind[key] for key in sorted(by_kind)]


def latencies(client: Client, admin: dict[str, str], codes: list[str], count: int,
              warmup: int) -> list[Series]:
    """Every timed request kind, /healthz first (the baseline)."""
    gz = {**admin, "Accept-Encoding": "gzip"}
    etag = client.request("GET", GRIDS, gz).headers.get("ETag", "")
    not_modified = {**gz, "If-None-Match": etag}
    rng = random.Random(2026)

    def locate() -> Reply:
        lon, lat = rng.uniform(BBOX[0], BBOX[2]), rng.uniform(BBOX[1], BBOX[3])
        query = urlencode({"lon": f"{lon:.6f}", "lat": f"{lat:.6f}"})
        return client.request("GET", f"{GRIDS}/locate?{query}", admin)

    def get(path: str, headers: dict[str, str]) -> Callable[[], Reply]:
        return lambda: client.request("GET", path, headers)

    return interleaved([
        ("GET /healthz (baseline)", get("/healthz", {})),
        ("GET /grids, admin, gzip", get(GRIDS, gz)),
        ("GET /grids, If-None-Match", get(GRIDS, not_modified)),
        ("GET /grids/locate, random", locate),
        ("GET /grids/{code}, admin",
         lambda: client.request("GET", f"{GRIDS}/{rng.choice(codes)}", admin)),
    ], count, warmup)


def target_of(series: Series) -> str:
    """The target a series is held to, with its verdict; '' when none applies."""
    if "If-None-Match" in series.label and series.status != 304:
        return "expected 304: WRONG"
    if "If-None-Match" in series.label or "locate" in series.label:
        verdict = "MET" if series.median < FAST_TARGET_MS else "MISSED"
        return f"median < {FAST_TARGET_MS:g} ms: {verdict}"
    return ""


# ---------------------------------------------------------------------------------- printing

def print_sizes(rows: list[Size]) -> None:
    """The size table; '1st ms' is the first fetch (one worker builds and caches the body)."""
    print(f"\nSizes of GET {GRIDS} (Accept-Encoding: gzip)")
    print(f"  {'who, query':<30} {'status':>6} {'grids':>5} {'raw KB':>8} {'gzip KB':>8}"
          f" {'1st ms':>7}  target")
    for r in rows:
        print(f"  {r.label:<30} {r.status:>6} {r.features:>5} {r.raw / 1024:>8.1f}"
              f" {r.gzipped / 1024:>8.1f} {r.first_ms:>7.1f}  {r.target}")


def print_latencies(series: list[Series], count: int, warmup: int, connects: int) -> None:
    """The latency table, each median also as a multiple of the /healthz median."""
    baseline = series[0].median
    print(f"\nLatency in ms: {count} rounds of one request per kind, interleaved, after {warmup}"
          f" warm-up rounds; one client; load average now {os.getloadavg()[0]:.2f}")
    if connects > 1:
        print(f"  (the server closed the connection after responses: {connects} reconnects,"
              " each made outside the timed span)")
    print(f"  {'request':<32} {'status':>6} {'n':>4} {'median':>7} {'p95':>7} {'x healthz':>9}"
          "  target")
    for s in series:
        print(f"  {s.label:<32} {s.status:>6} {len(s.ms):>4} {s.median:>7.2f} {s.p95:>7.2f}"
              f" {s.median / baseline:>9.1f}  {target_of(s)}")


# ---------------------------------------------------------------------------------- main

def bench(base: str, count: int, warmup: int) -> None:
    """Sign in, then measure and print sizes and latencies."""
    client = Client(base)
    tokens = {user: sign_in(client, user) for user in ("admin", "collector1", "supervisor1")}
    size_rows = sizes(client, tokens)
    print_sizes(size_rows)
    full = json.loads(client.request("GET", GRIDS, tokens["admin"]).body)
    codes = [feature["id"] for feature in full["features"]]
    client.connects = 0
    series = latencies(client, tokens["admin"], codes, count, warmup)
    print_latencies(series, count, warmup, client.connects)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="bench this running, seeded loopback server instead")
    parser.add_argument("--database-url", help="start gunicorn on this database (no cluster)")
    parser.add_argument("--requests", type=bounded(1, 5000), default=200, metavar="N",
                        help="timed requests per kind (1-5000, default 200)")
    parser.add_argument("--warmup", type=bounded(0, 500), default=20, metavar="N",
                        help="untimed requests per kind first (0-500, default 20)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    """Bench the given server, or one started here and always torn down."""
    args = parse_args(argv)
    stop_on_sigterm()  # finally blocks run on SIGTERM too
    try:
        if args.url:
            print(f"Zhiwang grid benchmark against {args.url}")
            bench(args.url.rstrip("/"), args.requests, args.warmup)
            return
        with local_stack(workers=2, database_url=args.database_url) as stack:
            print(f"Zhiwang grid benchmark against {stack.base_url} (gunicorn -w 2, started here)")
            bench(stack.base_url, args.requests, args.warmup)
    except KeyboardInterrupt:
        say("interrupted; everything started here has been stopped")
        sys.exit(130)


if __name__ == "__main__":
    main(sys.argv[1:])
