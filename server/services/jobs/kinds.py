"""Every kind of job and the function that runs it, as "module:function" (imported when run).

A handler takes a ``JobContext`` and returns the job's result (a JSON object). It does its work
in chunks and calls ``context.checkpoint`` after each: progress and the work are then committed
together, so a worker that dies mid-job loses nothing and the next one resumes.
"""
from __future__ import annotations

HANDLERS: dict[str, str] = {
    "export": "server.services.exports.job:run_export",
}
