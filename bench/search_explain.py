"""Explaining bench/search.py's slow types (--explain, or every type that misses its target).

The slowest query of each such type is replayed in-process through the app's own
search_records on one connection of the app's engine, warmed first with rounds of the same mix,
so that psycopg has prepared the statements (it does after 5 executions) and PostgreSQL's plan
cache is in a state a gunicorn worker's can be in; then the query runs under plan_cache_mode
auto (what that connection does), force_custom_plan and force_generic_plan, with auto_explain
(ANALYZE, BUFFERS) sending each statement's actual plan back to the client: per statement ms and
whether the plan was generic, and the plan of the slowest.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from harness import Stack, say
from search_latency import Series, User
from search_workload import LIMIT

MODES = ("auto", "force_custom_plan", "force_generic_plan")
REPLAY_TIMEOUT_MS = 20_000
WARM_TIMEOUT_MS = 1_000
_NODE = re.compile(r"^\s*(->\s*)?[A-Z][A-Za-z ]+\s+\(cost=")
_PARAMETER = re.compile(r"\$\d")
_LONG_ARRAY = re.compile(r"'\{(\d+,){8,}\d+\}'")


@dataclass
class StagePlan:
    """One statement of a search as PostgreSQL ran it (from auto_explain)."""

    stage: str
    ms: float
    generic: bool
    plan: str


@dataclass
class Replay:
    """A type's slowest query replayed in-process, in each plan-cache mode."""

    series: Series
    stages: dict[str, list[StagePlan]] = field(default_factory=dict)  # by mode
    wall_ms: dict[str, float] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)


def stage_of(text: str) -> str:
    """Which step of search_records a statement is."""
    for marker, stage in (("search_keys @>", "numbers"), ("name_grams @>", "within"),
                          ("search_name LIKE", "prefix"), ("search_name =", "exact")):
        if marker in text:
            return stage
    return "other"


def parse_plan(message: str) -> StagePlan | None:
    """auto_explain's message for a search statement; None for any other statement."""
    if "FROM records r" not in message:
        return None
    head, _, rest = message.partition("Query Text:")
    lines = rest.splitlines()
    first = next((i for i, line in enumerate(lines) if i and _NODE.match(line)), len(lines))
    query, tree = "\n".join(lines[:first]), "\n".join(lines[first:])
    ms = float(head.split("duration:", 1)[1].split("ms", 1)[0])
    tree = _LONG_ARRAY.sub(lambda m: f"'{{…{m.group(0).count(',') + 1} ids…}}'", tree)
    return StagePlan(stage_of(query), ms, bool(_PARAMETER.search(tree)), tree)


