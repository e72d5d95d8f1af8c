"""What an import job is asked to do and how far it got: its payload and its progress."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.services.imports.chunk import ChunkReport
from server.services.imports.table_file import TableRow

CHUNK_ROWS = 1000


@dataclass(frozen=True)
class ImportSpec:
    """A job's payload: which file, read how, into which form version, by whom."""

    path: str
    file_name: str
    owns_file: bool  # the upload's copy, deleted when done (the command line's file is kept)
    form_id: str
    form_version: int
    dry_run: bool
    table: dict[str, Any]
    made_by: int | None
    who: str
    chunk_rows: int = CHUNK_ROWS

    def release_file(self) -> None:
        """Delete the job's copy of the upload (the job no longer needs it)."""
        if self.owns_file:
            Path(self.path).unlink(missing_ok=True)


@dataclass
class ImportProgress:
    """How far a job got: kept in the job's progress, committed with each chunk."""

    rows: int = 0
    last_row: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    finished: bool = False
    stopped_at_row: int | None = None

    @classmethod
    def of(cls, progress: dict[str, Any]) -> ImportProgress:
        """Read back from a job's progress."""
        return cls(**{k: v for k, v in (progress or {}).items() if k in cls.__dataclass_fields__})

    def add(self, rows: list[TableRow], report: ChunkReport) -> None:
        """Count a chunk."""
        self.rows += len(rows)
        self.last_row = rows[-1].number if rows else self.last_row
        self.created += report.created
        self.updated += report.updated
        self.unchanged += report.unchanged
        self.rejected += len(report.rejected)
