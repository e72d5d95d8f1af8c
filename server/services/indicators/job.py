"""The indicator import job: a file read in chunks, each chunk written with its progress.

A worker that dies mid-file loses nothing: the next one goes on after the last checkpoint.
Once every row is read, the months the file delivered are replaced (store.replace_months) and
the job's copy of the upload is deleted. The report: counts, and the rejected rows (first
``MAX_REPORTED``) with the column and reason — unknown enterprises among them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from server.domain.indicators import read_indicator_row
from server.services.imports.table_file import TableInfo, TableProblem, TableRow, read_rows
from server.services.indicators.store import replace_months, write_chunk
from server.services.jobs import JobContext

INDICATOR_IMPORT_JOB = "indicators_import"
CHUNK_ROWS = 5000
MAX_REPORTED = 1000


def run_indicator_import(context: JobContext) -> dict[str, Any]:
    """Import a file of indicator values; returns the per-row report."""
    payload = context.payload
    progress = {"rows": 0, "last_row": 0, "written": 0, "rejected": 0, "rejections": [],
                "months": [], "finished": False, **(context.job.progress or {})}
    if not progress["finished"]:
        if not Path(payload["path"]).is_file():
            raise FileNotFoundError(f"the file to import is not on this machine "
                                    f"({payload['path']})")
        _read(context, payload, progress)
        replace_months(context.session, context.job.id, progress["months"])
        progress["finished"] = True
        _checkpoint(context, progress)
        if payload["owns_file"]:
            Path(payload["path"]).unlink(missing_ok=True)
    return {"file": payload["file_name"], "department": payload["department"],
            "rows": progress["rows"], "written": progress["written"],
            "rejected": progress["rejected"], "rejections": progress["rejections"],
            "months": sorted(progress["months"])}


def _read(context: JobContext, payload: dict[str, Any], progress: dict[str, Any]) -> None:
    info = TableInfo.from_dict(payload["table"])
    chunk: list[TableRow] = []
    try:
        for row in read_rows(Path(payload["path"]), info, after=progress["last_row"]):
            if row.number <= progress["last_row"]:
                continue
            chunk.append(row)
            if len(chunk) >= payload["chunk_rows"]:
                _chunk(context, payload, progress, chunk)
                chunk = []
    except TableProblem as problem:
        _reject(progress, problem.row or progress["last_row"] + 1, [problem.as_error()])
    _chunk(context, payload, progress, chunk)


def _chunk(context: JobContext, payload: dict[str, Any], progress: dict[str, Any],
           rows: list[TableRow]) -> None:
    if not rows:
        return
    checked, numbers = [], []
    for row in rows:
        cells = dict(zip(payload["header"], row.cells))
        value, errors = read_indicator_row(cells)
        if errors:
            _reject(progress, row.number, errors)
        else:
            checked.append(value)
            numbers.append(row.number)
    outcome = write_chunk(context.session, context.job.id, payload["department"], checked)
    for index, errors in outcome.rejected.items():
        _reject(progress, numbers[index], errors)
    progress["written"] += outcome.written
    progress["months"] = sorted(set(progress["months"]) | outcome.months)
    progress["rows"] += len(rows)
    progress["last_row"] = rows[-1].number
    _checkpoint(context, progress)


def _reject(progress: dict[str, Any], row: int, errors: list[dict[str, str]]) -> None:
    progress["rejected"] += 1
    if len(progress["rejections"]) < MAX_REPORTED:
        progress["rejections"].append({"row": row, "errors": errors})


def _checkpoint(context: JobContext, progress: dict[str, Any]) -> None:
    total = context.payload["table"].get("rows")
    context.checkpoint(progress["rows"], total, **progress)
