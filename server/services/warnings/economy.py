"""The district's economic run (辖区经济运行情况预判): per community, street and the district,
monthly, from the enterprises' indicators, in one set-based statement (GROUPING SETS), then the
trend flag from window functions over the months stored.

- energy (能耗): 100 × the mean of (water this month ÷ the area's mean monthly water over the
  12 months before) and the same for electricity: 100 is "as usual this past year".
- activity (活跃度): the share of the enterprises known this month (any indicator delivered)
  that paid both tax and social insurance; with the enterprises new this month (known now, and
  no water or electricity value in the 12 months before) and those that exited (newly on the
  exit list, or known the two months before and not at all now).
- growth index (增长指数): 100 × (1 + 0.4 Δtax + 0.3 Δelectricity + 0.3 Δheadcount), each Δ the
  year-on-year change of the area's total over the enterprises known in both months (a same-
  panel comparison: firms coming and going do not pass for growth). Tax weighs most because it
  follows output most directly; electricity and headcount are the physical side. A change not
  known (no values a year before) is left out and the others' weights share its place; None
  when none is known.
- trend_down: the growth index's three-month moving average fell this month after not falling
  the month before — the turn the issue asks to flag.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.indicators import add_months

DISTRICT = "district"


def run_economy(session: Session, month: date) -> int:
    """Compute (or recompute) a month's economic indicators for every area; returns how many
    areas were written."""
    params = {"month": month, "last": add_months(month, -1), "before_last": add_months(month, -2),
              "year_ago": add_months(month, -12), "district": DISTRICT}
    written = session.execute(_AREAS, params).rowcount
    session.execute(_TREND, {"month": month, "since": add_months(month, -4)})
    return written


_AREAS = text("""
WITH e AS (
    SELECT r.id, g.community_code, g.street_code FROM records r JOIN grids g ON g.id = r.grid_id
     WHERE r.kind = 'enterprise' AND r.retired_at IS NULL),
v AS (
    SELECT enterprise_id, month,
           sum(value) FILTER (WHERE indicator = 'water') AS water,
           sum(value) FILTER (WHERE indicator = 'electricity') AS electricity,
           sum(value) FILTER (WHERE indicator = 'tax') AS tax,
           sum(value) FILTER (WHERE indicator = 'headcount') AS headcount,
           sum(value) FILTER (WHERE indicator = 'social_insurance') AS insured,
           sum(value) FILTER (WHERE indicator = 'capacity_exit') AS exit_list
      FROM indicator_values
     WHERE month BETWEEN :year_ago AND :month
       -- the year's water and electricity (energy's base, who is new); the rest only where read
       AND (indicator IN ('water', 'electricity')
            OR month IN (:month, :last, :before_last, :year_ago))
     GROUP BY 1, 2),
per AS (
    SELECT e.community_code, e.street_code,
           bool_or(v.month = :month) AS present, bool_or(v.month = :last) AS present_last,
           bool_or(v.month = :before_last) AS present_before,
           bool_or(v.month < :month) AS seen_before,
           bool_or(v.month = :month AND v.tax > 0 AND v.insured > 0) AS paying,
           bool_or(v.month = :month AND v.exit_list >= 1) AS exit_now,
           bool_or(v.month = :last AND v.exit_list >= 1) AS exit_last,
           sum(v.water) FILTER (WHERE v.month = :month) AS water,
           sum(v.water) FILTER (WHERE v.month < :month) AS water_year,
           sum(v.electricity) FILTER (WHERE v.month = :month) AS elec,
           sum(v.electricity) FILTER (WHERE v.month < :month) AS elec_year,
           sum(v.tax) FILTER (WHERE v.month = :month) AS tax_now,
           sum(v.tax) FILTER (WHERE v.month = :year_ago) AS tax_then,
           sum(v.electricity) FILTER (WHERE v.month = :year_ago) AS elec_then,
           sum(v.headcount) FILTER (WHERE v.month = :month) AS head_now,
           sum(v.headcount) FILTER (WHERE v.month = :year_ago) AS head_then
      FROM e JOIN v ON v.enterprise_id = e.id
     GROUP BY e.id, e.community_code, e.street_code),
areas AS (
    SELECT CASE WHEN grouping(community_code) = 0 THEN community_code
                WHEN grouping(street_code) = 0 THEN street_code ELSE :district END AS area,
           CASE WHEN grouping(community_code) = 0 THEN 'community'
                WHEN grouping(street_code) = 0 THEN 'street' ELSE 'district' END AS area_level,
           count(*) FILTER (WHERE present) AS enterprises,
           count(*) FILTER (WHERE paying) AS paying,
           count(*) FILTER (WHERE present AND NOT seen_before) AS new_enterprises,
           count(*) FILTER (WHERE (exit_now AND NOT coalesce(exit_last, false))
                               OR (NOT present AND present_last AND present_before)) AS exited,
           sum(water) / nullif(sum(water_year) / 12, 0) AS water_ratio,
           sum(elec) / nullif(sum(elec_year) / 12, 0) AS elec_ratio,
           sum(tax_now) FILTER (WHERE tax_then IS NOT NULL)
               / nullif(sum(tax_then) FILTER (WHERE tax_now IS NOT NULL), 0) - 1 AS tax_yoy,
           sum(elec) FILTER (WHERE elec_then IS NOT NULL)
               / nullif(sum(elec_then) FILTER (WHERE elec IS NOT NULL), 0) - 1 AS elec_yoy,
           sum(head_now) FILTER (WHERE head_then IS NOT NULL)
               / nullif(sum(head_then) FILTER (WHERE head_now IS NOT NULL), 0) - 1 AS head_yoy
      FROM per GROUP BY GROUPING SETS ((community_code), (street_code), ()))
INSERT INTO economy_months (area, month, area_level, enterprises, energy, activity,
                            new_enterprises, exited_enterprises, growth_index, trend_down)
SELECT area, :month, area_level, enterprises,
       round(100 * (coalesce(water_ratio, elec_ratio) + coalesce(elec_ratio, water_ratio)) / 2, 2),
       round(CAST(paying AS numeric) / nullif(enterprises, 0), 4), new_enterprises, exited,
       round(100 * (1 + (0.4 * coalesce(tax_yoy, 0) + 0.3 * coalesce(elec_yoy, 0)
                         + 0.3 * coalesce(head_yoy, 0))
                        / nullif(0.4 * num_nonnulls(tax_yoy) + 0.3 * num_nonnulls(elec_yoy)
                                 + 0.3 * num_nonnulls(head_yoy), 0)), 2), false
  FROM areas WHERE area IS NOT NULL
ON CONFLICT (area, month) DO UPDATE
   SET area_level = excluded.area_level, enterprises = excluded.enterprises,
       energy = excluded.energy, activity = excluded.activity,
       new_enterprises = excluded.new_enterprises,
       exited_enterprises = excluded.exited_enterprises,
       growth_index = excluded.growth_index, computed_at = now()""")

_TREND = text("""
WITH smoothed AS (
    SELECT area, month, avg(growth_index) OVER (PARTITION BY area ORDER BY month
                                                ROWS 2 PRECEDING) AS average
      FROM economy_months WHERE month BETWEEN :since AND :month),
turns AS (
    SELECT area, month, average,
           lag(average) OVER (PARTITION BY area ORDER BY month) AS before,
           lag(average, 2) OVER (PARTITION BY area ORDER BY month) AS earlier
      FROM smoothed)
UPDATE economy_months m
   SET trend_down = coalesce(t.average < t.before AND t.before >= t.earlier, false)
  FROM turns t WHERE t.area = m.area AND t.month = m.month AND m.month = :month""")
