"""Where finished exports are kept: files under the data directory, one per export job.

The one module that knows where export files live (so they can move to the shared blob
store). A file is written under a temporary name and renamed when complete, so a reader never
sees half a file and a job that runs again simply writes it again.
"""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from server.config import data_dir as config_data_dir

PARTIAL = ".part"


def data_dir() -> Path:
    """The server's data directory (``ZHIWANG_DATA_DIR``), as every file-keeping job finds it."""
    return config_data_dir(current_app.config)


def export_file(job_id: int, extension: str) -> Path:
    """The file of an export job's result."""
    return data_dir() / "exports" / f"export-{job_id}.{extension}"


def scratch_dir() -> Path:
    """Where an export builds its temporary files (beside the results: same disk)."""
    directory = data_dir() / "exports" / "tmp"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@contextmanager
def writing(path: Path) -> Iterator[BinaryIO]:
    """Write a file that appears, complete, only when the block ends without an error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + PARTIAL)
    try:
        with partial.open("wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def remove(path: Path) -> None:
    """Delete a kept file (gone already is fine)."""
    path.unlink(missing_ok=True)


def purge_older_than(hours: float) -> int:
    """Delete export files (and what dead workers left behind) older than ``hours``; how many."""
    directory = data_dir() / "exports"
    if not directory.is_dir():
        return 0
    cutoff, removed = time.time() - hours * 3600, 0
    for path in (*directory.glob("export-*"), *scratch_dir().iterdir()):
        try:
            if path.stat().st_mtime < cutoff:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker purged it first
            pass
    return removed
