"""One chunk of a bulk import (about a thousand rows) in a handful of statements.

Read every row, find the records their keys name (one query; locked for a real run), find the
grid of every point (one query), decide each row (``domain.import_row``), then write the new
records and versions through the record store and the rejected rows with their errors (one
statement each). A dry run decides the same way and writes only the rejections of its report.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.form_validation import FormValidator
from server.domain.import_columns import ImportColumns, RowValues
from server.domain.import_row import Current, KeyReader, RowPlan, plan_row
from server.services.covering import covering_grid_id
from server.services.imports.table_file import TableRow
from server.services.record_store import (RecordState, VersionWrite, create_records,
                                          find_existing, json_rows, load_records, lock_records,
                                          update_records)


@dataclass
class ImportRun:
    """What stays the same for a whole import, and the keys its rows have named so far."""

    session: Session
    job_id: int
    form: FormValidator
    columns: ImportColumns
    key_of: KeyReader
    made_by: int | None
    who: str
    file_name: str
    dry_run: bool
    today: date
    seen: dict[str, int] = field(default_factory=dict)  # natural key -> first row naming it

    def note(self, row: int) -> str:
        """The history note of a version this import makes."""
        return f"imported by {self.who} from {self.file_name}, row {row}"

    @property
    def branch(self) -> str:
        """The versions of one import are one editing branch (for later three-way merges)."""
        return f"import:{self.job_id}"

    def remember(self, row: TableRow) -> None:
        """Note the key of a row handled before a resume (a later row may repeat it)."""
        key = self.key_of(self.columns.read(row.cells), self.today)
        if key is not None:
            self.seen.setdefault(key, row.number)


@dataclass
class ChunkReport:
    """What a chunk did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: dict[int, list[dict[str, str]]] = field(default_factory=dict)


@dataclass
class _Row:
    number: int
    values: RowValues
    key: str | None
    state: RecordState | None = None
    plan: RowPlan | None = None

    @property
    def outcome(self) -> str:
        """What the row does (``rejected`` until it is planned)."""
        return self.plan.outcome if self.plan else "rejected"


def import_chunk(run: ImportRun, rows: list[TableRow]) -> ChunkReport:
    """Decide and write one chunk of rows; return what it did."""
    read = [_read(run, row) for row in rows]
    report = ChunkReport()
    _reject_repeated_keys(run, read, report)
    candidates = [r for r in read if r.number not in report.rejected]
    _attach_records(run, candidates, report)
    grids = _covering_grids(run.session, [r for r in candidates if r.values.location])
    for row in candidates:
        if row.number in report.rejected:
            continue
        current = Current(row.state.data, row.state.lon, row.state.lat) if row.state else None
        inside = grids[row.number] is not None if row.number in grids else None
        row.plan = plan_row(run.form, run.columns, row.values, current, inside, run.today)
        if row.plan.outcome == "rejected":
            report.rejected[row.number] = row.plan.errors
    _write(run, [r for r in candidates if r.outcome != "rejected"], grids, report)
    write_rejections(run, report.rejected)
    return report


def _read(run: ImportRun, row: TableRow) -> _Row:
    values = run.columns.read(row.cells)
    return _Row(row.number, values, run.key_of(values, run.today))


def _reject_repeated_keys(run: ImportRun, rows: list[_Row], report: ChunkReport) -> None:
    """One row per record: a key an earlier row of the file named is refused (which of the two
    would win is anybody's guess, and a dry run could not tell)."""
    for row in rows:
        if row.key is None:
            continue
        first = run.seen.setdefault(row.key, row.number)
        if first != row.number:
            report.rejected[row.number] = row.values.errors + [run.columns.error_at({
                "field": run.form.key, "code": "duplicate_in_file",
                "message": f"row {first} of this file has the same key: one row per record",
                "message_zh": f"与本文件第 {first} 行的主键相同：每条记录只应有一行"})]


