"""Which record versions and items reference a photo: what reads and garbage collection ask.

Record versions' references are written by the record store with each version; an item's are
written here when its data has passed the form (it then merges, waits for review or is held),
so the photo of a conflict is readable by its reviewer and never collected while it waits.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.form_validation import FormValidator
from server.services.record_store import json_rows, photo_references


def note_submission_photos(session: Session,
                           items: list[tuple[uuid.UUID, FormValidator, dict[str, Any]]]) -> None:
    """Keep the photos each checked item references (one statement for the batch)."""
    rows = [{"submission_id": item_id, "sha256": ref["sha256"]}
            for item_id, form, data in items for ref in photo_references(form, data)]
    if rows:
        session.execute(text("""
            INSERT INTO submission_photos (submission_id, sha256)
            SELECT DISTINCT submission_id, sha256
              FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(submission_id uuid, sha256 text)
            ON CONFLICT DO NOTHING"""), {"rows": json_rows(rows)})


REFERENCED = """(EXISTS (SELECT 1 FROM record_version_photos p WHERE p.sha256 = {sha})
              OR EXISTS (SELECT 1 FROM submission_photos s WHERE s.sha256 = {sha}))"""


def is_referenced(session: Session, sha256: str) -> bool:
    """Whether any record version or checked item references this photo."""
    return bool(session.execute(text("SELECT " + REFERENCED.format(sha=":sha")),
                                {"sha": sha256}).scalar())
