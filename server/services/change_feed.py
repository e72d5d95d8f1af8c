"""The change feed: records of the caller's grids changed since a cursor, never skipping one.

Each record carries the id of the transaction that last changed it. The feed only hands out
changes of transactions older than the oldest one still running (``pg_snapshot_xmin``), in
(transaction id, record id) order. A transaction that commits late has an id at or above that
horizon, so it is still ahead of every cursor already handed out: nothing is skipped.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.errors import Invalid

MAX_LIMIT = 1000


@dataclass(frozen=True)
class Cursor:
    """A position in the feed."""

    xid: int
    record_id: uuid.UUID

    def encode(self) -> str:
        """The opaque form handed to clients."""
        return f"{self.xid}.{self.record_id.hex}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor:
        """Parse a client's cursor; empty means the beginning."""
        if not value or value == "0":
            return cls(0, uuid.UUID(int=0))
        try:
            xid, record = value.split(".")
            return cls(int(xid), uuid.UUID(hex=record))
        except ValueError:
            raise Invalid("The cursor is not one this server handed out.",
                          errors=[{"field": "since", "message": "unknown cursor"}]) from None


_FEED = text("""
SELECT r.id, r.kind, r.key, g.code AS grid, r.version, r.data, r.form_id, r.form_version,
       ST_AsGeoJSON(r.geometry, 7) AS geometry, r.updated_at, u.username AS updated_by,
       r.retired_at, r.change_xid
  FROM records r JOIN grids g ON g.id = r.grid_id LEFT JOIN users u ON u.id = r.updated_by_id
 WHERE r.grid_id = ANY(CAST(:grids AS bigint[]))
   AND (r.change_xid, r.id) > (:xid, :record_id)
   AND r.change_xid < CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint)
 ORDER BY r.change_xid, r.id
 LIMIT :limit""")


def changes_since(session: Session, grid_ids: set[int], since: str | None,
                  limit: int) -> tuple[list[Any], str, bool]:
    """Rows changed after ``since`` in these grids; the next cursor; whether more are ready."""
    cursor = Cursor.decode(since)
    rows = session.execute(_FEED, {"grids": sorted(grid_ids), "xid": cursor.xid,
                                   "record_id": cursor.record_id, "limit": limit + 1}).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        cursor = Cursor(rows[-1].change_xid, rows[-1].id)
    return rows, cursor.encode(), more
