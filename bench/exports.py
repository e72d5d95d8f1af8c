"""Benchmark: exports of a district's residents (1,000,000) in every format, against COPY.

    .venv/bin/python bench/exports.py [--rows 1000000] [--formats csv,xlsx,geojson,gpkg]
                                      [--user viewer1] [--no-street]

Everything is started here and stopped at the end (bench/harness.py): a throwaway PostGIS
cluster (fsync off), `flask db upgrade`, `flask demo seed`, gunicorn on loopback.

seed      --rows residents, made in Python (valid resident v1 data: names, GB 11643 ID numbers,
          mobile numbers, choices; points inside their grids) and written with COPY straight
          into `records` in chunks (no record_versions: exports do not read them), then
          VACUUM ANALYZE.
ceiling   `COPY (SELECT … the export's own query …) TO STDOUT (FORMAT csv)` into a file: the
          same rows, columns and order (services.exports.selection), PostgreSQL writing CSV
          itself with no masking, labels or Python. Time and size.
export    per format, as --user (viewer1: the whole district, sensitive fields masked):
          `GET /api/v1/exports?kind=resident&format=F` → 202 and a job, run by a real worker
          (`flask jobs work --once`, a child process); the job's own started_at → finished_at
          is the export's time, the worker's peak RSS (getrusage of the child) its memory, next
          to the peak RSS of the same worker started with nothing to do. Then the file is
          downloaded over HTTP (time) and checked (CSV: rows parsed; GeoPackage: rows counted
          with sqlite3; every format: the job's row count). Unless --no-street, each format is
          also exported for one street (`grid=PS-01`, about a sixth of the rows): a flat memory
          shows as the same peak RSS for the street and the whole district.
Ratios: COPY time / export time (target for CSV ≥ 0.3), and the same for CPU seconds (the
worker's, less an idle worker's, plus the cluster's processes'), which a shared machine
disturbs less than wall time. Progress on stderr, figures on stdout.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import psycopg  # noqa: E402

from harness import (VENV_BIN, Client, Stack, local_stack, say, sign_in,  # noqa: E402
                     stop_on_sigterm)
from server.domain.id_card import check_character, china_today  # noqa: E402
from server.services.exports.selection import Selection  # noqa: E402

FORMATS = ("csv", "xlsx", "geojson", "gpkg")
STREET = "PS-01"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉晓文斌辉鹏婷雪慧"
REGIONS = ("440310", "440307", "445281", "441581", "430524", "360730", "450881", "411623")
VILLAGES = ("新村", "老围", "沙湖", "田头", "江岭", "金龟", "竹坑", "汤坑", "石井", "碧岭")
CHOICES = {"education": ("senior_secondary", "junior_secondary", "college", "bachelor",
                         "primary"),
           "marital_status": ("10", "20", "20", "20", "30"),
           "employment_status": ("employed", "employed", "self_employed", "student", "retired")}


# ------------------------------------------------------------------------------------ seeding

@dataclass(frozen=True)
class Grid:
    id: int
    collector: int
    points: list[tuple[float, float]]


def load_grids(url: str) -> list[Grid]:
    """Every grid, its primary collector, and 50 points inside it (ST_GeneratePoints)."""
    with psycopg.connect(url) as connection:
        rows = connection.execute("""
            SELECT g.id, a.user_id, ST_AsGeoJSON(ST_GeneratePoints(g.boundary, 50, 2017), 7)
              FROM grids g JOIN assignments a ON a.grid_id = g.id AND a.kind = 'primary'
             WHERE g.retired_at IS NULL ORDER BY g.code""").fetchall()
    return [Grid(i, user, [tuple(p) for p in json.loads(points)["coordinates"]])
            for i, user, points in rows]


DAYS = 64 * 365  # birth dates over 64 years; 7919 is prime to it, so serial ↔ (day, sequence)


def resident(rng: random.Random, serial: int, today: date) -> dict[str, Any]:
    """A valid resident v1 record's data; (birth date, sequence) is unique per serial."""
    born = today - timedelta(days=16 * 365 + serial * 7919 % DAYS)
    sequence = serial // DAYS
    sex = "1" if sequence % 2 else "2"  # the sequence's parity is the sex (GB 11643)
    stem = f"{rng.choice(REGIONS)}{born:%Y%m%d}{sequence:03d}"
    registered = stem.startswith("4403")
    data = {"name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
            "id_card": stem + check_character(stem), "gender": sex, "birth_date": f"{born}",
            "household_type": "registered" if registered else "floating", "ethnicity": "01",
            "hukou_address": "广东省深圳市坪山区" if registered else f"{rng.choice(VILLAGES)}村",
            "residence_type": "own" if registered else "rental",
            "current_address": f"坪山区{rng.choice(VILLAGES)}{rng.randint(1, 120)}号"
                               f"{rng.randint(1, 8)}0{rng.randint(1, 6)}",
            "phone": f"1{rng.choice('3589')}{rng.randrange(10 ** 9):09d}"}
    for name, values in CHOICES.items():
        data[name] = rng.choice(values)
    if data["employment_status"] in ("employed", "self_employed"):
        data["employer"] = f"{rng.choice(VILLAGES)}电子厂"
    if rng.random() < 0.03:
        data["care_groups"] = ["elderly_alone" if rng.random() < 0.5 else "low_income"]
    return data


