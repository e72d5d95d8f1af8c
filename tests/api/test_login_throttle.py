"""Login throttling: waits that grow but cap, per account, address and both; 429 + Retry-After.

Earlier failures are counted through the service directly (the same statements a failed
sign-in runs), so that the tests do not spend seconds hashing wrong passwords.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text

from server.models import AuditEntry, LoginThrottle
from server.services.login_throttle import count_failure, forget_stale
from tests.factories import PASSWORD, make_user

HOME = "203.0.113.10"


def attempt(client, username, password="wrong", address=HOME):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def failed_before(session, username, times, address=HOME):
    for _ in range(times):
        count_failure(session, username, address, datetime.now(timezone.utc))


def waits_of(session, scope="pair"):
    return [round((row.blocked_until - row.last_failure_at).total_seconds())
            for row in session.scalars(select(LoginThrottle).where(
                LoginThrottle.scope == scope, LoginThrottle.blocked_until.is_not(None)))]


def let_waits_pass(session):
    session.execute(text("UPDATE login_throttles SET blocked_until = now() - interval '1 s' "
                         "WHERE blocked_until IS NOT NULL"))


def test_four_wrong_passwords_cost_nothing(client, session):
    make_user(session, username="li.na")
    failed_before(session, "li.na", 3)
    assert attempt(client, "li.na").status_code == 401
    assert attempt(client, "li.na", PASSWORD).status_code == 200


def test_after_five_wrong_passwords_even_the_right_one_waits(client, session):
    make_user(session, username="li.na")
    failed_before(session, "li.na", 4)
    assert attempt(client, "li.na").status_code == 401
    refused = attempt(client, "li.na", PASSWORD)
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 5
    assert refused.get_json()["retry_after"] == int(refused.headers["Retry-After"])


def test_throttling_is_audited(client, session):
    make_user(session, username="li.na")
    failed_before(session, "li.na", 4)
    attempt(client, "li.na")
    attempt(client, "li.na", PASSWORD)
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["login_failed", "login_throttled"]
    assert entries[0].details["waits_s"] == {"pair": 5}
    assert entries[1].details["scopes"] == ["pair"] and entries[1].remote_addr == HOME


def test_the_wait_doubles_with_each_further_failure(client, session):
    make_user(session, username="li.na")
    failed_before(session, "li.na", 4)
    seen = []
    for _ in range(4):
        assert attempt(client, "li.na").status_code == 401
        seen += waits_of(session)
        let_waits_pass(session)
    assert seen == [5, 10, 20, 40]


def test_the_wait_never_passes_its_cap(client, session):
    make_user(session, username="li.na")
    failed_before(session, "li.na", 40)
    assert waits_of(session) == [15 * 60]
    assert int(attempt(client, "li.na").headers["Retry-After"]) <= 15 * 60


def test_a_refused_attempt_checks_no_password_and_counts_no_failure(client, session):
    make_user(session, username="li.na")
    failed_before(session, "li.na", 5)
    for _ in range(3):
        assert attempt(client, "li.na").status_code == 429
    assert session.get(LoginThrottle, ("pair", f"li.na|{HOME}")).failures == 5


def test_a_successful_sign_in_clears_the_count_of_its_address(client, session):
    make_user(session, username="li.na")
    failed_before(session, "li.na", 4)
    assert attempt(client, "li.na", PASSWORD).status_code == 200
    failed_before(session, "li.na", 4)
    assert attempt(client, "li.na", PASSWORD).status_code == 200


def test_another_address_is_not_slowed_by_failures_elsewhere(client, session):
    make_user(session, username="li.na")
    failed_before(session, "li.na", 8, address="198.51.100.7")
    assert attempt(client, "li.na", PASSWORD, address=HOME).status_code == 200


def test_guessing_from_many_addresses_slows_the_account_but_not_its_known_addresses(client,
                                                                                     session):
    make_user(session, username="li.na")
    assert attempt(client, "li.na", PASSWORD, address=HOME).status_code == 200
    for n in range(20):  # a stranger, never more than 4 guesses from one address
        failed_before(session, "li.na", 1, address=f"198.51.100.{n // 4}")
    assert attempt(client, "li.na", PASSWORD, address="192.0.2.1").status_code == 429
    assert attempt(client, "li.na", PASSWORD, address=HOME).status_code == 200


def test_a_stranger_delays_an_account_by_minutes_never_for_good(client, session):
    make_user(session, username="li.na")
    for n in range(60):
        failed_before(session, "li.na", 1, address=f"10.0.{n}.1")
    assert waits_of(session, "account") == [5 * 60]


def test_spraying_many_accounts_from_one_address_is_slowed(client, session):
    for n in range(29):
        failed_before(session, f"ghost{n}", 1, address="198.51.100.99")
    assert attempt(client, "someone", address="198.51.100.99").status_code == 401
    assert attempt(client, "someone.else", address="198.51.100.99").status_code == 429
    assert attempt(client, "someone.else", address=HOME).status_code == 401


def test_unknown_and_known_accounts_are_throttled_alike(client, session):
    make_user(session, username="li.na")
    failed_before(session, "li.na", 5)
    failed_before(session, "ghost", 5)
    assert attempt(client, "li.na").status_code == attempt(client, "ghost").status_code == 429


def test_failures_are_forgotten_a_day_after_the_last(client, session):
    make_user(session, username="li.na")
    failed_before(session, "li.na", 4)
    session.execute(text("UPDATE login_throttles SET last_failure_at = now() - interval '25 h'"))
    assert attempt(client, "li.na").status_code == 401
    assert session.get(LoginThrottle, ("pair", f"li.na|{HOME}")).failures == 1


def test_counters_nobody_needs_any_more_are_dropped(client, session):
    make_user(session, username="li.na")
    failed_before(session, "ghost", 1)
    assert attempt(client, "li.na", PASSWORD).status_code == 200
    later = datetime.now(timezone.utc) + timedelta(days=2)
    assert forget_stale(session, later) == 3  # ghost's three counters; li.na's address is trusted
    assert session.scalar(select(LoginThrottle.key)) == f"li.na|{HOME}"
