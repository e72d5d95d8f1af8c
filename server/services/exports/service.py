"""Starting an export: a small one is streamed at once, a large one runs as a job."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy.orm import Session

from server.domain.export_table import ExportTable
from server.models import Job, User
from server.services.exports.access import ensure_may_export, exported
from server.services.exports.files import scratch_dir
from server.services.exports.formats import FORMATS, Formatter
from server.services.exports.job import EXPORT_JOB
from server.services.exports.request import ExportRequest
from server.services.exports.rows import record_batches, table_rows
from server.services.exports.selection import Selection, select_records
from server.services.exports.table import table_of
from server.services.jobs import enqueue


@dataclass(frozen=True)
class StreamedExport:
    """A file sent as it is written; ``pieces`` records the export when it ends."""

    formatter: Formatter
    filename: str
    pieces: Iterator[bytes]


def start_export(session: Session, user: User, request: ExportRequest, *, stream_rows: int,
                 respond_async: bool = False) -> StreamedExport | Job:
    """Up to ``stream_rows`` records stream now; more (or when asked) become a job."""
    ensure_may_export(user)
    selection = select_records(session, user, request)
    table = table_of(session, request.kind, request.lang, request.choices)
    if respond_async or selection.count(session) > stream_rows:
        return enqueue(session, EXPORT_JOB, request.payload(), user_id=user.id)
    formatter = FORMATS[request.format]
    filename = request.filename(datetime.now(timezone.utc), formatter.extension)
    return StreamedExport(formatter, filename,
                          _pieces(session, user, request, selection, table, formatter))


def _pieces(session: Session, user: User, request: ExportRequest, selection: Selection,
            table: ExportTable, formatter: Formatter) -> Iterator[bytes]:
    """The file's bytes, read through the request's own transaction."""
    tally = _Tally()
    with TemporaryDirectory(dir=scratch_dir()) as workdir:
        rows = table_rows(session, user, table, record_batches(session.connection(), selection))
        try:
            yield from formatter.encode(table, tally.counted(rows), Path(workdir))
        except GeneratorExit:  # the client went away: what it got is recorded all the same
            exported(session, user, request, selection, tally.rows, complete=False)
            raise
    exported(session, user, request, selection, tally.rows)


class _Tally:
    """Counts the rows that pass."""

    def __init__(self) -> None:
        self.rows = 0

    def counted(self, batches: Iterator[list[Any]]) -> Iterator[list[Any]]:
        for batch in batches:
            yield batch
            self.rows += len(batch)
