"""An import's report: its counts, and its rejected rows with the errors of each."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import ImportRejection
from server.services.imports.spec import ImportProgress, ImportSpec

REPORTED_REJECTIONS = 1000  # in the job's result; all of them through ``rejections``
PRINTED_REJECTIONS = 20     # by the command line (``--report`` writes them all)


def import_result(session: Session, job_id: int, spec: ImportSpec,
                  progress: ImportProgress) -> dict[str, Any]:
    """The job's result: counts, and the first rejected rows with their errors."""
    rejected, _ = rejections(session, job_id, after=0, limit=REPORTED_REJECTIONS)
    return {"file": spec.file_name, "form": spec.form_id, "form_version": spec.form_version,
            "dry_run": spec.dry_run, "rows": progress.rows, "created": progress.created,
            "updated": progress.updated, "unchanged": progress.unchanged, "rejected": rejected,
            "rejected_count": progress.rejected, "stopped_at_row": progress.stopped_at_row,
            "rejections_url": f"/api/v1/imports/{job_id}/rejections"}


def rejections(session: Session, job_id: int, after: int,
               limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Rejected rows of an import after row ``after``, in row order; and whether more follow."""
    found = session.execute(
        select(ImportRejection.row, ImportRejection.errors)
        .where(ImportRejection.job_id == job_id, ImportRejection.row > after)
        .order_by(ImportRejection.row).limit(limit + 1)).all()
    return [{"row": r.row, "errors": r.errors} for r in found[:limit]], len(found) > limit


def full_report(session: Session, job_id: int, result: dict[str, Any]) -> dict[str, Any]:
    """The result with every rejected row, not only the first."""
    rows: list[dict[str, Any]] = []
    more = True
    while more:
        page, more = rejections(session, job_id, rows[-1]["row"] if rows else 0, 10_000)
        rows.extend(page)
    return {**result, "rejected": rows}


def report_lines(result: dict[str, Any]) -> list[str]:
    """The result as a person reads it on a terminal."""
    verb = "would be" if result["dry_run"] else "were"
    lines = [f"{result['rows']:,} rows of {result['file']}: {result['created']:,} created, "
             f"{result['updated']:,} updated, {result['unchanged']:,} unchanged, "
             f"{result['rejected_count']:,} rejected ({verb}; form {result['form']} "
             f"v{result['form_version']})"]
    if result.get("stopped_at_row"):
        lines.append(f"reading stopped at row {result['stopped_at_row']}: the rest of the file "
                     "cannot be read")
    for rejected in result["rejected"][:PRINTED_REJECTIONS]:
        for error in rejected["errors"]:
            column = f" ({error['column']})" if error.get("column") else ""
            lines.append(f"  row {rejected['row']}: {error['field']}{column}: {error['message']}")
    hidden = result["rejected_count"] - min(len(result["rejected"]), PRINTED_REJECTIONS)
    if hidden > 0:
        lines.append(f"  … and {hidden:,} more rejected rows (--report FILE writes them all)")
    return lines
