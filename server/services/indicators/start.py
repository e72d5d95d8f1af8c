"""Starting an indicator import: the file checked as a whole, then a job queued to read it."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from server.domain.indicators import COLUMNS
from server.domain.import_columns import shown
from server.errors import Invalid
from server.models import Department, Job, User
from server.services.imports.table_file import TableProblem, inspect_table
from server.services.indicators.job import CHUNK_ROWS, INDICATOR_IMPORT_JOB
from server.services.jobs import enqueue

UPLOADS = "indicator-imports"  # under the data directory


def accept_indicator_upload(session: Session, user: User, department: str | None,
                            upload: BinaryIO, file_name: str | None, data_dir: Path) -> Job:
    """Keep an uploaded file in the data directory and queue its import (the job deletes it)."""
    folder = data_dir / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.upload"
    try:
        with open(path, "wb") as copy:
            shutil.copyfileobj(upload, copy, 1024 * 1024)
        return start_indicator_import(session, path, file_name or path.name, department, user,
                                      owns_file=True)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def start_indicator_import(session: Session, path: Path, file_name: str, department: str | None,
                           user: User | None, owns_file: bool = False,
                           chunk_rows: int = CHUNK_ROWS) -> Job:
    """Check a file's header (``credit_code,month,indicator,value``) and queue its import."""
    if department is not None and session.get(Department, department) is None:
        raise Invalid(f"No department {shown(department)!r}.", errors=[{
            "field": "department", "code": "unknown", "message": "is not a department"}])
    try:
        info = inspect_table(path)
    except TableProblem as problem:
        raise Invalid(f"The file cannot be read as a table: {problem.message}.",
                      errors=[problem.as_error()]) from None
    header = [str(c or "").strip() for c in info.header]
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        raise Invalid("The file's header must be credit_code,month,indicator,value.", errors=[
            {"field": "file", "code": "header",
             "message": f"missing: {', '.join(missing) or '-'}; unknown: "
                        f"{', '.join(shown(c) for c in extra) or '-'}"}])
    payload = {"path": str(path.resolve()), "file_name": shown(Path(file_name).name),
               "owns_file": owns_file, "department": department, "table": info.as_dict(),
               "header": header, "chunk_rows": chunk_rows}
    return enqueue(session, INDICATOR_IMPORT_JOB, payload, user_id=user.id if user else None)
