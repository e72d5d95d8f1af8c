"""Benchmark: the HTTP sync path against the raw PostgreSQL ceiling, and a morning rush.

    .venv/bin/python bench/sync.py [--items 20000] [--batch 200] [--rounds 3] [--threads 4]
                                   [--workers 4] [--rush-threads 16] [--profile]

It starts everything itself and tears it all down at the end (also on an error, Ctrl-C or
SIGTERM): a throwaway PostGIS cluster (scripts/cluster.sh), `flask db upgrade`, `flask demo
seed` (450 grids, collector1…collector450 each the primary of the N-th grid by code), then
`gunicorn -w 4` on a free loopback port. Only loopback traffic; every count is bounded.

It measures, every item a valid resident create (unique ID card) at a random point inside the
sending collector's own grid (ST_GeneratePoints on its boundary):
  http      POST /api/v1/sync/batches: --items per round in batches of --batch, spread over
            --collectors collectors and sent by --threads client threads, each with its own
            persistent http.client connection (gunicorn's sync workers close it after every
            response; the reconnect is made off the clock). Every item must come back
            `merged`: anything else, and any non-200, counts as an error.
  raw       the same writes straight through psycopg, one statement per batch, same threads:
            a CTE chain from unnest() arrays that inserts the batch row, the raw submissions
            (status merged, with result and point), checks every point against the collector's
            assigned grids (ST_Intersects on the GiST-indexed grids.boundary), inserts the
            records (version 1, change_xid, and the search columns when the schema has
            them) and their first record_versions, and one audit row, as the app does. It is
            the ceiling the HTTP path is compared to.
            Rounds alternate http, raw, http, raw… with fresh items, so both see the same
            table sizes; the median round of each is reported, and the ratio http/raw.
  rush      a morning rush: all 450 collectors send one 50-item batch at once through
            --rush-threads client threads (tokens signed in beforehand, off the clock):
            p50/p95/max batch latency, wall time, items/s, errors.
  profile   when http/raw misses its target (or with --profile): batches through the app
            in-process (Flask test client, same database), one at a time: first the time in
            each SQL statement (alternating with the raw statement on batches of the same
            size), then under cProfile, the time per phase of the sync and per package
            (psycopg's share is mostly time waiting for PostgreSQL).
A summary table with targets closes the output (exit status 1 when one is missed). Progress
goes to stderr, figures to stdout.
"""
from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import math
import os
import pstats
import random
import statistics
import sys
import sysconfig
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Generic, TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import psycopg  # noqa: E402

from harness import (  # noqa: E402
    DEMO_PASSWORD, Client, Stack, local_stack, say, sign_in, stop_on_sigterm)
from server.domain.id_card import check_character  # noqa: E402

SYNC = "/api/v1/sync/batches"
RATIO_TARGET = 0.5
RUSH_COLLECTORS = 450
POINTS_PER_GRID = 64
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰红建国志海文斌波宇浩晨欣怡"
J = TypeVar("J")
R = TypeVar("R")
C = TypeVar("C")


# ---------------------------------------------------------------------------------- the items

@dataclass
class Collector:
    """A demo collector: its user id, grid, points inside that grid, and a token once signed in."""

    username: str
    user_id: int
    grid_code: str
    points: list[tuple[float, float]]
    auth: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    """One upload: who sends it, its body as the phone sends it, and its item count."""

    collector: Collector
    body: dict[str, Any]
    encoded: bytes

    @property
    def size(self) -> int:
        return len(self.body["items"])


