"""Webhook events, their signatures and their retry schedule (Standard Webhooks).

An event is one version of one record: its id, ``rv_<record_id>_<version>``, is the same in
every attempt and for every subscription, so a receiver drops what it has already seen.
Each attempt is signed as https://www.standardwebhooks.com prescribes: the headers
``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``:
``v1,<base64 of HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>``, the secret being the
bytes that ``whsec_<base64>`` encodes. A failed attempt is retried after 10 s, 20 s, 40 s …
(at most 2 h apart) until the retry window (a day) is over; then the delivery is parked.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
RETRY_BASE = timedelta(seconds=10)
RETRY_CAP = timedelta(hours=2)


def event_id(record_id: uuid.UUID, version: int) -> str:
    """The stable id of the event a record version makes."""
    return f"rv_{record_id}_{version}"


def event_type(version: int) -> str:
    """``record.created`` for a record's first version, ``record.updated`` for the others."""
    return "record.created" if version == 1 else "record.updated"


def new_secret() -> str:
    """A fresh signing secret, as shown once to the subscriber."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header of one attempt."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one attempt."""
    return {"content-type": "application/json", "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, message_id, timestamp, body)}


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return min(RETRY_BASE * 2 ** min(max(attempts - 1, 0), 20), RETRY_CAP)


def next_attempt(attempts: int, failed_at: datetime, retry_until: datetime) -> datetime | None:
    """When to try again after a failed attempt; None when that falls after the retry window
    (the delivery is parked)."""
    at = failed_at + retry_delay(attempts)
    return at if at <= retry_until else None
