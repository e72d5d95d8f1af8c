"""How a record is shown: one place, so every response carries records the same way."""
from __future__ import annotations

import json
from typing import Any


def record_body(row: Any) -> dict[str, Any]:
    """A record row as the API's record object."""
    return {"id": str(row.id), "kind": row.kind, "key": row.key, "grid": row.grid,
            "version": row.version, "form": row.form_id, "form_version": row.form_version,
            "geometry": json.loads(row.geometry) if row.geometry else None, "data": row.data,
            "updated_at": row.updated_at.isoformat(), "updated_by": row.updated_by,
            "retired": row.retired_at is not None}