class Residents:
    """Valid resident items; every one has an ID card never used before in this run."""

    def __init__(self, seed: int = 2026) -> None:
        self.serials = itertools.count(1)
        self.rng = random.Random(seed)

    def item(self, point: tuple[float, float], captured_at: str) -> dict[str, Any]:
        id_card, born, gender = self.id_card(next(self.serials))
        given = self.rng.choices(GIVEN, k=self.rng.randint(1, 2))
        name = self.rng.choice(SURNAMES) + "".join(given)
        data = {"name": name, "id_card": id_card, "gender": gender, "birth_date": born,
                "household_type": "registered", "ethnicity": "01",
                "phone": f"139{self.rng.randrange(10**8):08d}",
                "hukou_address": "广东省深圳市坪山区", "residence_type": "own",
                "current_address": f"坪山区坑梓街道秀新社区新桥围二巷{self.rng.randint(1, 99)}号"}
        return {"id": str(uuid.uuid4()), "form": "resident", "form_version": 1,
                "captured_at": captured_at,
                "location": {"lon": point[0], "lat": point[1], "accuracy_m": 5}, "data": data}

    @staticmethod
    def id_card(serial: int) -> tuple[str, str, str]:
        """A valid, unique ID number for a serial, with its birth date and gender."""
        born = date(1960, 1, 1) + timedelta(days=serial // 1000)
        sequence = serial % 1000
        first_17 = f"440310{born:%Y%m%d}{sequence:03d}"
        return first_17 + check_character(first_17), born.isoformat(), "1" if sequence % 2 else "2"

    def batch(self, collector: Collector, size: int) -> Batch:
        """A batch of ``size`` creates from points of the collector's grid."""
        captured_at = datetime.now(timezone.utc).isoformat()
        items = [self.item(self.rng.choice(collector.points), captured_at) for _ in range(size)]
        body = {"batch_id": str(uuid.uuid4()), "device_id": f"phone-{collector.username}",
                "items": items}
        return Batch(collector, body, json.dumps(body, ensure_ascii=False).encode())

    def batches(self, collectors: list[Collector], items: int, size: int) -> list[Batch]:
        """``items`` items in batches of ``size``, the collectors taking turns."""
        counts = [size] * (items // size) + ([items % size] if items % size else [])
        return [self.batch(collectors[i % len(collectors)], n) for i, n in enumerate(counts)]


def load_collectors(database_url: str, seed: int = 7) -> list[Collector]:
    """Every demo collector with random points inside its primary grid, by collector number."""
    rows = query(database_url, """
        SELECT u.username, u.id, g.code, array_agg(ST_X(p.geom)), array_agg(ST_Y(p.geom))
          FROM users u
          JOIN assignments a ON a.user_id = u.id AND a.kind = 'primary'
          JOIN grids g ON g.id = a.grid_id
         CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(g.boundary, %(n)s, %(seed)s)) AS p
         WHERE u.username ~ '^collector[0-9]+$'
         GROUP BY u.username, u.id, g.code""", {"n": POINTS_PER_GRID, "seed": seed})
    collectors = [Collector(name, user_id, code, list(zip(lons, lats)))
                  for name, user_id, code, lons, lats in rows]
    return sorted(collectors, key=lambda c: int(c.username.removeprefix("collector")))


def query(database_url: str, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql, params).fetchall()


# ------------------------------------------------------------------------- running in threads

class Concurrent(Generic[C, J, R]):
    """Run jobs on ``threads`` threads, each with its own connection; time only the work."""

    def __init__(self, threads: int, connect: Callable[[], C], work: Callable[[C, J], R],
                 close: Callable[[C], None]) -> None:
        self.threads, self.connect, self.work, self.close = threads, connect, work, close

    def run(self, jobs: list[J]) -> tuple[list[R], float]:
        """Results in job order, and the wall time from the first job to the last result."""
        results: list[R | None] = [None] * len(jobs)
        queue = iter(enumerate(jobs))
        lock = threading.Lock()
        ready = threading.Barrier(self.threads + 1)
        failures: list[BaseException] = []

        def loop() -> None:
            try:
                connection = self.connect()
            except BaseException as problem:  # reported by the main thread
                failures.append(problem)
                ready.abort()
                return
            try:
                ready.wait()
                while (job := _next(queue, lock)) is not None:
                    results[job[0]] = self.work(connection, job[1])
            except BaseException as problem:
                failures.append(problem)
            finally:
                self.close(connection)

        workers = [threading.Thread(target=loop, daemon=True) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            pass  # a thread could not connect: its failure is raised below
        start = time.perf_counter()
        for worker in workers:
            worker.join()
        seconds = time.perf_counter() - start
        if failures:
            raise failures[0]
        return results, seconds  # type: ignore[return-value]


def _next(queue: Iterator[tuple[int, J]], lock: threading.Lock) -> tuple[int, J] | None:
    with lock:
        return next(queue, None)


# ------------------------------------------------------------------------------ the HTTP path

@dataclass
class Outcome:
    """What came back for one batch."""

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

    def statuses(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for outcome in self.outcomes:
            total.update(outcome.statuses)
        return total


def post_batch(client: Client, batch: Batch) -> tuple[int, bytes, float]:
    headers = {**batch.collector.auth, "Content-Type": "application/json"}
    reply = client.request("POST", SYNC, headers, batch.encoded)
    return reply.status, reply.body, reply.seconds


def outcome_of(batch: Batch, status: int, body: bytes, seconds: float) -> Outcome:
    """Check a reply: 200, one result per item in order, each merged."""
    statuses: Counter[str] = Counter()
    if status != 200:
        statuses[f"HTTP {status}"] = batch.size
        return Outcome(batch.size, 0, statuses, status, seconds)
    results = json.loads(body).get("results", [])
    expected = [item["id"] for item in batch.body["items"]]
    if [r.get("id") for r in results] != expected:
        statuses["results do not match the items"] = batch.size
        return Outcome(batch.size, 0, statuses, status, seconds)
    statuses.update(r.get("status", "?") for r in results)
    return Outcome(batch.size, statuses["merged"], statuses, status, seconds)


def http_sender(base_url: str, threads: int) -> Concurrent[Client, Batch, tuple[int, bytes, float]]:
    return Concurrent(threads, lambda: Client(base_url), post_batch, Client.close)


def http_round(base_url: str, batches: list[Batch], threads: int, label: str) -> Round:
    """Send the batches; verify every reply after the clock stops."""
    replies, seconds = http_sender(base_url, threads).run(batches)
    outcomes = [outcome_of(b, *reply) for b, reply in zip(batches, replies)]
    return Round(label, outcomes, seconds)


def sign_in_all(base_url: str, collectors: list[Collector], threads: int) -> None:
    """A fresh access token for each collector (argon2: ~50 ms each, so in parallel)."""
    def work(client: Client, collector: Collector) -> None:
        collector.auth = sign_in(client, collector.username)
    Concurrent(threads, lambda: Client(base_url), work, Client.close).run(collectors)


# ------------------------------------------------------------------------------- the raw path

def raw_sql(search_columns: bool) -> str:
    """One statement per batch: batch, submissions, point-in-grid, records, versions, audit."""
    search_target = ", search_name, search_keys" if search_columns else ""
    search_values = (", l.raw->'data'->>'name', array_remove(ARRAY[l.raw->'data'->>'id_card', "
                     "l.raw->'data'->>'phone'], NULL)") if search_columns else ""
    return f"""
WITH item AS (
    SELECT * FROM unnest(%(ids)s::uuid[], %(record_ids)s::uuid[], %(raws)s::text[]::jsonb[],
                         %(lons)s::float8[], %(lats)s::float8[], %(ats)s::timestamptz[])
                  AS t(id, record_id, raw, lon, lat, at)),
batch AS (
    INSERT INTO batches (id, device_id, collector_id, item_ids, raw)
    VALUES (%(batch_id)s, %(device)s, %(collector)s, %(ids)s::uuid[], %(envelope)s::jsonb)
    RETURNING id),
located AS (
    SELECT item.*, ST_SetSRID(ST_MakePoint(item.lon, item.lat), 4326) AS geom, own.grid_id
      FROM item CROSS JOIN LATERAL (
           SELECT g.id AS grid_id FROM assignments a JOIN grids g ON g.id = a.grid_id
            WHERE a.user_id = %(collector)s AND a.kind IN ('primary', 'roving')
              AND a.valid_from <= item.at AND (a.valid_to IS NULL OR a.valid_to > item.at)
              AND ST_Intersects(g.boundary, ST_SetSRID(ST_MakePoint(item.lon, item.lat), 4326))
            ORDER BY g.code LIMIT 1) AS own),
submission AS (
    INSERT INTO submissions (id, batch_id, device_id, collector_id, raw, content_sha256, form_id,
                             form_version, record_id, branch, captured_at, point, status, result,
                             processed_at)
    SELECT l.id, (SELECT id FROM batch), %(device)s, %(collector)s, l.raw,
           encode(sha256(convert_to(l.raw::text, 'UTF8')), 'hex'), l.raw->>'form',
           (l.raw->>'form_version')::int, l.record_id, %(device)s, l.at, l.geom,
           'merged'::submission_status,
           jsonb_build_object('id', l.id, 'status', 'merged', 'record_id', l.record_id,
                              'version', 1), now()
      FROM located l
    RETURNING id),
record AS (
    INSERT INTO records (id, kind, key, form_id, form_version, grid_id, geometry, data, version,
                         created_by_id, updated_by_id, change_xid{search_target})
    SELECT l.record_id, 'resident', l.raw->'data'->>'id_card', l.raw->>'form',
           (l.raw->>'form_version')::int, l.grid_id, l.geom, l.raw->'data', 1,
           %(collector)s, %(collector)s, pg_current_xact_id()::text::bigint{search_values}
      FROM located l ORDER BY 2, 3
    ON CONFLICT DO NOTHING
    RETURNING id),
version AS (
    INSERT INTO record_versions (record_id, version, data, grid_id, geometry, form_id,
                                 form_version, made_by_id, submission_id, branch, changed_fields)
    SELECT l.record_id, 1, l.raw->'data', l.grid_id, l.geom, l.raw->>'form',
           (l.raw->>'form_version')::int, %(collector)s, l.id, %(device)s,
           (SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys(l.raw->'data') AS k)
      FROM located l JOIN record r ON r.id = l.record_id
    RETURNING record_id),
audit AS (
    INSERT INTO audit_log (action, actor_id, subject, details)
    SELECT 'sync_batch', %(collector)s, %(batch_id)s::text,
           jsonb_build_object('counts', jsonb_build_object('merged', count(*)),
                              'merged', jsonb_agg(record_id::text || '@1'),
                              'conflicts', '[]'::jsonb)
      FROM version
    RETURNING id)
SELECT (SELECT count(*) FROM submission), (SELECT count(*) FROM version),
       (SELECT count(*) FROM audit)"""


def raw_params(batch: Batch) -> dict[str, Any]:
    """The statement's parameters for a batch (built before the clock starts)."""
    items = batch.body["items"]
    return {"batch_id": batch.body["batch_id"], "device": batch.body["device_id"],
            "collector": batch.collector.user_id,
            "envelope": json.dumps({k: v for k, v in batch.body.items() if k != "items"}),
            "ids": [uuid.UUID(i["id"]) for i in items],
            "record_ids": [uuid.uuid4() for _ in items],
            "raws": [json.dumps(i, ensure_ascii=False) for i in items],
            "lons": [i["location"]["lon"] for i in items],
            "lats": [i["location"]["lat"] for i in items],
            "ats": [datetime.fromisoformat(i["captured_at"]) for i in items]}


def has_search_columns(database_url: str) -> bool:
    """Whether records has the search columns the app fills (migration 0005 on)."""
    return bool(query(database_url, """
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'records' AND column_name = 'search_keys'"""))


def raw_round(database_url: str, batches: list[Batch], threads: int, sql: str,
              label: str) -> Round:
    """The same writes through psycopg, one statement and one commit per batch."""
    jobs = [(b, raw_params(b)) for b in batches]

    def work(connection: psycopg.Connection[Any], job: tuple[Batch, dict[str, Any]]) -> Outcome:
        return raw_write(connection, sql, *job)

    outcomes, seconds = Concurrent(threads, lambda: psycopg.connect(database_url), work,
                                   lambda c: c.close()).run(jobs)
    return Round(label, outcomes, seconds)


def raw_write(connection: psycopg.Connection[Any], sql: str, batch: Batch,
              params: dict[str, Any]) -> Outcome:
    """One batch written and committed; merged = record versions written."""
    start = time.perf_counter()
    _, versions, _ = connection.execute(sql, params).fetchone()  # type: ignore[misc]
    connection.commit()
    statuses = Counter({"merged": versions, "not merged": batch.size - versions})
    return Outcome(batch.size, versions, +statuses, 200, time.perf_counter() - start)


# ---------------------------------------------------------------------------------- the rush

def rush(base_url: str, collectors: list[Collector], residents: Residents, size: int,
         threads: int) -> Round:
    """Every collector sends one batch at once, through a bounded number of connections."""
    say(f"signing in {len(collectors)} collectors (off the clock) …")
    sign_in_all(base_url, collectors, threads=8)
    batches = [residents.batch(c, size) for c in collectors]
    say(f"rush: {len(batches)} batches of {size} through {threads} connections …")
    return http_round(base_url, batches, threads, "rush")


# ---------------------------------------------------------------------------------- profiling

PHASES = [  # (file suffix, function): the sync's phases, outermost first
    ("flask/app.py", "full_dispatch_request"), ("server/auth/current.py", "_authenticate"),
    ("server/json_strict.py", "loads_strict"), ("server/services/sync.py", "process_batch"),
    ("server/services/sync_intake.py", "check_batch_shape"),
    ("server/services/sync_intake.py", "receive_batch"),
    ("server/services/sync_prepare.py", "prepare_items"),
    ("server/domain/sync_item.py", "read_item"),
    ("server/domain/form_validation.py", "validate"),
    ("server/services/sync_location.py", "check_locations"),
    ("server/services/sync_merge.py", "merge_items"),
    ("server/services/sync_store.py", "insert_records"),
    ("server/services/sync_store.py", "flush"),
    ("server/services/sync.py", "_save_outcomes"), ("server/services/sync.py", "_audit"),
    ("sqlalchemy/orm/session.py", "commit"), ("flask/json/provider.py", "response"),
]


def profile_in_process(stack: Stack, collector: Collector, residents: Residents, size: int,
                       count: int, raw: str) -> None:
    """Batches through the app in this process, one at a time: first timed per SQL statement
    (alternating with the raw statement on the same batch size, for comparison), then under
    cProfile."""
    send, engine = in_process_sender(stack, collector)

    def fresh(n: int = count) -> list[Batch]:
        return [residents.batch(collector, size) for _ in range(n)]

    try:
        send(fresh(1))  # warm-up: imports, pool, caches
        app_seconds = raw_seconds = 0.0
        errors = 0
        with StatementTimer(engine) as timer, psycopg.connect(stack.database_url) as connection:
            for batch, twin in zip(fresh(), fresh()):
                seconds, failed = send([batch])
                app_seconds, errors = app_seconds + seconds, errors + failed
                raw_seconds += raw_write(connection, raw, twin, raw_params(twin)).seconds
        print_statements(timer, app_seconds, raw_seconds, count, size, errors)
        batches, profiler = fresh(), cProfile.Profile()
        profiler.enable()
        seconds, errors = send(batches)
        profiler.disable()
        print_profile(pstats.Stats(profiler), seconds, count, size, errors)
    finally:
        engine.dispose()


def in_process_sender(stack: Stack, collector: Collector
                      ) -> tuple[Callable[[list[Batch]], tuple[float, int]], Any]:
    """The app in this process, signed in as the collector: a function that sends batches one
    by one (returning seconds and errors), and the app's database engine."""
    from server import create_app
    from server.extensions import db
    keys = json.loads(stack.env["ZHIWANG_JWT_KEYS"])
    app = create_app({"DATABASE_URL": stack.database_url, "JWT_KEYS": keys})
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={
        "username": collector.username, "password": DEMO_PASSWORD}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def send(batches: list[Batch]) -> tuple[float, int]:
        errors, start = 0, time.perf_counter()
        for batch in batches:
            response = client.post(SYNC, data=batch.encoded, headers=headers)
            errors += outcome_of(batch, response.status_code, response.data, 0).errors
        return time.perf_counter() - start, errors

    with app.app_context():
        return send, db.engine


class StatementTimer:
    """Time spent in each SQL statement (parameters sent, PostgreSQL's work, rows back)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.totals: dict[str, list[float]] = {}
        self.started: dict[int, float] = {}

    def __enter__(self) -> StatementTimer:
        from sqlalchemy import event
        event.listen(self.engine, "before_cursor_execute", self.before)
        event.listen(self.engine, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *_: object) -> None:
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self.before)
        event.remove(self.engine, "after_cursor_execute", self.after)

    def before(self, _conn: Any, _cursor: Any, _sql: str, _params: Any, context: Any,
               _many: bool) -> None:
        self.started[id(context)] = time.perf_counter()

    def after(self, _conn: Any, _cursor: Any, sql: str, _params: Any, context: Any,
              many: bool) -> None:
        label = " ".join(sql.split())[:64] + (" [executemany]" if many else "")
        total = self.totals.setdefault(label, [0, 0.0])
        total[0] += 1
        total[1] += time.perf_counter() - self.started.pop(id(context))


def print_statements(timer: StatementTimer, seconds: float, raw_seconds: float, count: int,
                     size: int, errors: int) -> None:
    in_sql = sum(t for _, t in timer.totals.values())
    print(f"\nIn-process, one batch at a time ({count} batches of {size}, Flask test client,"
          f" no profiler): {seconds / count * 1e3:.1f} ms per batch, of which"
          f" {in_sql / count * 1e3:.1f} ms in SQL statements; errors {errors}")
    print(f"  the raw statement, alternating with those batches: {raw_seconds / count * 1e3:.1f}"
          " ms per batch, commit included")
    print("  ms per batch  runs  statement (time from execute to rows back, parameters included)")
    for label, (runs, total) in sorted(timer.totals.items(), key=lambda kv: -kv[1][1])[:12]:
        print(f"  {total / count * 1e3:12.1f} {runs / count:5.0f}  {label}")


def print_profile(stats: pstats.Stats, seconds: float, count: int, size: int,
                  errors: int) -> None:
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    table = stats.stats  # type: ignore[attr-defined]
    per_batch = 1e3 / count
    print(f"\nProfile: the same under cProfile (which slows Python down),"
          f" {seconds / count * 1e3:.0f} ms per batch, {count * size / seconds:.0f} items/s,"
          f" errors {errors}")
    print("  phase (cumulative ms per batch)")
    for suffix, name in PHASES:
        cumulative = sum(v[3] for (f, _, n), v in table.items()
                         if n == name and f.endswith(suffix))
        print(f"    {suffix.rsplit('/', 1)[-1] + ':' + name:<40} {cumulative * per_batch:8.1f}")
    print("  self time by package (ms per batch; psycopg's is mostly waiting for PostgreSQL)")
    groups: Counter[str] = Counter()
    for (filename, _, name), value in table.items():
        groups[package_of(filename, name)] += value[2]
    for group, total in groups.most_common(8):
        print(f"    {group:<40} {total * per_batch:8.1f}")
    print("  top functions by self time (ms per batch, calls per batch)")
    top = sorted(table.items(), key=lambda kv: kv[1][2], reverse=True)[:15]
    for (filename, line, name), value in top:
        where = f"{short_path(filename)}:{line}({name})" if line else name
        print(f"    {where[:70]:<70} {value[2] * per_batch:8.1f} {value[1] / count:8.0f}")


def package_of(filename: str, name: str) -> str:
    text = f"{filename} {name}"
    for marker, group in (("psycopg", "psycopg (and PostgreSQL)"), ("sqlalchemy", "sqlalchemy"),
                          ("/server/", "server (the app's own code)"), ("geoalchemy", "sqlalchemy"),
                          ("werkzeug", "flask/werkzeug"), ("flask", "flask/werkzeug"),
                          ("json", "json"), ("marshmallow", "marshmallow")):
        if marker in text:
            return group
    return "other (stdlib, builtins)"


def short_path(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/", sysconfig.get_paths()["stdlib"] + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# ---------------------------------------------------------------------------------- printing

def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * fraction) - 1)]


def print_round(r: Round) -> None:
    latencies = [o.seconds * 1e3 for o in r.outcomes]
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(r.statuses().items()))
    print(f"  {r.label:<10} {r.items:>7} {r.seconds:>8.2f} {r.per_second:>9.0f}"
          f" {statistics.median(latencies):>9.1f} {percentile(latencies, 0.95):>9.1f}"
          f" {r.errors:>6}  {statuses}")


def print_rounds(rounds: list[Round], threads: int, batch: int, collectors: int) -> None:
    print(f"\nThroughput: {threads} client threads, batches of {batch}, {collectors} collectors;"
          " rounds alternate, fresh items each")
    print(f"  {'round':<10} {'items':>7} {'seconds':>8} {'items/s':>9} {'batch p50':>9}"
          f" {'p95 ms':>9} {'errors':>6}  outcomes")
    for r in rounds:
        print_round(r)


def print_rush(r: Round) -> None:
    ms = [o.seconds * 1e3 for o in r.outcomes]
    non_200 = sum(1 for o in r.outcomes if o.http_status != 200)
    print(f"\nMorning rush: {len(r.outcomes)} collectors, one {r.outcomes[0].items}-item batch"
          " each, at once")
    print(f"  batch latency ms   p50 {percentile(ms, 0.5):.0f}   p95 {percentile(ms, 0.95):.0f}"
          f"   max {max(ms):.0f}")
    print(f"  wall {r.seconds:.2f} s   {r.per_second:.0f} items/s   errors {r.errors}"
          f" (non-200 batches {non_200})   outcomes: "
          + ", ".join(f"{k} {v}" for k, v in sorted(r.statuses().items())))


def median_rate(rounds: list[Round]) -> float:
    return statistics.median(r.per_second for r in rounds)


def print_summary(http: list[Round], raw: list[Round], rush_round: Round) -> bool:
    """The figures against their targets; whether every target is met."""
    http_rate, raw_rate = median_rate(http), median_rate(raw)
    ratio = http_rate / raw_rate
    http_errors = sum(r.errors for r in http)
    raw_errors = sum(r.errors for r in raw)
    rush_ms = [o.seconds * 1e3 for o in rush_round.outcomes]
    rows = [
        ("HTTP sync, items/s (median round)", f"{http_rate:.0f}", "", None),
        ("raw psycopg ceiling, items/s", f"{raw_rate:.0f}", "several thousand (DESIGN)", None),
        ("HTTP / raw", f"{ratio:.0%}", f">= {RATIO_TARGET:.0%}", ratio >= RATIO_TARGET),
        ("HTTP items not merged", str(http_errors), "0", http_errors == 0),
        ("raw items not merged", str(raw_errors), "0", raw_errors == 0),
        ("rush batch latency p50 / p95 / max ms",
         f"{percentile(rush_ms, .5):.0f} / {percentile(rush_ms, .95):.0f} / {max(rush_ms):.0f}",
         "", None),
        ("rush wall s, items/s", f"{rush_round.seconds:.1f}, {rush_round.per_second:.0f}", "",
         None),
        ("rush errors", str(rush_round.errors), "0", rush_round.errors == 0),
    ]
    print("\nSummary")
    print(f"  {'figure':<40} {'value':>20}  {'target':<26} verdict")
    for label, value, target, met in rows:
        verdict = "" if met is None else ("MET" if met else "MISSED")
        print(f"  {label:<40} {value:>20}  {target:<26} {verdict}")
    return all(met for *_, met in rows if met is not None)


def print_database(database_url: str) -> None:
    (records, versions, merged, batches), = query(database_url, """
        SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM record_versions),
               (SELECT count(*) FROM submissions WHERE status = 'merged'),
               (SELECT count(*) FROM batches)""")
    print(f"\nDatabase at the end: {records} records, {versions} record versions,"
          f" {merged} merged submissions, {batches} batches")


# ---------------------------------------------------------------------------------- main

def bench(stack: Stack, args: argparse.Namespace) -> bool:
    """Every phase in turn; whether every target is met."""
    everyone = load_collectors(stack.database_url)
    senders = everyone[:args.collectors]
    residents = Residents()
    sql = raw_sql(has_search_columns(stack.database_url))
    http_rounds: list[Round] = []
    raw_rounds: list[Round] = []
    for number in range(1, args.rounds + 1):
        sign_in_all(stack.base_url, senders, threads=4)
        say(f"round {number}: HTTP, {args.items} items …")
        batches = residents.batches(senders, args.items, args.batch)
        http_rounds.append(http_round(stack.base_url, batches, args.threads, f"http {number}"))
        say(f"round {number}: raw psycopg, {args.items} items …")
        batches = residents.batches(senders, args.items, args.batch)
        raw_rounds.append(raw_round(stack.database_url, batches, args.threads, sql,
                                    f"raw {number}"))
    print_rounds([r for pair in zip(http_rounds, raw_rounds) for r in pair], args.threads,
                 args.batch, len(senders))
    rush_round = rush(stack.base_url, everyone[:RUSH_COLLECTORS], residents, args.rush_items,
                      args.rush_threads)
    print_rush(rush_round)
    print_database(stack.database_url)
    if args.profile or median_rate(http_rounds) < RATIO_TARGET * median_rate(raw_rounds):
        say("profiling the sync path in-process …")
        profile_in_process(stack, everyone[-1], residents, args.batch, count=10, raw=sql)
    return print_summary(http_rounds, raw_rounds, rush_round)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--items", type=bounded(1, 200_000), default=20_000, help="items per round (20000)")
    add("--batch", type=bounded(1, 500), default=200, help="items per batch (200; 500 at most)")
    add("--rounds", type=bounded(1, 9), default=3, help="rounds of each path (3)")
    add("--threads", type=bounded(1, 32), default=4, help="client threads, throughput (4)")
    add("--collectors", type=bounded(1, 450), default=8, help="collectors sending (8)")
    add("--workers", type=bounded(1, 16), default=4, help="gunicorn workers (4, for 2 cores)")
    add("--rush-items", type=bounded(1, 500), default=50, help="items per rush batch (50)")
    add("--rush-threads", type=bounded(1, 64), default=16, help="client threads, rush (16)")
    add("--fsync", action="store_true", help="run the throwaway cluster with fsync on")
    add("--profile", action="store_true", help="profile the sync path even if on target")
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
    args = parse_args(argv)
    stop_on_sigterm()
    try:
        with local_stack(args.workers, fsync=args.fsync) as stack:
            print(f"Zhiwang sync benchmark against {stack.base_url}: gunicorn -w {args.workers}"
                  f" (started here), PostgreSQL fsync {'on' if args.fsync else 'off'},"
                  f" {os.cpu_count()} CPUs, load average {load()} at the start")
            met = bench(stack, args)
            print(f"\nLoad average at the end: {load()} (other processes share the machine)")
    except KeyboardInterrupt:
        say("interrupted; everything started here has been stopped")
        sys.exit(130)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
