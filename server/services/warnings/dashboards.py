"""What the decision-support dashboards read, within the reader's scope.

Who sees what (one rule, here): administrators the whole district; supervisors the grids they
supervise; department staff the grids their department's grant covers, and only when the grant
includes enterprises (``kinds`` lists ``enterprise``); collectors nothing. An area's economic
figures are shown to a reader whose scope holds every grid of the area (the district's to a
reader of the whole district). Enterprise names and codes go through the disclosure function.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.indicators import month_text
from server.domain.warning_model import LEVELS
from server.errors import Forbidden, NotFound
from server.models import Role, User
from server.services.disclosure import shown_data
from server.services.scope import readable_kinds, record_scope
from server.services.warnings.economy import DISTRICT
from server.services.indicators.store import ENTERPRISE_KIND


@dataclass(frozen=True)
class DecisionScope:
    """The grids a reader sees warnings of (None: all)."""

    grid_ids: list[int] | None

    @property
    def everything(self) -> bool:
        """Whether the reader sees the whole district."""
        return self.grid_ids is None


def reads_decisions(session: Session, user: User) -> bool:
    """Whether the dashboards are for this user at all."""
    kinds = readable_kinds(session, user)
    return user.role != Role.collector and (kinds is None or ENTERPRISE_KIND in kinds)


def decision_scope(session: Session, user: User) -> DecisionScope:
    """The reader's scope, or 403 for a reader the dashboards are not for."""
    if not reads_decisions(session, user):
        raise Forbidden("The decision-support dashboards are for supervisors, administrators "
                        "and departments granted enterprises.")
    return DecisionScope(record_scope(session, user))


