"""Where a sync request's time goes (bench/sync.py --profile).

Batches go through the app in this process (Flask test client, same database, signed in as one
collector), one at a time, for each batch size asked:
  statements  the time in each SQL statement, from execute to rows back, alternating batch by
              batch with the raw ceiling's statement on a twin batch of the same size;
  phases      the same under cProfile: cumulative time per phase of the sync (PHASES), self
              time per package (psycopg's is mostly waiting for PostgreSQL), the top functions.
PHASES names server functions by a path fragment and a function name; a phase that matches
nothing is printed as such, so a moved function shows up as a line to re-point, not a zero.
"""
from __future__ import annotations

import cProfile
import json
import pstats
import sysconfig
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from figures import print_table
from harness import DEMO_PASSWORD, Stack
from sync_http import SYNC, outcome_of
from sync_items import Batch, Collector, Residents
from sync_raw import raw_params, raw_write

ROOT = Path(__file__).resolve().parents[1]
PHASES = [  # (label, path fragment, function): outermost first, indented by nesting
    ("request (Flask dispatch)", "flask/app.py", "full_dispatch_request"),
    ("  sign-in check: token → user", "server/auth/", "_authenticate"),
    ("  parsing the batch (schema)", "server/api/blueprint", "_raw_load_json"),
    ("  the sync use case", "server/services/sync", "process_batch"),
    ("    store raw", "server/services/sync", "receive_batch"),
    ("    prepare items", "server/services/sync", "prepare_items"),
    ("      read envelopes", "server/domain/", "read_item"),
    ("      form validation", "server/domain/form_validation", "validate"),
    ("      location check", "server/services/sync", "check_locations"),
    ("    merge", "server/services/sync", "merge_items"),
    ("      insert records", "server/services/", "create_records"),
    ("    write versions etc. (flush)", "server/services/sync", "flush"),
    ("    item outcomes", "server/services/sync", "save_outcomes"),
    ("  commit", "sqlalchemy/orm/session.py", "commit"),
    ("  response JSON", "flask/json/provider.py", "response"),
]
Sender = Callable[[list[Batch]], tuple[float, int]]


def profile_sync(stack: Stack, collector: Collector, residents: Residents,
                 sizes: list[int]) -> None:
    """For each batch size: the statement table, then the cProfile phase tables."""
    send, engine = in_process_sender(stack, collector)
    try:
        send([residents.batch(collector, 1)])  # warm-up: imports, pool, caches
        for size in sizes:
            count = max(10, min(300, 2000 // size))  # a few seconds of work per size
            batches = [[residents.batch(collector, size) for _ in range(count)] for _ in "abc"]
            time_statements(stack, send, engine, batches[0], batches[1])
            profiler = cProfile.Profile()
            profiler.enable()
            seconds, errors = send(batches[2])
            profiler.disable()
            print_profile(pstats.Stats(profiler), seconds, batches[2], errors)
    finally:
        engine.dispose()


def in_process_sender(stack: Stack, collector: Collector) -> tuple[Sender, Any]:
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
    """Time spent in each SQL statement of an engine (parameters sent, PostgreSQL's work, rows
    back), by the statement's first 64 characters."""

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


def time_statements(stack: Stack, send: Sender, engine: Any, batches: list[Batch],
                    twins: list[Batch]) -> None:
    """Each batch through the app, then its twin through the raw statement; the table."""
    app_s = raw_s = 0.0
    errors = 0
    with StatementTimer(engine) as timer, psycopg.connect(stack.database_url) as connection:
        for batch, twin in zip(batches, twins):
            seconds, failed = send([batch])
            app_s, errors = app_s + seconds, errors + failed
            raw_s += raw_write(connection, twin, raw_params(twin)).seconds
    count, in_sql = len(batches), sum(t for _, t in timer.totals.values())
    rows = [[f"{total / count * 1e3:.2f}", f"{runs / count:.0f}", label]
            for label, (runs, total) in sorted(timer.totals.items(), key=lambda kv: -kv[1][1])]
    print_table(
        f"Statements, in-process, {count} batches of {batches[0].size} one at a time (Flask test"
        f" client, no profiler): {app_s / count * 1e3:.2f} ms a batch through the app, of which"
        f" {in_sql / count * 1e3:.2f} ms in SQL statements; the raw statement on twin batches"
        f" {raw_s / count * 1e3:.2f} ms a batch, commit included; errors {errors}",
        ["ms/batch", "runs", "statement (execute to rows back, parameters included)"],
        [[r[0], r[1], r[2]] for r in rows[:14]])


def print_profile(stats: pstats.Stats, seconds: float, batches: list[Batch],
                  errors: int) -> None:
    """Cumulative ms per phase, self ms per package, and the top functions, per batch."""
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    table = stats.stats  # type: ignore[attr-defined]
    count, size = len(batches), batches[0].size
    per = 1e3 / count
    title = (f"Profile, {count} batches of {size} under cProfile (which slows Python down):"
             f" {seconds / count * 1e3:.2f} ms a batch, {count * size / seconds:.0f} items/s,"
             f" errors {errors}")
    phases = []
    for label, fragment, name in PHASES:
        times = [v[3] for (f, _, n), v in table.items() if n == name and fragment in f]
        phases.append([label, f"{sum(times) * per:.2f}" if times else
                       "not found: re-point PHASES in bench/sync_profile.py"])
    print_table(title, ["phase", "cumulative ms/batch"], phases)
    groups: Counter[str] = Counter()
    for (filename, _, name), value in table.items():
        groups[package_of(filename, name)] += value[2]
    print_table("  self time by package", ["package", "ms/batch"],
                [[g, f"{t * per:.2f}"] for g, t in groups.most_common(8)])
    top = sorted(table.items(), key=lambda kv: kv[1][2], reverse=True)[:15]
    print_table("  top functions by self time", ["function", "ms/batch", "calls/batch"],
                [[(f"{short_path(f)}:{line}({n})" if line else n)[:72], f"{v[2] * per:.2f}",
                  f"{v[1] / count:.0f}"] for (f, line, n), v in top])


def package_of(filename: str, name: str) -> str:
    text = f"{filename} {name}"
    for marker, group in (("psycopg", "psycopg (and PostgreSQL)"), ("sqlalchemy", "sqlalchemy"),
                          ("/server/", "server (the app's own code)"), ("geoalchemy", "sqlalchemy"),
                          ("werkzeug", "flask/werkzeug"), ("flask", "flask/werkzeug"),
                          ("json", "json"), ("marshmallow", "marshmallow"), ("jwt", "jwt")):
        if marker in text:
            return group
    return "other (stdlib, builtins)"


def short_path(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/", sysconfig.get_paths()["stdlib"] + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