def _attach_records(run: ImportRun, rows: list[_Row], report: ChunkReport) -> None:
    """The active record each key names; for a real run, locked and read fresh."""
    keys = {(run.form.kind, r.key) for r in rows if r.key is not None}
    found = find_existing(run.session, keys, set()) if keys else {}
    if found and not run.dry_run:
        ids = {state.id for state in found.values()}
        lock_records(run.session, ids)
        fresh = load_records(run.session, ids, history_from=None, lock=True)
        found = {k: fresh.get(s.id) for k, s in found.items() if isinstance(k, tuple)}
    for row in rows:
        state = found.get((run.form.kind, row.key)) if row.key is not None else None
        if state is not None and (state.key != row.key or state.retired):
            report.rejected[row.number] = [_changed_meanwhile(run)]
        row.state = state


def _covering_grids(session: Session, rows: list[_Row]) -> dict[int, int | None]:
    """The grid covering each row's point (the one covering rule; None outside the district),
    in one query."""
    if not rows:
        return {}
    found = session.execute(text(f"""
        SELECT t.n, {covering_grid_id("t.lon", "t.lat")} AS grid_id
          FROM unnest(CAST(:ns AS int[]), CAST(:lons AS float8[]), CAST(:lats AS float8[]))
               AS t(n, lon, lat)"""),
        {"ns": [r.number for r in rows], "lons": [r.values.location[0] for r in rows],  # type: ignore[index]
         "lats": [r.values.location[1] for r in rows]}).all()  # type: ignore[index]
    return {n: grid_id for n, grid_id in found}


def _write(run: ImportRun, rows: list[_Row], grids: dict[int, int | None],
           report: ChunkReport) -> None:
    creates = {r.number: _version(run, r, grids) for r in rows if r.outcome == "created"}
    updates = [_version(run, r, grids) for r in rows if r.outcome == "updated"]
    report.unchanged += sum(1 for r in rows if r.outcome == "unchanged")
    if run.dry_run:
        report.created += len(creates)
    else:
        inserted = create_records(run.session, list(creates.values()))
        for number, write in creates.items():
            if write.record_id in inserted:
                report.created += 1
            else:  # another writer took the key since this chunk looked
                report.rejected[number] = [_changed_meanwhile(run)]
        update_records(run.session, updates)
    report.updated += len(updates)


def _version(run: ImportRun, row: _Row, grids: dict[int, int | None]) -> VersionWrite:
    plan, state = row.plan, row.state
    assert plan is not None
    point = plan.point or (state.lon, state.lat)  # type: ignore[union-attr]
    grid_id = grids.get(row.number) if plan.point else None  # None: an update keeps its grid
    return VersionWrite(state.id if state else uuid.uuid4(), state.version + 1 if state else 1,
                        run.form, plan.data, grid_id, point[0], point[1], run.made_by,  # type: ignore[arg-type]
                        plan.changed, note=run.note(row.number), branch=run.branch)


def _changed_meanwhile(run: ImportRun) -> dict[str, str]:
    return run.columns.error_at({
        "field": run.form.key, "code": "changed_meanwhile",
        "message": "another writer changed the record with this key during the import: "
                   "import the row again", "message_zh": "导入期间该主键的记录被他人修改，请重新导入此行"})


def write_rejections(run: ImportRun, rejected: dict[int, list[dict[str, str]]]) -> None:
    """Keep the rejected rows of a chunk, with their errors, for the import's report."""
    if not rejected:
        return
    rows: list[dict[str, Any]] = [{"row": n, "errors": e} for n, e in rejected.items()]
    run.session.execute(text("""
        INSERT INTO import_rejections (job_id, "row", errors)
        SELECT :job_id, r."row", r.errors
          FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r("row" int, errors jsonb)
        ON CONFLICT DO NOTHING"""), {"job_id": run.job_id, "rows": json_rows(rows)})