class Replayer:
    """One connection of the app's own engine, used as a gunicorn worker uses its own.

    search_records runs on it with the app's session machinery, so psycopg prepares the same
    statements after 5 executions and PostgreSQL keeps the same per-statement plan cache;
    auto_explain (LOAD, client_min_messages = log) sends each statement's actual plan back.
    """

    def __init__(self, stack: Stack) -> None:
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from server import create_app
        from server.extensions import db
        from server.models import User as UserModel

        self.app = create_app({"DATABASE_URL": stack.database_url,
                               "JWT_KEYS": json.loads(stack.env["ZHIWANG_JWT_KEYS"])})
        self.context = self.app.app_context()
        self.context.push()
        self.engine = db.engine
        self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.session = Session(bind=self.connection)
        self.notices: list[str] = []
        raw = self.connection.connection.driver_connection
        assert raw is not None
        raw.add_notice_handler(lambda d: self.notices.append(d.message_primary or ""))
        self.users = {u.username: u for u in self.session.scalars(select(UserModel))}
        for sql in ("LOAD 'auto_explain'", "SET auto_explain.log_analyze = on",
                    "SET auto_explain.log_buffers = on", "SET auto_explain.log_min_duration = -1",
                    "SET client_min_messages = log"):
            self.set(sql)

    def close(self) -> None:
        self.session.close()
        self.connection.close()
        self.engine.dispose()  # no connection left open when the cluster stops
        self.context.pop()

    def set(self, sql: str) -> None:
        self.connection.exec_driver_sql(sql)

    def search(self, user: str, q: str) -> tuple[float, bool]:
        """(ms, whether statement_timeout cancelled it)."""
        from sqlalchemy.exc import DBAPIError

        from server.services.records import search_records
        clock = time.perf_counter()
        try:
            search_records(self.session, self.users[user], kind=None, q=q, grid_code=None,
                           limit=LIMIT)
            return (time.perf_counter() - clock) * 1e3, False
        except DBAPIError:
            self.session.rollback()
            return (time.perf_counter() - clock) * 1e3, True

    def warm(self, users: list[User], rounds: int) -> int:
        """The HTTP mix (both users, every type, interleaved); how many were cancelled."""
        self.set(f"SET statement_timeout = {WARM_TIMEOUT_MS}")
        cancelled = sum(self.search(u.name, t.queries[n % len(t.queries)].q)[1]
                        for n in range(rounds) for u in users for t in u.types)
        self.set(f"SET statement_timeout = {REPLAY_TIMEOUT_MS}")
        return cancelled

    def replay(self, series: Series) -> Replay:
        """The series' slowest query in every plan-cache mode, with its plans."""
        replay = Replay(series)
        for mode in MODES:
            self.set(f"SET plan_cache_mode = {mode}")
            self.set("SET auto_explain.log_min_duration = 0")
            self.notices.clear()
            ms, cancelled = self.search(series.user, series.slowest[1])
            self.set("SET auto_explain.log_min_duration = -1")
            replay.wall_ms[mode] = ms
            if cancelled:
                replay.cancelled.add(mode)
            replay.stages[mode] = [p for p in map(parse_plan, self.notices) if p]
        self.set("SET plan_cache_mode = auto")
        return replay


def replay_all(stack: Stack, users: list[User], explain: list[Series],
               warm_rounds: int) -> list[Replay]:
    """Warm one app connection with the HTTP mix; replay each chosen type's slowest query."""
    replayer = Replayer(stack)
    try:
        say(f"explain: warming one app connection with {warm_rounds} rounds of the mix …")
        cancelled = replayer.warm(users, warm_rounds)
        if cancelled:
            say(f"explain: {cancelled} warm-up searches cancelled at {WARM_TIMEOUT_MS} ms")
        replays = []
        for s in explain:
            say(f"explain: {s.user} / {s.kind.label} q={s.slowest[1]} …")
            replays.append(replayer.replay(s))
        return replays
    finally:
        replayer.close()


def print_replays(replays: list[Replay], warm_rounds: int) -> None:
    """Per replay: search ms and statements in each plan-cache mode, the slowest's plan."""
    print(f"\nEXPLAIN: the slowest query of each type asked, replayed in-process through"
          f" search_records on one app connection warmed with {warm_rounds} rounds of the HTTP"
          " mix (psycopg prepares a statement after its 5th execution; PostgreSQL then keeps a"
          " generic plan for it if that looks no dearer than the custom plans so far); ms per"
          " statement from auto_explain, g = generic plan; auto = what the warm connection did")
    for r in replays:
        s = r.series
        print(f"\n  {s.user} / {s.kind.label}: q={s.slowest[1]!r}"
              f" (slowest over HTTP {s.slowest[0]:.1f} ms)")
        print(f"    {'plan_cache_mode':<20} {'search ms':>10}  statements")
        for mode in MODES:
            parts = ", ".join(f"{p.stage} {p.ms:.1f}{' g' if p.generic else ''}"
                              for p in r.stages[mode])
            note = f"  CANCELLED at {REPLAY_TIMEOUT_MS / 1e3:.0f} s" if mode in r.cancelled else ""
            print(f"    {mode:<20} {r.wall_ms[mode]:>10.1f}  {parts}{note}")
        worst = max(((mode, p) for mode in MODES for p in r.stages[mode]),
                    key=lambda mp: mp[1].ms, default=None)
        if worst is not None:
            mode, plan = worst
            print(f"    plan of the slowest statement ({plan.stage}, {mode},"
                  f" {'generic' if plan.generic else 'custom'}, {plan.ms:.1f} ms):")
            print(indent(plan.plan, 6))


def indent(block: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in block.splitlines())
