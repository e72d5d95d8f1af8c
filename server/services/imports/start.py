"""Starting a bulk import: the file checked as a whole, then a job queued to read its rows.

What is wrong with the file as a whole (not a table, undecodable, no header, unknown or repeated
columns, no key column, an unknown form) is refused at once, naming the column; what is wrong
with a row is the job's report.
"""
from __future__ import annotations

import getpass
import shutil
import uuid
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.import_columns import ImportColumns, InvalidHeader, shown
from server.errors import Invalid
from server.models import FormStatus, FormVersion, Job, User
from server.services.imports.spec import CHUNK_ROWS, ImportSpec
from server.services.imports.table_file import TableProblem, inspect_table
from server.services.jobs import enqueue

IMPORT_JOB = "records_import"
UPLOADS = "imports"  # under the data directory


def accept_upload(session: Session, user: User, form_id: str, upload: BinaryIO,
                  file_name: str | None, dry_run: bool, data_dir: Path) -> Job:
    """Keep an uploaded file in the data directory and queue its import (the job deletes it)."""
    folder = data_dir / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.upload"
    try:
        with open(path, "wb") as copy:
            shutil.copyfileobj(upload, copy, 1024 * 1024)
        return start_import(session, form_id, path, file_name or path.name, dry_run, user,
                            owns_file=True)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def start_import(session: Session, form_id: str, path: Path, file_name: str, dry_run: bool,
                 user: User | None, owns_file: bool = False,
                 chunk_rows: int = CHUNK_ROWS) -> Job:
    """Check a file against the latest published version of a form and queue its import."""
    form = latest_published(session, form_id)
    try:
        info = inspect_table(path)
        ImportColumns.from_header(form.definition, info.header)
    except TableProblem as problem:
        raise Invalid(f"The file cannot be read as a table: {problem.message}.",
                      errors=[problem.as_error()]) from None
    except InvalidHeader as error:
        raise Invalid("The file's header does not match the form: nothing was imported.",
                      errors=error.errors) from None
    spec = ImportSpec(str(path.resolve()), shown(Path(file_name).name), owns_file, form.form_id,
                      form.version, dry_run, info.as_dict(), user.id if user else None,
                      user.username if user else _command_line_user(), chunk_rows)
    return enqueue(session, IMPORT_JOB, spec.__dict__, user_id=user.id if user else None)


def latest_published(session: Session, form_id: str) -> FormVersion:
    """The newest published version of a form, or Invalid naming the ``form`` parameter."""
    form = session.scalar(select(FormVersion).where(
        FormVersion.form_id == form_id, FormVersion.status == FormStatus.published)
        .order_by(FormVersion.version.desc()).limit(1))
    if form is None:
        raise Invalid(f"There is no published form {shown(form_id)!r}.", errors=[{
            "field": "form", "code": "unknown_form", "message": "is not a published form",
            "message_zh": "没有该已发布表单"}])
    return form


def _command_line_user() -> str:
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):  # no login name in this environment
        return "the command line"
