"""Files and runs for the import tests."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from server.models import Job, JobState, Record, RecordVersion
from server.services.imports import start_import
from server.services.jobs.worker import run_next
from tests.factories import resident_data

INSIDE = (114.305, 22.705)     # grid T-11 of the test lattice
ELSEWHERE = (114.315, 22.725)  # grid T-32
OUTSIDE = (114.5, 22.9)        # no grid


def resident_row(serial: int, point: tuple[float, float] | None = INSIDE,
                 **overrides: Any) -> dict[str, Any]:
    """One resident as a file row: its data, then lon and lat."""
    row: dict[str, Any] = dict(resident_data(serial, **overrides))
    if point is not None:
        row.update(lon=point[0], lat=point[1])
    return row


def write_csv(folder: Path, rows: list[dict[str, Any]], name: str = "residents.csv",
              encoding: str = "utf-8-sig", header: list[str] | None = None) -> Path:
    """A CSV file of rows under the union of their keys (first seen first)."""
    columns = header or list(dict.fromkeys(k for row in rows for k in row))
    path = folder / name
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return path


def run_queued(session) -> Job:
    """Run the next job as a worker would (savepoints stand in for its commits)."""
    job = run_next(session, "test-worker", commit=False)
    assert job is not None
    return job


def import_file(session, path: Path, user, dry_run: bool = False, chunk_rows: int = 1000,
                form: str = "resident") -> dict[str, Any]:
    """Start an import, run its job to the end and return its result."""
    job = start_import(session, form, path, path.name, dry_run, user, chunk_rows=chunk_rows)
    ran = run_queued(session)
    assert ran.id == job.id and ran.state == JobState.done, ran.error
    return ran.result


def counts(session) -> tuple[int, int]:
    """(records, record versions) in the database."""
    return (session.scalar(select(func.count()).select_from(Record)),
            session.scalar(select(func.count()).select_from(RecordVersion)))


def outcome(result: dict[str, Any]) -> tuple[int, int, int, int]:
    """(created, updated, unchanged, rejected) of an import's result."""
    return (result["created"], result["updated"], result["unchanged"],
            result["rejected_count"])
