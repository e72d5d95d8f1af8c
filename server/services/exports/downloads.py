"""Downloading the file of a finished export job: only its requester (or an administrator)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.orm import Session

from server.errors import Conflict, Gone, NotFound
from server.models import JobState, User
from server.services.exports import files
from server.services.exports.formats import FORMATS
from server.services.exports.job import EXPORT_JOB
from server.services.jobs import visible_job


@dataclass(frozen=True)
class KeptExport:
    """A finished export's file, its media type and the name to save it under."""

    path: Path
    media_type: str
    filename: str


def kept_export(session: Session, user: User, job_id: int, keep_hours: float) -> KeptExport:
    """The file of a done export job of this user; gone once kept ``keep_hours``."""
    job = visible_job(session, user, job_id)
    if job.kind != EXPORT_JOB:
        raise NotFound(f"Job {job_id} is not an export.")
    if job.state != JobState.done or job.result is None:
        raise Conflict(f"Export {job_id} is {job.state.value}, not done: "
                       f"follow /api/v1/jobs/{job_id}.", state=job.state.value)
    formatter = FORMATS[job.result["format"]]
    path = files.export_file(job.id, formatter.extension)
    expired = job.finished_at is None or (
        job.finished_at + timedelta(hours=keep_hours) < datetime.now(timezone.utc))
    if expired or not path.is_file():
        files.remove(path)
        raise Gone(f"The file of export {job_id} was deleted after {keep_hours:g} hours "
                   "(personal data is not kept longer); export again.")
    return KeptExport(path, formatter.media_type, job.result["filename"])
