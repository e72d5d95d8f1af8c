"""Benchmark: typhoon and rainstorm warnings over a district of 20,000 facilities.

    .venv/bin/python bench/emergency.py [--facilities 20000] [--rounds 3] [--requests 30]

It starts its own throwaway PostGIS cluster and gunicorn (bench/harness.py), seeds the demo
district (450 grids, the forms, the plans, duty1), writes the facilities of the 14 classes
straight into PostgreSQL (key and search columns by the server's own functions,
record_columns.py; version 1 in the history), spread over the grids at random points, then:

  declare    a district-wide typhoon red warning through `POST /api/v1/emergencies` as duty1
             (activation + check tasks for the grids' collectors + nearest shelters and depots
             by KNN + the departments' notices, one transaction), stood down and declared again
             each round; against the raw read of the same facilities' ids and points (psycopg),
             measured in the same run;
  situation  `GET /api/v1/emergencies/{id}/situation` (every activated facility as GeoJSON):
             size raw and gzipped, median and p95 over N requests, against `GET /healthz`.
Targets: declaration under 2 s; the situation map's gzipped size and p95 are reported.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import psycopg  # noqa: E402

from figures import Target, machine_load, percentile, print_summary, print_table, ratio  # noqa: E402
from harness import Client, bounded, local_stack, say, sign_in, stop_on_sigterm  # noqa: E402
from record_columns import record_columns  # noqa: E402
from server.config import database_uri  # noqa: E402

DECLARE_TARGET_S = 2.0
# Classes and their share of the facilities (shelters and depots are the resources).
SHARES = {"construction_site": 14, "billboard": 14, "temporary_shed": 8, "dangerous_house": 10,
          "waterlogging_point": 8, "underground_space": 10, "geohazard": 6, "river": 2,
          "reservoir": 1, "pond": 2, "hazchem_enterprise": 4, "protected_target": 8,
          "shelter": 8, "emergency_depot": 5}
EXTRA = {"construction_site": {"tower_cranes": 2, "work_at_height": "yes"},
         "billboard": {"mounting": "wall", "height_m": 8.0},
         "temporary_shed": {"structure": "steel_sheet", "occupants": 20},
         "dangerous_house": {"rating": "D", "occupants": 6},
         "waterlogging_point": {"max_depth_cm": 30},
         "underground_space": {"space_type": "garage", "flood_barriers": "no"},
         "geohazard": {"hazard_type": "slope", "risk": "medium", "threatened_people": 12},
         "river": {"warning_level_m": 12.5}, "reservoir": {"scale": "small_2",
                                                          "capacity_10k_m3": 30.0,
                                                          "flood_limit_level_m": 41.0},
         "pond": {"capacity_10k_m3": 2.0}, "hazchem_enterprise": {"chemicals": "液氯",
                                                                    "hazard_grade": "3"},
         "protected_target": {"target_type": "school", "occupants": 900},
         "shelter": {"shelter_type": "indoor", "capacity": 800},
         "emergency_depot": {"depot_type": "warehouse", "sandbags": 5000}}
PREFIX = {"construction_site": "CS", "billboard": "BB", "temporary_shed": "TS",
          "dangerous_house": "DH", "waterlogging_point": "WL", "underground_space": "UG",
          "geohazard": "GH", "river": "RI", "reservoir": "RV", "pond": "PD",
          "hazchem_enterprise": "HC", "protected_target": "PT", "shelter": "SH",
          "emergency_depot": "ED"}

POINTS = """SELECT g.id, ST_X(d.geom), ST_Y(d.geom)
  FROM grids g CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(g.boundary, %(n)s, 2020)) AS d
 WHERE g.retired_at IS NULL ORDER BY g.id, d.path[1]"""
INSERT = """
WITH w AS (SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb) AS w(
               id uuid, kind text, key text, grid_id bigint, lon float8, lat float8, data jsonb,
               search_name text, search_keys text)),
r AS (INSERT INTO records (id, kind, key, form_id, form_version, grid_id, geometry, data, version,
                           change_xid, search_name, search_keys)
      SELECT id, kind, key, kind, 1, grid_id, ST_SetSRID(ST_MakePoint(lon, lat), 4326), data, 1,
             pg_current_xact_id()::text::bigint, search_name,
             string_to_array(NULLIF(search_keys, ''), ' ') FROM w RETURNING id)
INSERT INTO record_versions (record_id, version, data, grid_id, geometry, form_id, form_version,
                             changed_fields)
