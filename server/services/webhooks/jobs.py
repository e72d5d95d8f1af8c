"""The two periodic jobs of webhooks (see jobs/schedule.py): make events, send deliveries."""
from __future__ import annotations

from typing import Any

from flask import current_app

from server.services.jobs import JobContext
from server.services.webhooks.deliveries import send_due
from server.services.webhooks.events import make_events as make_page, reaches
from server.services.webhooks.settings import WebhookSettings

MAX_PAGES = 20  # per run; the next run, seconds later, goes on


def make_events(context: JobContext) -> dict[str, Any]:
    """New record versions into deliveries, a page per subscription at a time."""
    settings = WebhookSettings.from_config(current_app.config)
    reached = reaches(context.session)
    made = pages = 0
    more = True
    while more and pages < MAX_PAGES:
        count, more = make_page(context.session, reached, settings.retry_window)
        made, pages = made + count, pages + 1
        context.checkpoint(made)
    return {"made": made, "subscriptions": len(reached)}


def send_deliveries(context: JobContext) -> dict[str, Any]:
    """One pass over the due deliveries."""
    settings = WebhookSettings.from_config(current_app.config)
    return send_due(context.session, settings, lambda: context.checkpoint(0))
