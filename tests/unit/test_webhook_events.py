"""Webhook events: Standard Webhooks signatures, stable ids, the retry schedule."""
from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta, timezone

from server.domain.webhook_events import (event_id, event_type, new_secret, next_attempt,
                                          retry_delay, signed_headers, signature)
from tests.webhook_receiver import Received, verified

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc)


def test_the_signature_matches_the_standard_webhooks_test_vector():
    assert signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                     1614265330, b'{"test": 2432232314}') == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signed_headers_verify_with_an_independent_implementation():
    secret, body = new_secret(), '{"type":"record.created","名":"李"}'.encode()
    import time
    headers = signed_headers(secret, "rv_x_1", int(time.time()), body)
    assert verified(secret, Received("/", headers, body))
    assert not verified(secret, Received("/", headers, body + b" "))
    assert not verified(new_secret(), Received("/", headers, body))


def test_a_secret_is_32_random_bytes_in_the_whsec_format():
    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert new_secret() != secret


def test_an_event_id_names_the_record_version_and_never_changes():
    record = uuid.UUID("3f2a8c1e-0000-4000-8000-000000000001")
    assert event_id(record, 2) == event_id(record, 2) == f"rv_{record}_2"
    assert event_type(1) == "record.created" and event_type(2) == "record.updated"


def test_retries_back_off_exponentially_up_to_two_hours():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert retry_delay(30) == timedelta(hours=2)


def test_a_day_of_failures_is_about_twenty_attempts_then_the_delivery_is_parked():
    until, at, attempts = NOW + timedelta(days=1), NOW, 1
    while (retry := next_attempt(attempts, at, until)) is not None:
        at, attempts = retry, attempts + 1
    assert 15 <= attempts <= 25 and until - timedelta(hours=2) <= at <= until
