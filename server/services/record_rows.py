"""How records are read: one query shape for every response that carries records."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

RECORD_COLUMNS = """r.id, r.kind, r.key, g.code AS grid, r.version, r.data, r.form_id,
       r.form_version, ST_AsGeoJSON(r.geometry, 7) AS geometry, r.updated_at,
       u.username AS updated_by, r.retired_at, r.grid_id,
       (SELECT jsonb_agg(jsonb_build_object('field', p.field, 'sha256', p.sha256,
                                            'arrived', a.sha256 IS NOT NULL)
                         ORDER BY p.field, p.position)
          FROM record_version_photos p LEFT JOIN attachments a ON a.sha256 = p.sha256
         WHERE p.record_id = r.id AND p.version = r.version) AS photos"""
RECORD_JOINS = """JOIN grids g ON g.id = r.grid_id LEFT JOIN users u ON u.id = r.updated_by_id"""


def record_row(session: Session, record_id: uuid.UUID) -> Any:
    """One record as responses show it (see record_view.record_body), or None."""
    return session.execute(text(f"SELECT {RECORD_COLUMNS} FROM records r {RECORD_JOINS} "
                                "WHERE r.id = :id"), {"id": record_id}).first()
