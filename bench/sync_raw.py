"""The raw ceiling of bench/sync.py: a batch of creates written straight through psycopg.

What the server does for a batch of creates, set-based, in one statement and one commit per
batch, into the real migrated schema (so the same unique key, change cursor, per-grid and name
btrees, GIN over numbers and over name grams, and GiST indexes are maintained):
  - the batch row, and every item stored raw as a submission (canonical JSON's SHA-256);
  - each point checked against the grids the collector is assigned to (primary or roving) at
    the item's captured_at (ST_Intersects on the GiST-indexed boundaries);
  - records (version 1, change cursor, key and search columns computed by the server's own
    functions, see record_columns.py) and their first record_versions;
  - the held updates waiting for these records looked up (and locked), as a merge must;
  - each submission's outcome (status, result, parsed envelope, point), and one audit row.
What it leaves out is what a ceiling may: HTTP, JSON parsing and form validation, the session
and the ORM. Parameters (ids, canonical JSON, hashes, search columns) are built before the
clock starts. Submissions are written once with their outcome, where the server inserts them as
`received` and updates them later in the same transaction.
"""
from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import psycopg

from parallel import Concurrent
from record_columns import record_columns
from server.services.scope import works_in_sql  # the one "works in grid at t" rule
from sync_http import Outcome, Round
from sync_items import Batch

RAW_BATCH = """
WITH item AS (
    SELECT * FROM unnest(%(ids)s::uuid[], %(record_ids)s::uuid[], %(raws)s::text[]::jsonb[],
                         %(shas)s::text[], %(keys)s::text[], %(names)s::text[],
                         %(numbers)s::text[], %(changed)s::text[]::jsonb[], %(lons)s::float8[],
                         %(lats)s::float8[], %(ats)s::timestamptz[])
        AS t(id, record_id, raw, sha, key, search_name, search_keys, changed, lon, lat, at)),
batch AS (
    INSERT INTO batches (id, device_id, collector_id, item_ids, raw)
    VALUES (%(batch_id)s, %(device)s, %(collector)s, %(ids)s::uuid[], %(envelope)s::jsonb)
    ON CONFLICT (id) DO NOTHING
    RETURNING id),
located AS (
    SELECT item.*, point.geom,
           (SELECT g.id FROM assignments a JOIN grids g ON g.id = a.grid_id
             WHERE """ + works_in_sql("a", "%(collector)s", "item.at") + """
               AND ST_Intersects(g.boundary, point.geom)
             ORDER BY g.code LIMIT 1) AS grid_id
      FROM item, ST_SetSRID(ST_MakePoint(item.lon, item.lat), 4326) AS point(geom)),
record AS (
    INSERT INTO records (id, kind, key, form_id, form_version, grid_id, geometry, data, version,
                         created_by_id, updated_by_id, change_xid, search_name, search_keys)
    SELECT l.record_id, %(kind)s, l.key, l.raw->>'form', (l.raw->>'form_version')::int,
           l.grid_id, l.geom, l.raw->'data', 1, %(collector)s, %(collector)s,
           pg_current_xact_id()::text::bigint, l.search_name,
           string_to_array(NULLIF(l.search_keys, ''), ' ')
      FROM located l WHERE l.grid_id IS NOT NULL ORDER BY l.key
    ON CONFLICT DO NOTHING
    RETURNING id),
held AS (
    SELECT s.id FROM submissions s
     WHERE s.status = 'held' AND s.record_id IN (SELECT id FROM record)
       FOR UPDATE),
version AS (
    INSERT INTO record_versions (record_id, version, data, grid_id, geometry, form_id,
                                 form_version, made_by_id, submission_id, branch, changed_fields)
    SELECT l.record_id, 1, l.raw->'data', l.grid_id, l.geom, l.raw->>'form',
           (l.raw->>'form_version')::int, %(collector)s, l.id, %(device)s, l.changed
      FROM located l JOIN record r ON r.id = l.record_id
    RETURNING record_id, submission_id),
submission AS (
    INSERT INTO submissions (id, batch_id, device_id, collector_id, raw, content_sha256, form_id,
                             form_version, record_id, branch, captured_at, point, status,
                             result, processed_at)
    SELECT l.id, %(batch_id)s, %(device)s, %(collector)s, l.raw, l.sha, l.raw->>'form',
           (l.raw->>'form_version')::int, l.record_id, %(device)s, l.at, l.geom,
           CASE WHEN v.record_id IS NULL THEN 'received' ELSE 'merged' END::submission_status,
           CASE WHEN v.record_id IS NOT NULL THEN jsonb_build_object(
               'id', l.id, 'status', 'merged', 'record_id', l.record_id, 'version', 1) END,
           now()
      FROM located l LEFT JOIN version v ON v.submission_id = l.id
    ON CONFLICT (id) DO NOTHING
    RETURNING id),
audit AS (
    INSERT INTO audit_log (action, actor_id, subject, details)
    SELECT 'sync_batch', %(collector)s, %(batch_id)s::text,
           jsonb_build_object('counts', jsonb_build_object('merged', count(*)),
                              'merged', coalesce(jsonb_agg(record_id::text || '@1'), '[]'),
                              'conflicts', '[]'::jsonb)
      FROM version
    RETURNING id)
SELECT (SELECT count(*) FROM submission), (SELECT count(*) FROM version),
       (SELECT count(*) FROM held), (SELECT count(*) FROM audit)"""


def raw_params(batch: Batch) -> dict[str, Any]:
    """The statement's parameters for a batch (built before the clock starts)."""
    items = batch.body["items"]
    canonical = [json.dumps(i, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                 for i in items]
    columns = [record_columns(i["data"], i["form"], i["form_version"]) for i in items]
    return {"batch_id": batch.body["batch_id"], "device": batch.body["device_id"],
            "collector": batch.collector.user_id, "kind": "resident",
            "envelope": json.dumps({k: v for k, v in batch.body.items() if k != "items"}),
            "ids": [uuid.UUID(i["id"]) for i in items],
            "record_ids": [uuid.uuid4() for _ in items],
            "raws": canonical,
            "shas": [hashlib.sha256(c.encode()).hexdigest() for c in canonical],
            "keys": [c.key for c in columns],
            "names": [c.search_name for c in columns],
            "numbers": [c.search_keys for c in columns],
            "changed": [json.dumps(sorted(i["data"]), ensure_ascii=False) for i in items],
            "lons": [i["location"]["lon"] for i in items],
            "lats": [i["location"]["lat"] for i in items],
            "ats": [datetime.fromisoformat(i["captured_at"]) for i in items]}


def raw_write(connection: psycopg.Connection[Any], batch: Batch,
              params: dict[str, Any]) -> Outcome:
    """One batch written and committed; merged = record versions written."""
    start = time.perf_counter()
    row = connection.execute(RAW_BATCH, params).fetchone()
    connection.commit()
    seconds = time.perf_counter() - start
    assert row is not None
    versions = row[1]
    statuses = Counter({"merged": versions, "not merged": batch.size - versions})
    return Outcome(batch.size, versions, +statuses, 200, seconds)


def raw_round(database_url: str, batches: list[Batch], clients: int, label: str) -> Round:
    """The same writes from ``clients`` psycopg connections at once, one commit per batch."""
    jobs = [(b, raw_params(b)) for b in batches]

    def work(connection: psycopg.Connection[Any], job: tuple[Batch, dict[str, Any]]) -> Outcome:
        return raw_write(connection, *job)

    outcomes, seconds = Concurrent(clients, lambda: psycopg.connect(database_url), work,
                                   lambda c: c.close()).run(jobs)
    return Round(label, outcomes, seconds)
