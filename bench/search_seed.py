"""Seeding bench/search.py: a district of synthetic residents written by COPY, as the app would.

Python makes the rows in chunks (people.People, in a thread that overlaps the database work),
with each record's key and search columns computed by the server's own functions
(record_columns.py), and streams them with COPY (psycopg 3 `cursor.copy`) into a temporary
staging table; one INSERT … SELECT per chunk then writes `records` exactly as the app would
(kind/form 'resident' v1, version 1, change_xid = pg_current_xact_id(), created/updated by the
grid's collector, name_grams generated from search_name by the schema) and, unless told not to,
each record's first `record_versions` row in the same statement. Then VACUUM ANALYZE (as
autovacuum would after such a load; it also empties the GIN pending lists). Grids are of uneven
density; each holds ~100 "buildings" (ST_GeneratePoints) where its residents live.
"""
from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from queue import Empty, Queue
from typing import Any, TypeVar

import psycopg

from harness import say
from people import People
from record_columns import form, record_columns

T = TypeVar("T")
BUILDINGS_PER_GRID = 100

STAGING = """
CREATE TEMPORARY TABLE bench_staging (grid_id bigint, building int, user_id bigint, key text,
                                      search_name text, search_keys text, data jsonb)
    ON COMMIT DELETE ROWS"""
BUILDINGS = """
CREATE TEMPORARY TABLE bench_buildings AS
SELECT g.id AS grid_id, (d.path[1] - 1) AS building, d.geom
  FROM grids g CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(g.boundary, %(n)s, %(seed)s)) AS d
 WHERE g.retired_at IS NULL"""
INSERT_RECORDS = """
WITH record AS (
    INSERT INTO records (id, kind, key, form_id, form_version, grid_id, geometry, data, version,
                         created_by_id, updated_by_id, change_xid, search_name, search_keys)
    SELECT gen_random_uuid(), 'resident', s.key, 'resident', 1, s.grid_id, b.geom, s.data,
           1, s.user_id, s.user_id, pg_current_xact_id()::text::bigint, s.search_name,
           string_to_array(NULLIF(s.search_keys, ''), ' ')
      FROM bench_staging s
      JOIN bench_buildings b ON b.grid_id = s.grid_id AND b.building = s.building
    RETURNING id, data, grid_id, geometry, created_by_id)
{versions}
SELECT count(*) FROM record"""
INSERT_VERSIONS = """,
version AS (
    INSERT INTO record_versions (record_id, version, data, grid_id, geometry, form_id,
                                 form_version, made_by_id, changed_fields)
    SELECT r.id, 1, r.data, r.grid_id, r.geometry, 'resident', 1, r.created_by_id,
           (SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys(r.data) AS k)
      FROM record r
    RETURNING 1)"""
COPY = ("COPY bench_staging (grid_id, building, user_id, key, search_name, search_keys, data)"
        " FROM STDIN")


@dataclass(frozen=True)
class GridInfo:
    """A demo grid as the generator needs it."""

    grid_id: int
    street: str
    community: str
    collector_id: int


@dataclass
class Seeding:
    """How the seeding went."""

    residents: int
    versions: bool
    generate_s: float = 0.0
    copy_s: float = 0.0
    insert_s: float = 0.0
    vacuum_s: float = 0.0
    total_s: float = 0.0
    valid_sample: tuple[int, int] = (0, 0)
    table_mb: dict[str, float] = field(default_factory=dict)