def list_warnings(session: Session, user: User, month: date | None, level: str | None,
                  grid: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    """Warnings, highest score first, as the reader may see them."""
    scope = decision_scope(session, user)
    rows = session.execute(text("""
        SELECT w.month, w.level, w.score, w.signals, w.event_id, w.dispatch, w.model_version,
               g.code AS grid, r.form_id, r.form_version, r.data, r.id AS enterprise_id
          FROM warnings w JOIN records r ON r.id = w.enterprise_id JOIN grids g ON g.id = w.grid_id
         WHERE (CAST(:month AS date) IS NULL OR w.month = :month)
           AND (CAST(:level AS text) IS NULL OR w.level = :level)
           AND (CAST(:grid AS text) IS NULL OR g.code = :grid)
           AND (CAST(:scope AS bigint[]) IS NULL OR w.grid_id = ANY(CAST(:scope AS bigint[])))
         ORDER BY w.month DESC, w.score DESC, w.enterprise_id LIMIT :limit OFFSET :offset"""),
        {"month": month, "level": level, "grid": grid, "scope": scope.grid_ids,
         "limit": limit, "offset": offset}).mappings().all()
    return [warning_body(session, user, r) for r in rows]


def warning_body(session: Session, user: User, row: Any) -> dict[str, Any]:
    """One warning as the API shows it."""
    return {"enterprise": enterprise_body(session, user, row), "month": month_text(row["month"]),
            "level": row["level"], "score": float(row["score"]), "grid": row["grid"],
            "signals": [_signal(s) for s in row["signals"]], "event": row["event_id"],
            "dispatch": row["dispatch"], "model_version": row["model_version"]}


def enterprise_body(session: Session, user: User, row: Any) -> dict[str, Any]:
    """An enterprise's id, credit code and name, through the disclosure function."""
    data = shown_data(session, user, row["form_id"], row["form_version"],
                      {k: row["data"].get(k) for k in ("credit_code", "name")},
                      row["enterprise_id"]) or {}
    return {"id": row["enterprise_id"], "credit_code": data.get("credit_code"),
            "name": data.get("name")}


def _signal(signal: dict[str, Any]) -> dict[str, Any]:
    number = (lambda v: None if v is None else float(v))
    return {"signal": signal["signal"], "indicator": signal["indicator"],
            "value": number(signal["value"]), "baseline": number(signal["baseline"]),
            "change": number(signal["change"]), "weight": number(signal["weight"]),
            "reason": signal["reason"]}


def warnings_by_month(session: Session, user: User, since: date, until: date
                      ) -> list[dict[str, Any]]:
    """Warnings per month run and level, for the months in [since, until]."""
    scope = decision_scope(session, user)
    if scope.everything:  # the run kept the district's counts
        return [{"month": month_text(month), **{lv: int((levels or {}).get(lv, 0)) for lv in LEVELS}}
                for month, levels in session.execute(text(
                    "SELECT month, summary->'levels' FROM warning_runs "
                    "WHERE month BETWEEN :since AND :until ORDER BY month"),
                    {"since": since, "until": until})]
    rows = session.execute(text("""
        SELECT r.month, w.level, count(w.month) FROM warning_runs r
          LEFT JOIN warnings w ON w.month = r.month
               AND (CAST(:scope AS bigint[]) IS NULL OR w.grid_id = ANY(CAST(:scope AS bigint[])))
         WHERE r.month BETWEEN :since AND :until
         GROUP BY r.month, w.level ORDER BY r.month"""),
        {"since": since, "until": until, "scope": scope.grid_ids}).all()
    months: dict[str, dict[str, Any]] = {}
    for month, level, count in rows:  # every month run, with its levels (0 when none)
        entry = months.setdefault(month_text(month), {"month": month_text(month),
                                                      **{lv: 0 for lv in LEVELS}})
        if level is not None:
            entry[level] = count
    return list(months.values())


def warnings_by_grid(session: Session, user: User, month: date) -> list[dict[str, Any]]:
    """A month's warnings per grid in scope (the console draws them on the grids it has)."""
    scope = decision_scope(session, user)
    rows = session.execute(text("""
        SELECT g.code, g.name, coalesce(c.blue, 0) AS blue, coalesce(c.yellow, 0) AS yellow,
               coalesce(c.orange, 0) AS orange, coalesce(c.red, 0) AS red
          FROM grids g LEFT JOIN (
               SELECT grid_id, count(*) FILTER (WHERE level = 'blue') AS blue,
                      count(*) FILTER (WHERE level = 'yellow') AS yellow,
                      count(*) FILTER (WHERE level = 'orange') AS orange,
                      count(*) FILTER (WHERE level = 'red') AS red
                 FROM warnings WHERE month = :month GROUP BY grid_id) c ON c.grid_id = g.id
         WHERE g.retired_at IS NULL
           AND (CAST(:scope AS bigint[]) IS NULL OR g.id = ANY(CAST(:scope AS bigint[])))
         ORDER BY g.code"""), {"month": month, "scope": scope.grid_ids}).mappings().all()
    return [{"grid": r["code"], "name": r["name"], **{lv: r[lv] for lv in LEVELS},
             "total": sum(r[lv] for lv in LEVELS)} for r in rows]


def enterprise_page(session: Session, user: User, credit_code: str) -> dict[str, Any]:
    """One enterprise: its indicator series, and its warnings with the signals that fired."""
    scope = decision_scope(session, user)
    row = session.execute(text("""
        SELECT r.id AS enterprise_id, r.form_id, r.form_version, r.data, r.grid_id, g.code AS grid
          FROM records r JOIN grids g ON g.id = r.grid_id
         WHERE r.kind = :kind AND r.key = :code AND r.retired_at IS NULL"""),
        {"kind": ENTERPRISE_KIND, "code": credit_code}).mappings().first()
    if row is None or not (scope.everything or row["grid_id"] in scope.grid_ids):
        raise NotFound(f"No enterprise {credit_code[:32]} among those you may see.")
    series: dict[str, list[list[Any]]] = {}
    for indicator, month, value in session.execute(text(
            "SELECT indicator, month, value FROM indicator_values WHERE enterprise_id = :id "
            "ORDER BY indicator, month"), {"id": row["enterprise_id"]}):
        series.setdefault(indicator, []).append([month_text(month), float(value)])
    warnings = session.execute(text("""
        SELECT w.*, g.code AS grid FROM warnings w JOIN grids g ON g.id = w.grid_id
         WHERE w.enterprise_id = :id ORDER BY w.month"""), {"id": row["enterprise_id"]}).mappings()
    body = [{**warning_body(session, user, {**w, **row}), "grid": w["grid"]} for w in warnings]
    return {"enterprise": {**enterprise_body(session, user, row), "grid": row["grid"]},
            "series": series, "warnings": body}


def economy_series(session: Session, user: User, area: str, since: date, until: date
                   ) -> list[dict[str, Any]]:
    """An area's monthly economic figures, each with the same month a year before."""
    scope = decision_scope(session, user)
    if not _area_in_scope(session, scope, area):
        raise NotFound(f"No area {area[:32]} among those you may see.")
    rows = session.execute(text("""
        SELECT * FROM (
            SELECT month, area_level, enterprises, energy, activity, new_enterprises,
                   exited_enterprises, growth_index, trend_down,
                   lag(energy, 12) OVER w AS energy_year_ago,
                   lag(activity, 12) OVER w AS activity_year_ago,
                   lag(growth_index, 12) OVER w AS growth_index_year_ago,
                   lag(month, 12) OVER w AS year_ago
              FROM economy_months WHERE area = :area AND month BETWEEN :from AND :until
            WINDOW w AS (ORDER BY month)) m
         WHERE month >= :since ORDER BY month"""),
        {"area": area, "since": since, "until": until,
         "from": date(since.year - 1, since.month, 1)}).mappings().all()
    number = (lambda v: None if v is None else float(v))
    return [{"month": month_text(r["month"]), "area_level": r["area_level"],
             "enterprises": r["enterprises"], "energy": number(r["energy"]),
             "activity": number(r["activity"]), "growth_index": number(r["growth_index"]),
             "new_enterprises": r["new_enterprises"], "exited_enterprises": r["exited_enterprises"],
             "trend_down": r["trend_down"],
             "year_ago": _year_ago(r, number)} for r in rows]


def _year_ago(row: Any, number: Any) -> dict[str, Any] | None:
    month = row["year_ago"]
    if month is None or (row["month"].year - month.year) * 12 + row["month"].month - month.month != 12:
        return None  # the row twelve back is not the same month a year before (a gap)
    return {"energy": number(row["energy_year_ago"]), "activity": number(row["activity_year_ago"]),
            "growth_index": number(row["growth_index_year_ago"])}


def _area_in_scope(session: Session, scope: DecisionScope, area: str) -> bool:
    if scope.everything:
        return True
    if area == DISTRICT:
        return False
    inside, total = session.execute(text("""
        SELECT count(*) FILTER (WHERE id = ANY(CAST(:scope AS bigint[]))), count(*)
          FROM grids WHERE retired_at IS NULL AND (street_code = :area OR community_code = :area)"""),
        {"area": area, "scope": scope.grid_ids}).one()
    return total > 0 and inside == total
