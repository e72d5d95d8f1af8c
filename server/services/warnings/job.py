"""The monthly run as a background job (``warnings.run``): warnings, then the economic run."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from server.domain.indicators import parse_month
from server.models import Job
from server.services.jobs import JobContext, enqueue
from server.services.warnings.economy import run_economy
from server.services.warnings.run import run_warnings

RUN_JOB = "warnings.run"


def enqueue_run(session: Session, month: date, user_id: int | None) -> Job:
    """Queue a month's run."""
    return enqueue(session, RUN_JOB, {"month": month.isoformat()[:7], "user_id": user_id},
                   user_id=user_id)


def run_month(context: JobContext) -> dict[str, Any]:
    """Run a month: its warnings (and their dispatch), then its economic indicators. Both are
    idempotent, so a worker that dies mid-run simply runs the month again."""
    month = parse_month(context.payload["month"])
    assert month is not None
    warnings = run_warnings(context.session, month, context.payload.get("user_id"))
    context.checkpoint(1, 2, warnings=warnings.as_dict())
    areas = run_economy(context.session, month)
    return {**warnings.as_dict(), "economy_areas": areas}
