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
from server.services.record_rows import RECORD_COLUMNS, RECORD_JOINS

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


# The oldest transaction still running: every change of an older one has committed or never will.
HORIZON = "CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint)"
_AFTER = (f"(r.change_xid, r.id) > (:xid, :record_id) AND r.change_xid < {HORIZON} "
          "AND (CAST(:kinds AS text[]) IS NULL OR r.kind = ANY(CAST(:kinds AS text[])))")

# A scope reads each of its grids' (grid, change_xid, id) index from the cursor on, at most a
# page per grid, then takes the first page of those: a small grid in a big district never
# walks the district-wide index.
_SCOPED_FEED = text(f"""
SELECT {RECORD_COLUMNS}, r.change_xid
  FROM unnest(CAST(:grids AS bigint[])) AS scope(grid_id)
  CROSS JOIN LATERAL (
       SELECT * FROM records r
        WHERE r.grid_id = scope.grid_id AND {_AFTER}
        ORDER BY r.change_xid, r.id LIMIT :limit) AS r
  {RECORD_JOINS}
 ORDER BY r.change_xid, r.id
 LIMIT :limit""")

_DISTRICT_FEED = text(f"""
SELECT {RECORD_COLUMNS}, r.change_xid
  FROM (SELECT * FROM records r WHERE {_AFTER} ORDER BY r.change_xid, r.id LIMIT :limit) AS r
  {RECORD_JOINS}
 ORDER BY r.change_xid, r.id""")


@dataclass(frozen=True)
class FeedPage:
    """Rows changed after a cursor, the next cursor, whether more are ready, and on the first
    page an estimate of how many records the whole feed holds (for "x of y" progress)."""

    rows: list[Any]
    next: str
    more: bool
    estimated_total: int | None


# Each grid's own (grid, change_xid, id) index answers the count (an index-only scan).
_SCOPE_SIZE = text("SELECT count(*) FROM records WHERE grid_id = ANY(CAST(:grids AS bigint[]))")
# District-wide, the planner's estimate is enough and costs nothing.
_DISTRICT_SIZE = text("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class "
                      "WHERE oid = 'records'::regclass")


def changes_since(session: Session, grid_ids: list[int] | None, kinds: list[str] | None,
                  since: str | None, limit: int) -> FeedPage:
    """Rows changed after ``since`` in these grids (None: the whole district) of these kinds
    (None: all); the next cursor; whether more are ready; the feed's size when starting from
    the beginning."""
    cursor = Cursor.decode(since)
    first = cursor.xid == 0
    params = {"xid": cursor.xid, "record_id": cursor.record_id, "limit": limit + 1,
              "kinds": kinds}
    if grid_ids is None:
        rows = session.execute(_DISTRICT_FEED, params).all()
    else:
        rows = session.execute(_SCOPED_FEED, {**params, "grids": sorted(grid_ids)}).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        cursor = Cursor(rows[-1].change_xid, rows[-1].id)
    total = _feed_size(session, grid_ids) if first else None
    return FeedPage(rows, cursor.encode(), more, total)


def _feed_size(session: Session, grid_ids: list[int] | None) -> int:
    if grid_ids is None:
        return int(session.execute(_DISTRICT_SIZE).scalar() or 0)
    return int(session.execute(_SCOPE_SIZE, {"grids": sorted(grid_ids)}).scalar() or 0)