def seed(url: str, rows: int, chunk: int = 50_000) -> float:
    """COPY ``rows`` residents into records; the seconds it took."""
    grids, rng, today = load_grids(url), random.Random(2017), china_today()
    started = time.perf_counter()
    with psycopg.connect(url) as connection:
        done = 0
        while done < rows:
            size = min(chunk, rows - done)
            xid = connection.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
            with connection.cursor().copy(
                    "COPY records (id, kind, key, form_id, form_version, grid_id, geometry, data,"
                    " version, created_by_id, updated_by_id, change_xid, search_name,"
                    " search_keys) FROM STDIN") as copy:
                for serial in range(done, done + size):
                    grid = rng.choice(grids)
                    lon, lat = rng.choice(grid.points)
                    data = resident(rng, serial, today)
                    copy.write_row((uuid.uuid4(), "resident", data["id_card"], "resident", 1,
                                    grid.id, f"SRID=4326;POINT({lon} {lat})",
                                    json.dumps(data, ensure_ascii=False), 1, grid.collector,
                                    grid.collector, xid, data["name"],
                                    [data["id_card"], data["phone"]]))
            connection.commit()
            done += size
            say(f"seeded {done:,} / {rows:,} ({time.perf_counter() - started:.0f} s)")
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE records")
    return time.perf_counter() - started


# ------------------------------------------------------------------------------- measurements

@dataclass
class Run:
    """One export: what, how long, how big, how much memory and CPU."""

    label: str
    rows: int
    seconds: float
    size: int
    peak_rss_mb: float
    cpu_s: float = 0.0  # the worker's (less an idle worker's) and the database's CPU seconds
    download_s: float = 0.0
    checked: str = ""


def cluster_cpu(url: str) -> float:
    """CPU seconds used so far by the cluster: the postmaster with its reaped children (whose
    time the kernel adds to it when they exit), and its children still running."""
    socket_dir = Path(url.split("host=")[1].split("&")[0])
    postmaster = int((socket_dir.parent / "data" / "postmaster.pid").read_text().split()[0])
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited meanwhile
            continue
        pid = int(stat.parent.name)
        if pid == postmaster:
            ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def copy_ceiling(url: str, directory: Path) -> Run:
    """COPY of the export's own query, as CSV, into a file."""
    where = "r.kind = 'resident' AND r.retired_at IS NULL"
    query = Selection(where, {}).query()
    path = directory / "copy.csv"
    with psycopg.connect(url) as connection, path.open("wb") as out:
        started, cpu = time.perf_counter(), cluster_cpu(url) + time.process_time()
        with connection.cursor().copy(f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)") as copy:
            for block in copy:
                out.write(block)
        seconds = time.perf_counter() - started
        cpu = cluster_cpu(url) + time.process_time() - cpu
    rows = sum(1 for _ in csv.reader(path.open(encoding="utf-8", newline=""))) - 1
    size = path.stat().st_size
    path.unlink()
    return Run("COPY … TO STDOUT (csv)", rows, seconds, size, 0.0, cpu)


def worker(stack: Stack) -> tuple[float, float]:
    """Run `flask jobs work --once` as a child process: its peak RSS (MB), and the CPU seconds
    it and the database used meanwhile."""
    cpu = cluster_cpu(stack.database_url)
    process = subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "jobs", "work",
                                "--once"], cwd=ROOT, env=stack.env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"the job worker exited with status {status}")
    cpu = cluster_cpu(stack.database_url) - cpu + usage.ru_utime + usage.ru_stime
    return usage.ru_maxrss / 1024, cpu