SELECT w.id, 1, w.data, w.grid_id, ST_SetSRID(ST_MakePoint(w.lon, w.lat), 4326), w.kind, 1,
       '[]'::jsonb FROM w JOIN r USING (id)"""


def seed_facilities(url: str, total: int) -> dict[str, int]:
    """Write ``total`` facilities over the grids; returns how many of each class."""
    rng = random.Random(2020)
    kinds = rng.choices(list(SHARES), weights=list(SHARES.values()), k=total)
    with psycopg.connect(url) as connection:
        grids = connection.execute("SELECT count(*) FROM grids WHERE retired_at IS NULL").fetchone()[0]
        points = connection.execute(POINTS, {"n": -(-total // grids)}).fetchall()[:total]
        rows = []
        for serial, (kind, (grid_id, lon, lat)) in enumerate(zip(kinds, points), start=1):
            data = {"facility_code": f"{PREFIX[kind]}{serial:08d}", "name": f"设施{serial}",
                    "address": f"坪山区测试路{serial}号", "responsible_person": "负责人",
                    "responsible_phone": f"138{serial:08d}", **EXTRA[kind]}
            columns = record_columns(data, kind)
            rows.append({"id": str(uuid.uuid4()), "kind": kind, "key": columns.key,
                         "grid_id": grid_id, "lon": lon, "lat": lat, "data": data,
                         "search_name": columns.search_name, "search_keys": columns.search_keys})
        for start in range(0, len(rows), 5000):
            connection.execute(INSERT, {"rows": json.dumps(rows[start:start + 5000],
                                                           ensure_ascii=False)})
        connection.execute("ANALYZE records")
    return {k: kinds.count(k) for k in SHARES}


def raw_read_seconds(url: str) -> float:
    """The baseline: reading the same facilities' ids and points, raw."""
    with psycopg.connect(url) as connection:
        start = time.perf_counter()
        connection.execute("SELECT id, grid_id, ST_X(geometry), ST_Y(geometry) FROM records "
                           "WHERE kind = ANY(%(k)s)", {"k": list(SHARES)}).fetchall()
        return time.perf_counter() - start


def declare_rounds(client: Client, auth: dict[str, str], rounds: int) -> tuple[list[float], dict]:
    """Declare typhoon red over the district ``rounds`` times (standing down in between)."""
    headers = {**auth, "Content-Type": "application/json"}
    body = json.dumps({"hazard": "typhoon", "level": "red"}).encode()
    times, last = [], {}
    for round_ in range(rounds):
        if last:
            client.request("POST", f"/api/v1/emergencies/{last['id']}/stand-down", headers)
        reply = client.request("POST", "/api/v1/emergencies", headers, body)
        if reply.status != 201:
            raise SystemExit(f"declare → {reply.status}: {reply.body[:300]!r}")
        last = json.loads(reply.body)
        times.append(reply.seconds)
        say(f"round {round_ + 1}: {reply.seconds:.2f} s, {last['facilities']} facilities, "
            f"{last['tasks']} tasks")
    return times, last


def situation(client: Client, auth: dict[str, str], emergency: int, requests: int
              ) -> tuple[list[float], list[float], int, int, int]:
    """Situation map and /healthz latencies (interleaved), sizes raw and gzipped, features."""
    headers = {**auth, "Accept-Encoding": "gzip"}
    path = f"/api/v1/emergencies/{emergency}/situation"
    maps, health, sizes = [], [], (0, 0, 0)
    for _ in range(requests + 2):
        reply = client.request("GET", path, headers)
        assert reply.status == 200, reply.body[:300]
        maps.append(reply.seconds)
        health.append(client.request("GET", "/healthz").seconds)
        raw = gzip.decompress(reply.body) if reply.headers.get("Content-Encoding") == "gzip" \
            else reply.body
        sizes = (len(raw), len(reply.body), len(json.loads(raw)["features"]))
    return maps[2:], health[2:], *sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facilities", type=bounded(100, 200_000), default=20_000)
    parser.add_argument("--rounds", type=bounded(1, 20), default=3)
    parser.add_argument("--requests", type=bounded(3, 500), default=30)
    args = parser.parse_args()
    stop_on_sigterm()
    with local_stack(workers=2) as stack:
        url = database_uri(stack.database_url).replace("postgresql+psycopg://", "postgresql://")
        say(f"seeding {args.facilities:,} facilities …")
        by_class = seed_facilities(url, args.facilities)
        baseline = min(raw_read_seconds(url) for _ in range(3))
        client = Client(stack.base_url)
        auth = sign_in(client, "duty1")
        times, last = declare_rounds(client, auth, args.rounds)
        maps, health, raw, zipped, features = situation(client, auth, last["id"], args.requests)
    median = statistics.median(times)
    print_table(f"Declaring typhoon red over the district (load {machine_load()})",
                ["figure", "seconds", "vs raw read"],
                [["declaration, median", f"{median:.3f}", ratio(median, baseline)],
                 ["declaration, slowest", f"{max(times):.3f}", ratio(max(times), baseline)],
                 ["raw read of the facilities", f"{baseline:.3f}", "1.00×"]],
                [f"{args.facilities:,} facilities ({by_class['shelter']} shelters, "
                 f"{by_class['emergency_depot']} depots); last round: {last['facilities']:,} "
                 f"activated, {last['tasks']:,} tasks; departments told: "
                 f"{', '.join(last['departments'])}"])
    p50, p95, floor = statistics.median(maps), percentile(maps, 0.95), percentile(health, 0.95)
    print_table("Situation map (GeoJSON)", ["figure", "value", "vs /healthz p95"],
                [["features", f"{features:,}", ""], ["raw", f"{raw / 1024:,.0f} KB", ""],
                 ["gzipped", f"{zipped / 1024:,.0f} KB", ""],
                 ["median", f"{p50 * 1000:.0f} ms", ratio(p50, floor)],
                 ["p95", f"{p95 * 1000:.0f} ms", ratio(p95, floor)]])
    met = print_summary([
        Target("declaration (median)", f"{median:.2f} s", f"< {DECLARE_TARGET_S} s",
               median < DECLARE_TARGET_S),
        Target("situation map gzipped", f"{zipped / 1024:,.0f} KB"),
        Target("situation map p95", f"{p95 * 1000:.0f} ms")])
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
