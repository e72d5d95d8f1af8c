"""Seeding bench/events.py: a year of events written in a few set-based SQL statements.

Each event is a record of kind ``event`` (the latest event form version) in a grid of the
district, its workflow row, and its history: report, then (if it went that far) dispatch to
the category's usual department with the standard's deadline, handle, close.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

STANDARD = Path(__file__).resolve().parents[1] / "standards" / "event.v1.json"
OPEN_STATES = ["reported", "registered", "dispatched", "returned", "handled", "verified"]

_PLAN = """
CREATE TEMP TABLE plan ON COMMIT DROP AS
WITH grids AS (SELECT array_agg(id ORDER BY code) AS ids FROM grids WHERE retired_at IS NULL),
     cats AS (SELECT CAST(:categories AS jsonb) AS list),
     base AS (
  SELECT gen_random_uuid() AS id, i, ids[1 + (i * 7919) %% cardinality(ids)] AS grid_id,
         now() - make_interval(secs => random() * 365 * 86400) AS reported_at,
         list -> ((i * 31) %% jsonb_array_length(list)) AS c, random() AS r, random() AS speed
    FROM generate_series(1, :n) AS i CROSS JOIN grids CROSS JOIN cats)
SELECT id, grid_id, reported_at, c ->> 0 AS category, c ->> 2 AS department,
       make_interval(hours => CAST(c ->> 1 AS int)) AS time_limit, speed,
       CASE WHEN reported_at < now() - interval '7 days' AND r < 0.9 THEN 'closed'
            ELSE (CAST(:open AS text[]))[1 + floor(r * 1000)::int %% 6] END AS state
  FROM base"""

_RECORDS = """
INSERT INTO records (id, kind, key, form_id, form_version, grid_id, geometry, data, version,
                     created_at, updated_at, created_by_id, updated_by_id, change_xid)
SELECT p.id, 'event', p.id::text, :form, :version, p.grid_id, ST_PointOnSurface(g.boundary),
       jsonb_build_object('category', p.category, 'description', '路面问题（基准）',
                          'location_description', '路口', 'source', 'patrol'),
       1, p.reported_at, p.reported_at, :collector, :collector,
       CAST(CAST(txid_current() AS text) AS bigint)
  FROM plan p JOIN grids g ON g.id = p.grid_id"""

_EVENTS = """
INSERT INTO events (record_id, state, category, grid_id, reported_at, reported_by_id,
                    department_code, dispatched_at, deadline, handled_at, closed_at, updated_at)
SELECT id, state, category, grid_id, reported_at, :collector,
       CASE WHEN going THEN department END, CASE WHEN going THEN dispatched END,
       CASE WHEN going THEN dispatched + time_limit END,
       CASE WHEN done THEN dispatched + time_limit * speed * 1.3 END,
       CASE WHEN state = 'closed' THEN dispatched + time_limit * speed * 1.3 + interval '1 day' END,
       reported_at + interval '2 days'
  FROM (SELECT *, reported_at + interval '1 hour' AS dispatched,
               state NOT IN ('reported', 'registered') AS going,
               state IN ('handled', 'verified', 'closed') AS done FROM plan) p"""

_HISTORY = """
INSERT INTO event_transitions (event_id, action, from_state, to_state, at, actor_id,
                               department_code, deadline, handling_seconds, on_time)
SELECT e.record_id, s.action, s.from_state, s.to_state, s.at, :collector, s.department,
       s.deadline, s.seconds, s.on_time
  FROM events e CROSS JOIN LATERAL (VALUES
       ('report', NULL, 'reported', e.reported_at, NULL, NULL, NULL, NULL),
       ('dispatch', 'registered', 'dispatched', e.dispatched_at, e.department_code, e.deadline,
        NULL, NULL),
       ('handle', 'dispatched', 'handled', e.handled_at, e.department_code, NULL,
        CAST(extract(epoch FROM e.handled_at - e.dispatched_at) AS int), e.handled_at <= e.deadline),
       ('close', 'verified', 'closed', e.closed_at, NULL, NULL, NULL, NULL))
       AS s(action, from_state, to_state, at, department, deadline, seconds, on_time)
 WHERE e.record_id IN (SELECT id FROM plan) AND s.at IS NOT NULL"""


def _categories() -> str:
    standard = json.loads(STANDARD.read_text(encoding="utf-8"))
    default = standard["default_time_limit_hours"]
    return json.dumps([[code, c.get("time_limit_hours", default), c.get("department", "urban")]
                       for code, c in standard["categories"].items()])


def seed_events(connection: Any, n: int, seed: int) -> list[list[object]]:
    """Write n events with their history; the rows and seconds per table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        form, version = cursor.execute(
            "SELECT form_id, max(version) FROM form_versions WHERE kind = 'event' "
            "GROUP BY form_id").fetchone()
        collector = cursor.execute("SELECT id FROM users WHERE username = 'collector1'").fetchone()[0]
        params = {"categories": _categories(), "open": OPEN_STATES, "n": n, "form": form,
                  "version": version, "collector": collector}
        rows: list[list[object]] = []
        for table, sql in (("plan", _PLAN), ("records", _RECORDS), ("events", _EVENTS),
                           ("event_transitions", _HISTORY)):
            start = time.perf_counter()
            cursor.execute(sql.replace(":categories", "%(categories)s").replace(":open", "%(open)s")
                           .replace(":n", "%(n)s").replace(":form", "%(form)s")
                           .replace(":version", "%(version)s").replace(":collector", "%(collector)s"),
                           params)
            rows.append([table, f"{cursor.rowcount:,}", f"{time.perf_counter() - start:.1f}"])
        cursor.execute("ANALYZE records, events, event_transitions")
    connection.commit()
    return rows
