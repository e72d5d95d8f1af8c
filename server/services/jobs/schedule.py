"""Periodic jobs: work that must run every few seconds (webhook deliveries), without duplicates.

A periodic kind is ONE row of ``jobs`` (``every_seconds`` set; a unique index allows no second
row of that kind). Every worker makes sure the row exists when it starts looking for work; after
each run the row is queued again ``every_seconds`` later instead of finishing (a failed run is
retried with a short backoff and never parked). So however many workers run, each periodic job
runs on one of them at a time, the table does not grow, and a worker whose run dies is replaced
when its lease runs out. Workers sleep until the next job is due (or a NOTIFY of new work,
or their poll interval), never in a busy loop.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.services.jobs.kinds import PERIODIC

_SEED = text("""
INSERT INTO jobs (kind, payload, state, progress, every_seconds, max_attempts)
SELECT p.kind, '{}', 'queued', '{}', p.every, 1
  FROM unnest(CAST(:kinds AS text[]), CAST(:every AS int[])) AS p(kind, every)
 WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = p.kind AND j.every_seconds IS NOT NULL)
ON CONFLICT (kind) WHERE every_seconds IS NOT NULL DO NOTHING""")

_RETIME = text("""
UPDATE jobs j SET every_seconds = p.every
  FROM unnest(CAST(:kinds AS text[]), CAST(:every AS int[])) AS p(kind, every)
 WHERE j.kind = p.kind AND j.every_seconds IS NOT NULL AND j.every_seconds <> p.every""")

_NEXT_DUE = text("""
SELECT EXTRACT(EPOCH FROM min(run_after) - clock_timestamp()) FROM jobs
 WHERE state = 'queued'
   AND (CAST(:kinds AS text[]) IS NULL OR kind = ANY(CAST(:kinds AS text[])))""")


def schedule_periodic(session: Session, kinds: list[str] | None = None,
                      periodic: dict[str, int] | None = None) -> None:
    """Make sure each periodic job (of ``kinds``, when named) has its row; idempotent, and
    writes nothing when the rows are there."""
    wanted = {kind: every for kind, every in (periodic or PERIODIC).items()
              if kinds is None or kind in kinds}
    if wanted:
        params = {"kinds": list(wanted), "every": list(wanted.values())}
        session.execute(_SEED, params)
        session.execute(_RETIME, params)


def seconds_until_due(session: Session, kinds: list[str] | None = None) -> float | None:
    """How long until the next queued job (of ``kinds``) is due; None when none is queued."""
    seconds = session.execute(_NEXT_DUE, {"kinds": kinds}).scalar()
    return None if seconds is None else float(seconds)
