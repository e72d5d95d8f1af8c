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
import http.client
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NoReturn
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
CLUSTER = ROOT / "scripts" / "cluster.sh"
DEMO_PASSWORD = os.environ.get("ZHIWANG_DEMO_PASSWORD", "zhiwang-demo")
BBOX = (114.29, 22.62, 114.42, 22.77)  # lon_min, lat_min, lon_max, lat_max of the demo district
GZIP_TARGET_BYTES = 100 * 1024
FAST_TARGET_MS = 5.0
GRIDS = "/api/v1/grids"


# ---------------------------------------------------------------------------- the server stack

@contextmanager
def local_stack(database_url: str | None) -> Iterator[str]:
    """A seeded server under gunicorn (on a throwaway cluster unless given a database)."""
    with ExitStack() as stack:
        if database_url is None:
            database_url = stack.enter_context(throwaway_cluster())
        env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi",
               "ZHIWANG_JWT_KEYS": json.dumps({"bench": secrets.token_urlsafe(36)})}
        for step in (["db", "upgrade"], ["demo", "seed"]):
            say(f"flask {' '.join(step)} …")
            run([str(VENV_BIN / "flask"), "--app", "wsgi", *step], env)
        yield stack.enter_context(gunicorn(env))


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """A private PostGIS cluster in a temporary directory; yields its DATABASE_URL."""
    directory = tempfile.mkdtemp(prefix="zhiwang-bench-grids.")
    try:
        say(f"PostGIS cluster in {directory} …")
        url = run([str(CLUSTER), "start", directory, str(free_port())],
                  {**os.environ, "PG_FSYNC": "off"}).strip().splitlines()[-1]
        yield url
    finally:
        subprocess.run([str(CLUSTER), "stop", directory], check=False)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[str]:
    """`gunicorn -w 2` on a free loopback port; yields its base URL once /healthz answers."""
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, process, log)
            yield base
        finally:
            stop(process)


def wait_healthy(base: str, process: subprocess.Popen[bytes], log: IO[str],
                 timeout: float = 60) -> None:
    """Poll /healthz until it answers 200; fail with gunicorn's log if it dies or never does."""
    deadline, probe = time.monotonic() + timeout, Client(base)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"gunicorn exited with {process.returncode}:\n{tail(log)}")
        try:
            if probe.request("GET", "/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    fail(f"gunicorn did not become healthy in {timeout:.0f} s:\n{tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process we started: SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(command: list[str], env: dict[str, str]) -> str:
    """Run a command in the checkout; its stdout, or fail with its output."""
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"{' '.join(command)} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tail(log: IO[str], lines: int = 40) -> str:
    """The last lines of a log file."""
    log.seek(0)
    return "".join(log.readlines()[-lines:])


# ---------------------------------------------------------------------------------- the client

@dataclass
class Reply:
    """One response: status, headers, body and the time from sending to the last byte."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float


class Client:
    """One persistent HTTP/1.1 connection to a loopback server."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            fail(f"only a loopback http:// server may be benched, not {base_url}")
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
        self.connects = 0

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> Reply:
        """Send one request; a (re)connection, when needed, happens before the clock starts."""
        for attempt in (1, 2):
            if self.connection.sock is None:
                self.connection.connect()
                self.connects += 1
            try:
                return self._timed(method, path, headers or {}, body)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # an idle keep-alive connection the server dropped
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _timed(self, method: str, path: str, headers: dict[str, str],
               body: bytes | None) -> Reply:
        start = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return Reply(response.status, response.headers, data, time.perf_counter() - start)


def sign_in(client: Client, username: str) -> dict[str, str]:
    """The Authorization header of a fresh access token for a demo user."""
    body = json.dumps({"username": username, "password": DEMO_PASSWORD}).encode()
    reply = client.request("POST", "/api/v1/auth/token", {"Content-Type": "application/json"},
                           body)
    if reply.status != 200:
        fail(f"sign-in as {username} → {reply.status}: {reply.body[:300]!r}")
    return {"Authorization": f"Bearer {json.loads(reply.body)['access_token']}"}


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
        ordered = sorted(self.ms)
        return ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]  # nearest-rank


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


def bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high] (request counts stay bounded)."""
    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}-{high}")
        return number
    return parse


def main(argv: list[str]) -> None:
    """Bench the given server, or one started here and always torn down."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # finally blocks run on SIGTERM too
    try:
        if args.url:
            print(f"Zhiwang grid benchmark against {args.url}")
            bench(args.url.rstrip("/"), args.requests, args.warmup)
            return
        with local_stack(args.database_url) as base:
            print(f"Zhiwang grid benchmark against {base} (gunicorn -w 2, started here)")
            bench(base, args.requests, args.warmup)
    except KeyboardInterrupt:
        say("interrupted; everything started here has been stopped")
        sys.exit(130)


def say(message: str) -> None:
    """A progress line on stderr."""
    sys.stdout.flush()
    print(f"· {message}", file=sys.stderr, flush=True)


def fail(message: str) -> NoReturn:
    """Stop with a message (a SystemExit, so every finally block still runs)."""
    raise SystemExit(f"bench/grids.py: {message}")


if __name__ == "__main__":
    main(sys.argv[1:])
