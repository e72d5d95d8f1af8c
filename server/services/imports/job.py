"""The bulk import job: a file read in chunks, each chunk's writes committed with its progress.

A worker that dies mid-file loses nothing: the next one reads the file again, notes the keys of
the rows already handled (so a later repeat of one is still refused) and goes on after the last
checkpoint. Once every row is handled the job's own copy of the upload is deleted; the report
is assembled from the counts in its progress and the rejected rows it stored.
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from server.domain.id_card import china_today
from server.domain.import_columns import ImportColumns
from server.domain.import_row import KeyReader
from server.services.forms import find_form_version, validator_of
from server.services.imports.chunk import ChunkReport, ImportRun, import_chunk, write_rejections
from server.services.imports.report import import_result
from server.services.imports.spec import ImportProgress, ImportSpec
from server.services.imports.table_file import TableInfo, TableProblem, TableRow, read_rows
from server.services.jobs import JobContext

RENEW_EVERY = 20_000        # rows skipped on a resume between renewals of the job's lease


def run_import(context: JobContext) -> dict[str, Any]:
    """Import a file into records of a form, or (dry run) only report what that would do."""
    spec = ImportSpec(**context.payload)
    progress = ImportProgress.of(context.job.progress)
    if not progress.finished:
        if not Path(spec.path).is_file():
            raise FileNotFoundError(f"the file to import is not on this machine ({spec.path}); "
                                    "workers need the same ZHIWANG_DATA_DIR as the app")
        _import_rows(context, spec, _run(context, spec), progress)
        spec.release_file()
    return import_result(context.session, context.job.id, spec, progress)


def _run(context: JobContext, spec: ImportSpec) -> ImportRun:
    form = find_form_version(context.session, spec.form_id, spec.form_version)
    columns = ImportColumns.from_header(form.definition, TableInfo.from_dict(spec.table).header)
    return ImportRun(context.session, context.job.id, validator_of(form), columns,
                     KeyReader(form.definition), spec.made_by, spec.who, spec.file_name,
                     spec.dry_run, china_today())


def _import_rows(context: JobContext, spec: ImportSpec, run: ImportRun,
                 progress: ImportProgress) -> None:
    info = TableInfo.from_dict(spec.table)
    chunk: list[TableRow] = []
    skipped = 0
    try:
        for row in read_rows(Path(spec.path), info):
            if row.number <= progress.last_row:  # handled before a resume
                run.remember(row)
                skipped += 1
                if skipped % RENEW_EVERY == 0:
                    _checkpoint(context, info, progress)
                continue
            chunk.append(row)
            if len(chunk) >= spec.chunk_rows:
                _commit_chunk(context, info, run, progress, chunk)
                chunk = []
    except TableProblem as problem:
        _commit_chunk(context, info, run, progress, chunk)
        chunk = []
        _stop(run, progress, problem)
    _commit_chunk(context, info, run, progress, chunk)
    progress.finished = True
    _checkpoint(context, info, progress)


def _commit_chunk(context: JobContext, info: TableInfo, run: ImportRun,
                  progress: ImportProgress, rows: list[TableRow]) -> None:
    if rows:
        progress.add(rows, import_chunk(run, rows))
        _checkpoint(context, info, progress)


def _stop(run: ImportRun, progress: ImportProgress, problem: TableProblem) -> None:
    """The rest of the file cannot be read: the report says from which row."""
    row = problem.row or progress.last_row + 1
    progress.stopped_at_row = row
    report = ChunkReport(rejected={row: [problem.as_error()]})
    progress.add([], report)
    write_rejections(run, report.rejected)


def _checkpoint(context: JobContext, info: TableInfo, progress: ImportProgress) -> None:
    total = progress.rows if progress.finished else max(info.rows or 0, progress.rows) or None
    context.checkpoint(progress.rows, total, **asdict(progress))
