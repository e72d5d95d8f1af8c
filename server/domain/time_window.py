"""The span of time a date-time from a client may fall in: one rule for captures and assignments.

PostgreSQL stores years Python cannot read back (``0001-01-01T00:00+14:00`` is year 0 in UTC,
``9999-12-31T23:59-14:00`` is year 10000): such a value, once stored, would break every later
read of its row. Nothing in Zhiwang predates 2000 or lies years ahead, so anything outside
the window is refused before it is stored.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
SCHEDULE_AHEAD = timedelta(days=5 * 366)  # an assignment may be planned up to five years ahead


def outside_window(moment: datetime, now: datetime, ahead: timedelta = SCHEDULE_AHEAD) -> str | None:
    """Why ``moment`` (time-zone aware) is out of range, or None when it is fine."""
    if moment < EARLIEST:
        return f"must not be before {EARLIEST.date().isoformat()}"
    if moment > now + ahead:
        return "lies too far in the future"
    return None
