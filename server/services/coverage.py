"""Coverage of the grids: how many records of each kind, how fresh, how many open conflicts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.models import User
from server.services.scope import record_scope


@dataclass(frozen=True)
class GridCoverage:
    """One grid's state: records by kind, last collection, open conflicts, primary collector."""

    grid: str
    name: str
    street_name: str | None
    community_name: str | None
    records: dict[str, int]
    last_collected_at: datetime | None
    open_conflicts: int
    primary_collector: dict[str, str] | None


# Set-based: one statement for every grid in scope, whatever their number. The last collection
# is the latest change of a live record or the latest item queued for review in the grid.
_COVERAGE = """
WITH scope AS (
    SELECT id, code, name, street_name, community_name FROM grids
     WHERE retired_at IS NULL
       AND (CAST(:scope AS bigint[]) IS NULL OR id = ANY(CAST(:scope AS bigint[])))),
by_kind AS (
    SELECT grid_id, kind, count(*) AS n, max(updated_at) AS last
      FROM records WHERE retired_at IS NULL AND grid_id IN (SELECT id FROM scope)
     GROUP BY grid_id, kind),
per_grid AS (
    SELECT grid_id, jsonb_object_agg(kind, n) AS records, max(last) AS last
      FROM by_kind GROUP BY grid_id),
open_conflicts AS (
    SELECT grid_id, count(*) FILTER (WHERE status = 'open') AS n, max(created_at) AS last
      FROM conflicts WHERE grid_id IN (SELECT id FROM scope) GROUP BY grid_id),
primaries AS (
    SELECT DISTINCT ON (a.grid_id) a.grid_id, u.username, u.display_name
      FROM assignments a JOIN users u ON u.id = a.user_id
     WHERE a.kind = 'primary' AND a.grid_id IN (SELECT id FROM scope)
       AND a.valid_from <= now() AND (a.valid_to IS NULL OR a.valid_to > now())
     ORDER BY a.grid_id, a.valid_from DESC)
SELECT s.code, s.name, s.street_name, s.community_name,
       coalesce(p.records, '{}'::jsonb) AS records,
       GREATEST(p.last, o.last) AS last_collected_at, coalesce(o.n, 0) AS open_conflicts,
       pr.username, pr.display_name
  FROM scope s LEFT JOIN per_grid p ON p.grid_id = s.id
  LEFT JOIN open_conflicts o ON o.grid_id = s.id
  LEFT JOIN primaries pr ON pr.grid_id = s.id
 ORDER BY s.code"""


def grid_coverage(session: Session, user: User) -> list[GridCoverage]:
    """Coverage of every grid the user may read records of (supervisor: its grids; admin and
    viewer: the whole district; collector: the grids it works in now), ordered by code."""
    rows = session.execute(text(_COVERAGE), {"scope": record_scope(session, user)})
    return [_coverage(row) for row in rows]


def _coverage(row: Any) -> GridCoverage:
    primary = ({"username": row.username, "display_name": row.display_name}
               if row.username else None)
    return GridCoverage(row.code, row.name, row.street_name, row.community_name,
                        dict(row.records), row.last_collected_at, int(row.open_conflicts),
                        primary)
