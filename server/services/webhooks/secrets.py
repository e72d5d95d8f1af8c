"""Rotating the key that seals webhook signing secrets."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import WebhookSubscription
from server.services.webhooks.settings import WebhookSettings


def reseal_secrets(session: Session, settings: WebhookSettings) -> int:
    """Seal every subscription's secret under the active key; how many were sealed anew
    (KeyError when a secret's key is no longer configured)."""
    keys, count = settings.key_ring(), 0
    for subscription in session.scalars(select(WebhookSubscription).where(
            WebhookSubscription.secret_kid != keys.active)):
        secret = keys.unseal(subscription.secret_kid, subscription.secret_sealed)
        subscription.secret_kid, subscription.secret_sealed = keys.seal(secret)
        count += 1
    session.flush()
    return count
