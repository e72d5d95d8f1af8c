"""How long failed sign-ins make the next attempt wait (server/domain/login_throttle.py)."""
from __future__ import annotations

from datetime import timedelta

from server.domain.login_throttle import POLICY, address_key, throttle_keys


def test_the_first_failures_of_an_account_at_an_address_cost_nothing():
    assert [POLICY["pair"].wait_after(n) for n in range(1, 5)] == [timedelta(0)] * 4


def test_then_the_wait_doubles():
    waits = [POLICY["pair"].wait_after(n).total_seconds() for n in range(5, 10)]
    assert waits == [5, 10, 20, 40, 80]


def test_no_wait_is_ever_longer_than_its_cap():
    for backoff in POLICY.values():
        assert backoff.wait_after(10**6) == backoff.cap
    assert max(b.cap for b in POLICY.values()) <= timedelta(minutes=15)


def test_a_stranger_can_delay_an_account_by_five_minutes_at_most():
    assert POLICY["account"].cap == timedelta(minutes=5)


def test_an_ipv6_subscriber_network_counts_as_one_address():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2")
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("203.0.113.9") == "203.0.113.9"
    assert address_key(None) == "unknown"


def test_each_attempt_counts_against_the_account_the_address_and_both():
    assert throttle_keys("li.na", "203.0.113.9") == {
        "pair": "li.na|203.0.113.9", "address": "203.0.113.9", "account": "li.na"}
