"""Every kind of job and the function that runs it, as "module:function" (imported when run).

A handler takes a ``JobContext`` and returns the job's result (a JSON object). It does its work
in chunks and calls ``context.checkpoint`` after each: progress and the work are then committed
together, so a worker that dies mid-job loses nothing and the next one resumes.
"""
from __future__ import annotations

HANDLERS: dict[str, str] = {
    "records_import": "server.services.imports.job:run_import",
    "events.flag_overdue": "server.services.events.overdue:flag_overdue",
    "attachment_thumbnail": "server.services.attachments.maintenance:thumbnail_job",
    "attachments_gc": "server.services.attachments.maintenance:garbage_job",
    "export": "server.services.exports.job:run_export",
    "webhook_events": "server.services.webhooks.jobs:make_events",
    "webhook_deliveries": "server.services.webhooks.jobs:send_deliveries",
}

# Kinds run every N seconds by whichever worker is free (see jobs/schedule.py).
PERIODIC: dict[str, int] = {
    "webhook_events": 3,
    "webhook_deliveries": 3,
}
