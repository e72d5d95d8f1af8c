"""How a record is shown: one place, so every response carries records the same way."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from server.models import User
from server.services.disclosure import (Reader, reader_sees_field, reader_shows,
                                        reader_shows_key, shown_data, shown_key, validator)


def record_body(session: Session, user: User, row: Any) -> dict[str, Any]:
    """A record row (see services.record_rows.RECORD_COLUMNS) as the API's record object."""
    data = shown_data(session, user, row.form_id, row.form_version, row.data, row.id)
    return {"id": str(row.id), "kind": row.kind, "key": _key(session, user, row), "grid": row.grid,
            "version": row.version, "form": row.form_id, "form_version": row.form_version,
            "geometry": json.loads(row.geometry) if row.geometry else None,
            "data": data, "photos": shown_photos(row.photos, row.data, data),
            "updated_at": row.updated_at.isoformat(), "updated_by": row.updated_by,
            "retired": row.retired_at is not None}


def version_body(session: Session, user: User, row: Any) -> dict[str, Any]:
    """One version of a record's history, with the photos it had (pending until they arrive)."""
    data = shown_data(session, user, row.form_id, row.form_version, row.data, row.record_id)
    return {"version": row.version, "data": data,
            "photos": shown_photos(row.photos, row.data, data),
            "grid": row.grid, "form": row.form_id, "form_version": row.form_version,
            "made_at": row.made_at.isoformat(), "made_by": row.made_by,
            "made_by_name": row.made_by_name,
            "submission_id": str(row.submission_id) if row.submission_id else None,
            "conflict_id": row.conflict_id, "branch": row.branch,
            "changed_fields": row.changed_fields, "auto_merged_fields": row.auto_merged_fields,
            "note": row.note}


def shown_photos(references: list[dict[str, Any]] | None, data: dict[str, Any] | None,
                 shown: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A version's photos ``{field, sha256, state: pending|arrived}``, leaving out those of
    fields the reader sees masked."""
    return [{"field": ref["field"], "sha256": ref["sha256"],
             "state": "arrived" if ref["arrived"] else "pending"}
            for ref in references or []
            if shown is not None and data is not None
            and shown.get(ref["field"]) == data.get(ref["field"])]


def delivered_record(session: Session, reader: Reader, row: Any) -> dict[str, Any]:
    """A record as one of its versions left it, as a webhook delivers it to a department
    (``reader``): the record object of the API, with the fields that version changed."""
    form = validator(session, row.form_id, row.form_version)
    key = str(row.data.get(form.key, "")) if form is not None and row.data else ""
    return {"id": str(row.record_id), "kind": row.kind, "grid": row.grid,
            "key": reader_shows_key(session, reader, row.form_id, row.form_version, key),
            "version": row.version, "form": row.form_id, "form_version": row.form_version,
            "geometry": json.loads(row.geometry) if row.geometry else None,
            "data": reader_shows(session, reader, row.form_id, row.form_version, row.data,
                                 row.record_id),
            "updated_at": row.made_at.isoformat(), "updated_by": row.made_by,
            "changed_fields": [f for f in row.changed_fields or [] if reader_sees_field(
                session, reader, row.form_id, row.form_version, f)]}


def _key(session: Session, user: User, row: Any) -> str:
    return shown_key(session, user, row.form_id, row.form_version, row.key)
