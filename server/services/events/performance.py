"""Department performance per month: events handled, the share handled by their deadline, the
median time from dispatch to handling, and the events sent back. Months are China time."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.errors import Forbidden, Invalid
from server.models import Role, User
from server.services.scope import event_scope

CHINA = timezone(timedelta(hours=8))
MAX_MONTHS = 24

# Read from the partial index on handlings and returns alone (see models/events.py).
_FIGURES = """
SELECT t.department_code AS department, d.name AS department_name,
       to_char(t.at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month,
       count(*) FILTER (WHERE t.action = 'handle') AS handled,
       count(*) FILTER (WHERE t.action = 'handle' AND t.on_time) AS on_time,
       count(*) FILTER (WHERE t.action = 'return') AS returned,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.handling_seconds)
           FILTER (WHERE t.action = 'handle') AS median_seconds
  FROM event_transitions t LEFT JOIN departments d ON d.code = t.department_code
 WHERE t.action IN ('handle', 'return') AND t.at >= :start AND t.at < :end {scope}
 GROUP BY 1, 2, 3 ORDER BY 3, 1"""


def department_performance(session: Session, user: User, first: str | None, last: str | None,
                           department: str | None = None, now: datetime | None = None
                           ) -> list[dict[str, Any]]:
    """Figures per department and month from ``first`` to ``last`` (``YYYY-MM``; by default
    the last twelve months), within the user's event scope."""
    if user.role == Role.collector:
        raise Forbidden("Department performance is for supervisors, departments and "
                        "administrators.")
    start, end = _months(first, last, now or datetime.now(timezone.utc))
    scope = event_scope(session, user)
    conditions, params = [], {"start": start, "end": end}
    departments = {scope.department, department} - {None}
    if len(departments) > 1:
        return []
    if departments:
        conditions.append("AND t.department_code = :department")
        params["department"] = departments.pop()
    if scope.grid_ids is not None:
        conditions.append("AND t.event_id IN (SELECT record_id FROM events "
                          "WHERE grid_id = ANY(CAST(:grids AS bigint[])))")
        params["grids"] = scope.grid_ids
    rows = session.execute(text(_FIGURES.format(scope=" ".join(conditions))), params)
    return [{"month": r.month, "department": r.department, "department_name": r.department_name,
             "handled": r.handled, "on_time": r.on_time, "returned": r.returned,
             "on_time_rate": round(r.on_time / r.handled, 4) if r.handled else None,
             "median_handling_hours": (round(r.median_seconds / 3600, 2)
                                       if r.median_seconds is not None else None)}
            for r in rows]


def _months(first: str | None, last: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The instants where the first month begins and the month after the last begins."""
    today = now.astimezone(CHINA).date()
    end_month = _parse("to", last) if last else today.replace(day=1)
    start_month = _parse("from", first) if first else _shift(end_month, -11)
    span = (end_month.year - start_month.year) * 12 + end_month.month - start_month.month + 1
    if not 1 <= span <= MAX_MONTHS:
        raise Invalid(f"Ask for 1 to {MAX_MONTHS} months, from the first to the last.",
                      errors=[{"field": "from", "message": f"{span} months"}])
    return (datetime.combine(start_month, datetime.min.time(), CHINA),
            datetime.combine(_shift(end_month, 1), datetime.min.time(), CHINA))


def _parse(name: str, value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise Invalid(f"{name} must be a month written YYYY-MM.",
                      errors=[{"field": name, "message": "YYYY-MM"}]) from None


def _shift(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)
