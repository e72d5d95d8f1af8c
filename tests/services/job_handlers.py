"""Job handlers used by the job queue's tests."""
from __future__ import annotations

from typing import Any

from server.services.jobs import JobContext


def count_to(context: JobContext) -> dict[str, Any]:
    """Count in chunks of 10 from where the last attempt stopped; fail once if asked to."""
    target = context.payload["to"]
    done = context.job.progress.get("done") or 0
    while done < target:
        done = min(done + 10, target)
        context.checkpoint(done, target)
        if done == context.payload.get("die_at"):
            raise SystemExit("the worker was killed")  # only the test's fake worker dies
    return {"counted": done, "resumed_from": context.job.progress.get("resumed_from")}


def explode(context: JobContext) -> dict[str, Any]:
    """Always fails."""
    raise RuntimeError("boom")


def tick(context: JobContext) -> dict[str, Any]:
    """A periodic job's run: counts its runs in its result (fails when told to)."""
    if context.job.result and context.job.result.get("fail_next"):
        raise RuntimeError("tick failed")
    return {"runs": ((context.job.result or {}).get("runs") or 0) + 1}
