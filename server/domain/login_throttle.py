"""When failed sign-ins make the next attempt wait: pure policy, no database.

Three counters slow down password guessing, each with its own backoff:
- ``pair``    one account from one address: 5 free failures, then 5 s, 10 s, 20 s … up to 15 min;
              a successful sign-in from that address clears it;
- ``address`` every account from one address (an IPv6 /64 counts as one): 30 free failures, then
              the same doubling up to 15 min; stops one machine from spraying many accounts;
- ``account`` one account from every address: 20 free failures, then doubling up to 5 min;
              stops guessing spread over many addresses.
No wait is ever longer than its cap and nothing locks an account for good: a stranger who
hammers a collector's name delays that name's password sign-ins by at most 5 minutes at a
time, never beyond. Addresses the account signed in from during the last 30 days are spared
the ``account`` wait (only their own ``pair`` counter applies), and a phone that holds a refresh
token never signs in with a password at all. Failures are forgotten a day after the last one.
Refused (429) attempts check no password and count as no failure.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

FORGET_AFTER = timedelta(hours=24)
TRUSTED_FOR = timedelta(days=30)


FIRST_WAIT = timedelta(seconds=5)


@dataclass(frozen=True)
class Backoff:
    """How many failures are free, and the longest wait after more."""

    free_failures: int
    cap: timedelta

    def wait_after(self, failures: int) -> timedelta:
        """The wait imposed after the ``failures``-th failure in a row (5 s, then doubling)."""
        if failures < self.free_failures:
            return timedelta(0)
        doublings = min(failures - self.free_failures, 30)
        return min(self.cap, FIRST_WAIT * 2 ** doublings)


POLICY = {"pair": Backoff(5, timedelta(minutes=15)),
          "address": Backoff(30, timedelta(minutes=15)),
          "account": Backoff(20, timedelta(minutes=5))}


def address_key(remote_addr: str | None) -> str:
    """The address as throttled: IPv4 as is, IPv6 by its /64 (one subscriber's network)."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return remote_addr or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def throttle_keys(username: str, remote_addr: str | None) -> dict[str, str]:
    """The key of each counter an attempt counts against."""
    address = address_key(remote_addr)
    return {"pair": f"{username}|{address}", "address": address, "account": username}
