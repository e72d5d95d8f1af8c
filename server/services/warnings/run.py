"""The monthly warning run: every enterprise's signals, score and level for a month, in one
set-based statement, then dispatch of the levels the model sends to the labour department.

Idempotent per month: running a month again (after a re-import, or under a new model) updates
its warnings in place, removes those no longer warranted, and keeps each warning's event; an
enterprise already dispatched is never reported twice (dispatch.py).

The trailing median is a grouped ``percentile_cont`` over the months before (PostgreSQL has no
windowed median); the economic run's trends use window functions (economy.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.indicators import add_months, month_text
from server.models import WarningRun
from server.services.warnings.dispatch import dispatch_warnings
from server.services.warnings.model import current_model


@dataclass(frozen=True)
class RunSummary:
    """What a month's run found and did."""

    month: str
    model_version: int
    levels: dict[str, int]
    dispatch: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """JSON for a job's result and the API."""
        return {"month": self.month, "model_version": self.model_version,
                "levels": self.levels, "dispatch": self.dispatch}


def run_warnings(session: Session, month: date, actor_id: int | None = None) -> RunSummary:
    """Compute (or recompute) a month's warnings and dispatch those the model sends on."""
    model = current_model(session)
    definition = model.definition
    baseline = definition["baseline"]
    session.execute(_SCORE, {
        "signals": json.dumps(definition["signals"], ensure_ascii=False),
        "levels": json.dumps(definition["levels"]), "month": month,
        "since": add_months(month, -baseline["months"]), "months": baseline["months"],
        "min_months": baseline["min_months"], "version": model.version,
        "year_ago": add_months(month, -12), "yoy": bool(baseline.get("year_over_year"))})
    dispatched = dispatch_warnings(session, month, definition, actor_id)
    levels = dict(session.execute(text(
        "SELECT level, count(*) FROM warnings WHERE month = :month GROUP BY level"),
        {"month": month}).all())
    summary = RunSummary(month_text(month), model.version, levels, dispatched)
    run = session.get(WarningRun, month) or WarningRun(month=month)
    run.model_version, run.ran_by_id, run.summary = model.version, actor_id, summary.as_dict()
    run.ran_at = text("now()")  # type: ignore[assignment]
    session.add(run)
    session.flush()
    return summary


def _amount(expression: str) -> str:
    """SQL: a number with thousands separators, decimals only when it has them."""
    return (f"CASE WHEN {expression} = trunc({expression}) "
            f"THEN to_char({expression}, 'FM999,999,999,999,990') "
            f"ELSE to_char({expression}, 'FM999,999,999,999,990.99') END")


_SCORE = text("""
WITH sig AS (
    SELECT * FROM jsonb_to_recordset(CAST(:signals AS jsonb)) AS s(
        id text, indicator text, rule text, threshold numeric, weight numeric, label jsonb,
        unit text)),
cur AS (
    SELECT enterprise_id, indicator, value FROM indicator_values
     WHERE month = :month AND indicator IN (SELECT indicator FROM sig)),
base AS (
    SELECT enterprise_id, indicator, count(*) AS known,
           CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS numeric) AS median
      FROM indicator_values
     WHERE month >= :since AND month < :month
       AND indicator IN (SELECT indicator FROM sig WHERE rule = 'drop_vs_median')
     GROUP BY enterprise_id, indicator),
last_year AS (
    SELECT enterprise_id, indicator, value FROM indicator_values
     WHERE :yoy AND month = :year_ago
       AND indicator IN (SELECT indicator FROM sig WHERE rule = 'drop_vs_median')),
fired AS (
    SELECT c.enterprise_id, s.id, s.indicator, s.weight, s.label, s.unit, s.rule, c.value,
           b.median, CASE WHEN s.rule = 'drop_vs_median' THEN c.value / b.median - 1 END AS change
      FROM cur c JOIN sig s ON s.indicator = c.indicator
      LEFT JOIN base b ON b.enterprise_id = c.enterprise_id AND b.indicator = c.indicator
      LEFT JOIN last_year y ON y.enterprise_id = c.enterprise_id AND y.indicator = c.indicator
     WHERE CASE s.rule WHEN 'above' THEN c.value > s.threshold
                       WHEN 'at_least' THEN c.value >= s.threshold
                       ELSE b.known >= :min_months AND b.median > 0
                            AND c.value <= b.median * (1 - s.threshold)
                            -- a dip the same month had a year before too is the season
                            AND (y.value IS NULL OR y.value <= 0
                                 OR c.value <= y.value * (1 - s.threshold)) END),
scored AS (
    SELECT enterprise_id, sum(weight) AS score, jsonb_agg(jsonb_build_object(
               'signal', id, 'indicator', indicator, 'weight', weight, 'value', value,
               'baseline', round(median, 2), 'change', round(change, 4),
               'reason', CASE WHEN rule = 'drop_vs_median'
                   THEN format('%s −%s %% vs %s-month median %s %s', label->>'zh',
                               round(-change * 100), :months, """ + _amount("median") + """, unit)
                   ELSE rtrim(format('%s %s %s', label->>'zh', """ + _amount("value") + """, unit)) END)
               ORDER BY weight DESC, id) AS signals
      FROM fired GROUP BY enterprise_id),
levelled AS (
    SELECT s.*, (SELECT l.level FROM jsonb_to_recordset(CAST(:levels AS jsonb))
                             AS l(level text, min_score numeric)
                  WHERE s.score >= l.min_score ORDER BY l.min_score DESC LIMIT 1) AS level
      FROM scored s),
written AS (
    INSERT INTO warnings (month, enterprise_id, grid_id, level, score, signals, model_version)
    SELECT :month, l.enterprise_id, r.grid_id, l.level, l.score, l.signals, :version
      FROM levelled l JOIN records r ON r.id = l.enterprise_id
     WHERE l.level IS NOT NULL
    ON CONFLICT (month, enterprise_id) DO UPDATE
       SET grid_id = excluded.grid_id, level = excluded.level, score = excluded.score,
           signals = excluded.signals, model_version = excluded.model_version
    RETURNING enterprise_id)
DELETE FROM warnings w
 WHERE w.month = :month AND NOT EXISTS (
       SELECT 1 FROM written WHERE written.enterprise_id = w.enterprise_id)""")