def load_grids(database_url: str) -> list[GridInfo]:
    """Every live grid with its street, community and primary collector."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute("""
            SELECT g.id, g.street_name, g.community_name, a.user_id
              FROM grids g JOIN assignments a ON a.grid_id = g.id AND a.kind = 'primary'
             WHERE g.retired_at IS NULL ORDER BY g.code""").fetchall()
    return [GridInfo(i, street or "", community or "", user) for i, street, community, user in rows]


class District:
    """Residents placed in grids of uneven density, each in one of its grid's buildings."""

    def __init__(self, grids: list[GridInfo], seed: int) -> None:
        self.people = People(seed)
        self.rng = random.Random(seed)
        self.grids = grids
        self.weights = list(itertools.accumulate(self.rng.lognormvariate(0, 0.6) for _ in grids))

    def row(self) -> tuple[int, int, int, str, str | None, str, str]:
        """One staging row: grid, building, collector, key, search name and numbers, data."""
        grid = self.rng.choices(self.grids, cum_weights=self.weights)[0]
        data = self.people.resident(grid.street, grid.community)
        columns = record_columns(data)
        return (grid.grid_id, self.rng.randrange(BUILDINGS_PER_GRID), grid.collector_id,
                columns.key, columns.search_name, columns.search_keys,
                json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def check_sample(grids: list[GridInfo], seed: int, count: int) -> tuple[int, int]:
    """Validate ``count`` generated residents with the resident form: (valid, checked)."""
    sample = District(grids, seed)
    valid = sum(1 for _ in range(count) if not form().validate(json.loads(sample.row()[-1]))[1])
    return valid, count


def chunks(district: District, count: int, chunk: int, timing: Seeding) -> Iterator[list[Any]]:
    """Staging rows in chunks; the time spent making them is added to timing.generate_s."""
    done = 0
    while done < count:
        clock = time.perf_counter()
        rows = [district.row() for _ in range(min(chunk, count - done))]
        timing.generate_s += time.perf_counter() - clock
        done += len(rows)
        yield rows


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Items made by a thread while the caller works (psycopg waits without the GIL)."""
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    stopping = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stopping.is_set():
                    return
                queue.put((True, item))
            queue.put((False, None))
        except BaseException as problem:  # handed to the consumer
            queue.put((False, problem))

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while (entry := queue.get())[0]:
            yield entry[1]
        if entry[1] is not None:
            raise entry[1]
    finally:
        stopping.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get_nowait()
            except Empty:
                worker.join(0.05)


def seed_residents(database_url: str, count: int, chunk: int, versions: bool,
                   seed: int) -> Seeding:
    """COPY ``count`` residents into staging and INSERT them into records, chunk by chunk."""
    grids = load_grids(database_url)
    result = Seeding(count, versions)
    result.valid_sample = check_sample(grids, seed + 7, min(count, 2000))
    started = time.perf_counter()
    sql = INSERT_RECORDS.format(versions=INSERT_VERSIONS if versions else "")
    with psycopg.connect(database_url) as connection:
        prepare(connection, seed)
        done = 0
        for rows in prefetched(chunks(District(grids, seed), count, chunk, result)):
            write_chunk(connection, rows, sql, result)
            done += len(rows)
            elapsed = time.perf_counter() - started
            say(f"seeded {done:,} / {count:,} residents ({elapsed:.0f} s, "
                f"{done / elapsed:,.0f}/s)")
        finish(connection, result)
    result.total_s = time.perf_counter() - started
    return result


def prepare(connection: psycopg.Connection[Any], seed: int) -> None:
    """Session settings for a bulk load, the staging table and the buildings."""
    connection.execute("SET maintenance_work_mem = '256MB'")
    connection.execute("SET gin_pending_list_limit = '32MB'")
    connection.execute(STAGING)
    connection.execute(BUILDINGS, {"n": BUILDINGS_PER_GRID, "seed": seed})
    connection.execute("CREATE INDEX ON bench_buildings (grid_id, building)")
    connection.execute("ANALYZE bench_buildings")
    connection.commit()


def write_chunk(connection: psycopg.Connection[Any], rows: list[Any], sql: str,
                timing: Seeding) -> None:
    """COPY one chunk into staging, INSERT it into records (and versions), commit."""
    clock = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.copy(COPY) as copy:
            for row in rows:
                copy.write_row(row)
        timing.copy_s += time.perf_counter() - clock
        clock = time.perf_counter()
        inserted = cursor.execute(sql).fetchone()
    connection.commit()  # ON COMMIT DELETE ROWS empties the staging table
    timing.insert_s += time.perf_counter() - clock
    if inserted is None or inserted[0] != len(rows):
        raise SystemExit(f"inserted {inserted} of a chunk of {len(rows)}")


def finish(connection: psycopg.Connection[Any], timing: Seeding) -> None:
    """VACUUM ANALYZE what was written; note the tables' sizes."""
    connection.autocommit = True
    clock = time.perf_counter()
    say("VACUUM ANALYZE records, record_versions …")
    connection.execute("VACUUM ANALYZE records")
    connection.execute("VACUUM ANALYZE record_versions")
    timing.vacuum_s = time.perf_counter() - clock
    for table in ("records", "record_versions"):
        row = connection.execute("SELECT pg_table_size(%s), pg_indexes_size(%s)",
                                 (table, table)).fetchone()
        assert row is not None
        timing.table_mb[table] = row[0] / 2 ** 20
        timing.table_mb[f"{table} indexes"] = row[1] / 2 ** 20


def print_seeding(s: Seeding) -> None:
    print(f"\nSeeding: {s.residents:,} residents in {s.total_s:.1f} s"
          f" ({s.residents / s.total_s:,.0f}/s), record_versions {'too' if s.versions else 'not'}"
          " written")
    print(f"  generate (Python, a thread overlapping the database work) {s.generate_s:.1f} s;"
          f" COPY to staging {s.copy_s:.1f} s; INSERT … SELECT {s.insert_s:.1f} s;"
          f" VACUUM ANALYZE {s.vacuum_s:.1f} s")
    print(f"  sample checked with form resident v1: {s.valid_sample[0]}/{s.valid_sample[1]} valid")
    print("  sizes MB: " + ", ".join(f"{k} {v:,.0f}" for k, v in s.table_mb.items()))
