"""An export as a background job: the file is written in chunks, with progress, then kept.

A job that runs again (its worker died) writes its file anew: partial files never become a
result (``files.writing``). The scope and masking are those of the requester when the job runs.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from flask import current_app
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from server.errors import Forbidden
from server.models import Job, User
from server.services.exports import files
from server.services.exports.access import ensure_may_export, exported
from server.services.exports.formats import FORMATS
from server.services.exports.formats.base import copy_pieces
from server.services.exports.request import ExportRequest
from server.services.exports.rows import record_batches, table_rows
from server.services.exports.selection import select_records
from server.services.exports.table import table_of
from server.services.jobs import JobContext

EXPORT_JOB = "export"
CHECKPOINT_SECONDS = 1.0  # progress commits at most this often (each commit costs a sync)


def run_export(context: JobContext) -> dict[str, Any]:
    """Write the export a job asks for into its file; the job's result says where it is."""
    session, job = context.session, context.job
    request = ExportRequest.from_payload(context.payload)
    user = _requester(session, job)
    ensure_may_export(user)  # the role may have changed since
    files.purge_older_than(current_app.config["EXPORT_KEEP_HOURS"])
    selection = select_records(session, user, request)
    table = table_of(session, request.kind, request.lang, request.choices)
    formatter = FORMATS[request.format]
    progress = _Progress(context, selection.count(session))
    path = files.export_file(job.id, formatter.extension)
    with _reading_connection(session) as reader, \
            TemporaryDirectory(dir=files.scratch_dir()) as workdir, files.writing(path) as out:
        rows = table_rows(session, user, table, record_batches(reader, selection))
        size = copy_pieces(formatter.encode(table, progress.counted(rows), Path(workdir)), out)
    progress.finish()
    exported(session, user, request, selection, progress.done)
    return {"url": f"/api/v1/exports/{job.id}/file", "format": formatter.name,
            "media_type": formatter.media_type, "rows": progress.done, "bytes": size,
            "filename": request.filename(job.created_at, formatter.extension)}


def _requester(session: Session, job: Job) -> User:
    """The user who asked, still active: the export shows what they may read now."""
    user = session.get(User, job.created_by_id) if job.created_by_id else None
    if user is None or not user.is_active:
        raise Forbidden("The user who asked for this export is disabled or gone.")
    return user


@contextmanager
def _reading_connection(session: Session) -> Iterator[Connection]:
    """A connection of its own, in one read-only snapshot: the job's checkpoints commit the
    session, and a commit would close a cursor in the session's own transaction. (Tests run a
    job inside their one connection's transaction, checkpoints as savepoints: that one reads.)"""
    bind = session.get_bind()
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect().execution_options(isolation_level="REPEATABLE READ",
                                          postgresql_readonly=True) as connection:
        yield connection


class _Progress:
    """Counts rows on their way to the file and checkpoints the job now and then."""

    def __init__(self, context: JobContext, total: int) -> None:
        self.context, self.total, self.done = context, total, 0
        self.last = time.monotonic()
        context.checkpoint(0, total)

    def counted(self, batches: Iterable[list[Any]]) -> Iterator[list[Any]]:
        for batch in batches:
            yield batch
            self.done += len(batch)
            if time.monotonic() - self.last >= CHECKPOINT_SECONDS:
                self.context.checkpoint(self.done, self.total)
                self.last = time.monotonic()

    def finish(self) -> None:
        self.context.checkpoint(self.done, max(self.total, self.done))