def export(stack: Stack, client: Client, auth: dict[str, str], fmt: str, directory: Path,
           area: str | None, idle_cpu: float) -> Run:
    """One export as a job: enqueue over HTTP, a real worker runs it, download the file."""
    query = f"kind=resident&format={fmt}" + (f"&grid={area}" if area else "")
    reply = client.request("GET", f"/api/v1/exports?{query}",
                           {**auth, "Prefer": "respond-async"})
    if reply.status != 202:
        raise SystemExit(f"export {query} → {reply.status}: {reply.body[:300]!r}")
    location = reply.headers["Location"]
    peak, cpu = worker(stack)
    job = json.loads(client.request("GET", location, auth).body)
    if job.get("state") != "done":
        raise SystemExit(f"export job {location}: {job['state']} {job.get('error')}")
    seconds = _seconds(job["started_at"], job["finished_at"])
    download = client.request("GET", job["result_url"], auth)
    path = directory / f"export.{fmt}"
    path.write_bytes(download.body)
    run = Run(f"{fmt}{' ' + area if area else ''}", job["result"]["rows"], seconds,
              len(download.body), peak, cpu - idle_cpu, download.seconds,
              _check(fmt, path, job["result"]))
    path.unlink()
    return run


def _seconds(started: str, finished: str) -> float:
    from datetime import datetime
    return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()


def _check(fmt: str, path: Path, result: dict[str, Any]) -> str:
    """Read the file back where that is cheap: does it hold the rows the job counted?"""
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as file:
            found = sum(1 for _ in csv.reader(file)) - 1
    elif fmt == "gpkg":
        with sqlite3.connect(path) as connection:
            layer = connection.execute("SELECT table_name FROM gpkg_contents").fetchone()[0]
            found = connection.execute(f'SELECT count(*) FROM "{layer}"').fetchone()[0]
    else:
        return "(not parsed)"
    return "rows ok" if found == result["rows"] else f"ROWS {found} != {result['rows']}"


def report(ceiling: Run, runs: list[Run], idle_mb: float, seed_s: float, rows: int) -> None:
    print(f"\nExports of {rows:,} residents (seeded by COPY in {seed_s:.0f} s); "
          f"idle worker peak RSS {idle_mb:.0f} MB")
    print(f"{'export':<22}{'rows':>11}{'seconds':>9}{'rows/s':>9}{'MB':>8}{'COPY/this':>10}"
          f"{'CPU s':>8}{'COPY/this':>10}{'peak RSS MB':>13}{'download s':>11}  check")
    for run in [ceiling, *runs]:
        ratio = ceiling.seconds / run.seconds if run.seconds else 0
        cpu_ratio = ceiling.cpu_s / run.cpu_s if run.cpu_s else 0
        rss = f"{run.peak_rss_mb:.0f} (+{run.peak_rss_mb - idle_mb:.0f})" if run.peak_rss_mb else ""
        print(f"{run.label:<22}{run.rows:>11,}{run.seconds:>9.1f}"
              f"{run.rows / run.seconds if run.seconds else 0:>9,.0f}{run.size / 2**20:>8.1f}"
              f"{ratio:>10.2f}{run.cpu_s:>8.1f}{cpu_ratio:>10.2f}{rss:>13}"
              f"{run.download_s:>11.1f}  {run.checked}")
    print("(seconds: the job's started_at → finished_at; CPU s: the worker's less an idle "
          "worker's, plus the database's)")
    csv_runs = [r for r in runs if r.label == "csv"]
    if csv_runs:
        ratio = ceiling.seconds / csv_runs[0].seconds
        cpu_ratio = ceiling.cpu_s / csv_runs[0].cpu_s if csv_runs[0].cpu_s else 0
        print(f"\nCSV at {ratio:.2f} of COPY's speed, {cpu_ratio:.2f} of its CPU "
              f"(target ≥ 0.30): {'met' if ratio >= 0.3 else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--user", default="viewer1")
    parser.add_argument("--no-street", action="store_true")
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    stop_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="zhiwang-exports.") as scratch:
        directory = Path(scratch)
        os.environ["ZHIWANG_DATA_DIR"] = str(directory / "data")  # gunicorn's and the worker's
        with local_stack(workers=1) as stack:
            run_all(stack, args, formats, directory)
    return 0


def run_all(stack: Stack, args: argparse.Namespace, formats: list[str], directory: Path) -> None:
    """Seed, measure the ceiling, export every format, report."""
    seed_s = seed(stack.database_url, args.rows)
    say("COPY ceiling …")
    ceiling = copy_ceiling(stack.database_url, directory)
    idle, idle_cpu = worker(stack)
    client = Client(stack.base_url, timeout=600)
    runs = []
    for fmt in formats:
        for area in ([None] if args.no_street else [STREET, None]):
            say(f"export {fmt} {area or 'district'} …")
            auth = sign_in(client, args.user)  # access tokens last 15 minutes: one per export
            runs.append(export(stack, client, auth, fmt, directory, area, idle_cpu))
            say(f"  {runs[-1]}")  # kept on stderr, should a later run fail
    report(ceiling, runs, idle, seed_s, args.rows)


if __name__ == "__main__":
    sys.exit(main())
