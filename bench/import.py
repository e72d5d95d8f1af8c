"""Benchmark: bulk import of 100,000 residents, against the sync path measured in the same run.

    .venv/bin/python bench/import.py [--rows 100000] [--xlsx-rows 100000] [--sync-items 10000]

It starts a throwaway PostGIS cluster, `flask db upgrade`, `flask demo seed` and gunicorn
(bench/harness.py), and tears everything down at the end. Only loopback traffic.

  sync     the baseline: --sync-items valid resident creates POSTed to /api/v1/sync/batches in
           batches of 200 by one client (one stream, as one job worker is one stream), as
           collector1 at points of its own grid. Items/s over the wall time of the batches.
  import   a CSV of --rows valid, new residents at points spread over the district, uploaded
           as admin to POST /api/v1/imports, then run by one `flask jobs work --once` process:
           rows/s over the worker's wall time (and from upload to done), the worker's peak RSS.
           Then the same file again: a dry run, and a re-import (every row unchanged).
  xlsx     an XLSX of --xlsx-rows other residents (0: skip), imported the same way.
A table with the ratio import rows/s ÷ sync items/s closes the output. The machine has two cores
shared with PostgreSQL (and with whatever else runs on it): read the figures as such.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import openpyxl  # noqa: E402
import psycopg  # noqa: E402

from harness import (VENV_BIN, Client, Stack, fail, local_stack, say, sign_in,  # noqa: E402
                     stop_on_sigterm)
from server.domain.id_card import check_character  # noqa: E402

BATCH = 200
FIELDS = ["name", "id_card", "gender", "birth_date", "household_type", "ethnicity", "phone",
          "hukou_address", "residence_type", "current_address"]


def resident(serial: int, region: str, rng: random.Random) -> dict[str, Any]:
    """A valid resident with an ID card unique to (region, serial)."""
    born = date(1950, 1, 1) + timedelta(days=serial // 1000)
    first_17 = f"{region}{born:%Y%m%d}{serial % 1000:03d}"
    return {"name": rng.choice("王李张刘陈杨黄赵吴周") + rng.choice("伟芳娜敏静丽强磊军洋"),
            "id_card": first_17 + check_character(first_17), "gender": str(1 + serial % 2),
            "birth_date": born.isoformat(), "household_type": "registered", "ethnicity": "01",
            "phone": f"139{rng.randrange(10**8):08d}", "hukou_address": "广东省深圳市坪山区",
            "residence_type": "own", "current_address": f"坪山区新桥围{rng.randint(1, 99)}号"}


def points(database_url: str, sql: str) -> list[tuple[float, float]]:
    with psycopg.connect(database_url) as connection:
        return [(x, y) for x, y in connection.execute(sql).fetchall()]


def sync_round(stack: Stack, items: int) -> float:
    """Items/s of resident creates through the sync path, one batch at a time."""
    own = points(stack.database_url, """
        SELECT ST_X(p.geom), ST_Y(p.geom) FROM users u
          JOIN assignments a ON a.user_id = u.id AND a.kind = 'primary'
          JOIN grids g ON g.id = a.grid_id
         CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(g.boundary, 64, 7)) p
         WHERE u.username = 'collector1'""")
    rng = random.Random(1)
    client = Client(stack.base_url)
    auth = {**sign_in(client, "collector1"), "Content-Type": "application/json"}
    now = datetime.now(timezone.utc).isoformat()
    batches = [{"batch_id": str(uuid.uuid4()), "device_id": "bench", "items": [
        {"id": str(uuid.uuid4()), "form": "resident", "form_version": 1, "captured_at": now,
         "location": dict(zip(("lon", "lat"), rng.choice(own)), accuracy_m=5),
         "data": resident(start + n, "440307", rng)} for n in range(min(BATCH, items - start))]}
        for start in range(0, items, BATCH)]
    bodies = [json.dumps(b, ensure_ascii=False).encode() for b in batches]
    started = time.perf_counter()
    for body in bodies:
        reply = client.request("POST", "/api/v1/sync/batches", auth, body)
        statuses = {r["status"] for r in json.loads(reply.body).get("results", [])}
        if reply.status != 200 or statuses != {"merged"}:
            fail(f"sync batch → {reply.status} {statuses}: {reply.body[:300]!r}")
    return items / (time.perf_counter() - started)


def residents_table(rows: int, region: str, district: list[tuple[float, float]]) -> list[list[Any]]:
    rng = random.Random(2)
    table: list[list[Any]] = [FIELDS + ["lon", "lat"]]
    for serial in range(rows):
        data = resident(serial, region, rng)
        table.append([data[f] for f in FIELDS] + list(rng.choice(district)))
    return table


def csv_bytes(table: list[list[Any]]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(table)
    return text.getvalue().encode("utf-8-sig")


def xlsx_bytes(table: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_round(stack: Stack, content: bytes, name: str, dry_run: bool = False) -> dict[str, Any]:
    """Upload a file as admin, run one worker until the job is done; times, RSS and result."""
    client = Client(stack.base_url)
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\""
            f"\r\nContent-Type: application/octet-stream\r\n\r\n").encode() + content + \
        f"\r\n--{boundary}--\r\n".encode()
    headers = {**sign_in(client, "admin"),
               "Content-Type": f"multipart/form-data; boundary={boundary}"}
    reply = client.request("POST", f"/api/v1/imports?form=resident&dry_run={str(dry_run).lower()}",
                           headers, body)
    if reply.status != 202:
        fail(f"import upload → {reply.status}: {reply.body[:500]!r}")
    job_url = reply.headers["Location"]
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        worker = subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "jobs", "work",
                                   "--once"], cwd=ROOT, env=stack.env, stdout=log, stderr=log)
        _, status, usage = os.wait4(worker.pid, 0)  # its own peak RSS, not other children's
        seconds = time.perf_counter() - started
        if status != 0:
            log.seek(0)
            fail(f"the job worker exited with {status}: {log.read()[-2000:]!r}")
    job = json.loads(client.request("GET", job_url, sign_in(client, "admin")).body)  # a fresh token
    if job["state"] != "done":
        fail(f"the import job is {job['state']}: {job.get('error')}")
    return {"upload_s": reply.seconds, "job_s": seconds, "rss_mb": usage.ru_maxrss / 1024,
            "result": job["result"], "bytes": len(content)}


def report(label: str, run: dict[str, Any]) -> str:
    r = run["result"]
    rows = r["rows"]
    return (f"{label:<18} {rows:>8,} rows  {run['bytes'] / 2**20:6.1f} MiB  upload "
            f"{run['upload_s']:5.1f} s  job {run['job_s']:6.1f} s  {rows / run['job_s']:8,.0f} "
            f"rows/s  (end to end {rows / (run['job_s'] + run['upload_s']):7,.0f})  worker RSS "
            f"{run['rss_mb']:4.0f} MB  created {r['created']:,} updated {r['updated']:,} "
            f"unchanged {r['unchanged']:,} rejected {r['rejected_count']:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--sync-items", type=int, default=10_000)
    args = parser.parse_args()
    stop_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="zhiwang-bench-data.") as scratch:
        os.environ["ZHIWANG_DATA_DIR"] = scratch  # uploads wait here for the worker
        with local_stack(workers=2) as stack:
            measure(stack, args)
    print("(2 shared cores: PostgreSQL, the worker and the benchmark itself compete for them)")


def measure(stack: Stack, args: argparse.Namespace) -> None:
    """The sync baseline, then the imports, each printed as soon as it is measured."""
    district = points(stack.database_url, """
        SELECT ST_X(p.geom), ST_Y(p.geom) FROM grids g
         CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(g.boundary, 10, 3)) p""")
    say(f"sync: {args.sync_items:,} items in batches of {BATCH} …")
    sync = sync_round(stack, args.sync_items)
    print(f"sync path (baseline) {args.sync_items:>8,} items, one stream: {sync:8,.0f} items/s",
          flush=True)
    say(f"import: a CSV of {args.rows:,} residents …")
    content = csv_bytes(residents_table(args.rows, "440310", district))
    show("csv import", import_round(stack, content, "residents.csv"), sync)
    say("the same file: dry run, then again for real …")
    show("csv dry run again", import_round(stack, content, "residents.csv", True), sync)
    show("csv re-import", import_round(stack, content, "residents.csv"), sync)
    if args.xlsx_rows:
        say(f"import: an XLSX of {args.xlsx_rows:,} residents …")
        table = residents_table(args.xlsx_rows, "440311", district)
        show("xlsx import", import_round(stack, xlsx_bytes(table), "residents.xlsx"), sync)


def show(label: str, run: dict[str, Any], sync: float) -> None:
    print(report(label, run))
    print(f"{'':<18} ratio to sync items/s: {run['result']['rows'] / run['job_s'] / sync:5.2f}",
          flush=True)


if __name__ == "__main__":
    main()
