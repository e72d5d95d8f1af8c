"""Which URLs webhooks may be sent to: the guard against server-side request forgery.

The server posts to URLs that department staff type, from inside the district's network, so a
URL could aim at what only the server reaches (its own loopback services, a cloud metadata
address, the database's network). The policy, from configuration:
- ``schemes``: http and https by default (receivers on the government intranet often have no
  TLS; require https where they do);
- ``allowed_hosts``: empty (any host) or a list of host names (``hooks.police.example``),
  domain suffixes (``.gov.example``) and networks (``10.20.0.0/16``);
- ``denied_networks``: addresses never connected to, checked on a literal address when the
  subscription is made and on every resolved address at each connection (so a name that
  later resolves elsewhere is caught): loopback, link-local (cloud metadata), unspecified and
  multicast by default. Private networks are allowed: that is where departments' receivers are.
Redirects are not followed and no proxy is used.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_DENIED = ("127.0.0.0/8", "::1/128", "169.254.0.0/16", "fe80::/10", "0.0.0.0/8",
                  "::/128", "224.0.0.0/4", "ff00::/8")
MAX_URL = 2000


@dataclass(frozen=True)
class UrlPolicy:
    """Where webhooks may go."""

    schemes: tuple[str, ...]
    names: tuple[str, ...]           # exact host names, or ".suffix" for a domain
    networks: tuple[Network, ...]    # allowed networks (with names: an allow-list)
    denied: tuple[Network, ...]

    @classmethod
    def from_config(cls, schemes: Iterable[str], allowed_hosts: Iterable[str],
                    denied_networks: Iterable[str]) -> UrlPolicy:
        """The policy from configuration values (a bad network raises ValueError)."""
        names, networks = [], []
        for entry in allowed_hosts:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.append(entry.lower())
        return cls(tuple(s.lower() for s in schemes), tuple(names), tuple(networks),
                   tuple(ipaddress.ip_network(n, strict=False) for n in denied_networks))

    def url_errors(self, url: str) -> list[str]:
        """Why a subscriber's URL is refused (nothing: accepted)."""
        if len(url) > MAX_URL or any(ord(c) < 33 or ord(c) == 127 for c in url):
            return [f"a URL of at most {MAX_URL} characters, without spaces or control "
                    "characters"]
        try:
            parts = urlsplit(url)
        except ValueError:
            return ["not a URL"]
        if parts.scheme.lower() not in self.schemes:
            return [f"the scheme must be one of: {', '.join(self.schemes)}"]
        if parts.username is not None or parts.password is not None:
            return ["credentials do not belong in the URL"]
        host = url_host(parts)
        if host is None:
            return ["the URL names no valid host"]
        try:
            parts.port
        except ValueError:
            return ["the port is not a number between 0 and 65535"]
        return self.host_errors(host)

    def host_errors(self, host: str) -> list[str]:
        """Why a host is refused before resolving it."""
        address = _address(host)
        if address is not None and self.refused(address):
            return [f"{address} is in a network webhooks may not reach"]
        if not self.names and not self.networks:
            return []
        if self._named(host) or (address is None and self.networks):
            return []  # a name that only the networks may allow is checked when resolved
        if address is not None and any(address in n for n in self.networks):
            return []
        return ["the host is not among the hosts webhooks may reach"]

    def refused(self, address: Address, host: str | None = None) -> bool:
        """Whether a connection to this (resolved) address of ``host`` is refused."""
        address = getattr(address, "ipv4_mapped", None) or address
        if any(address in n for n in self.denied):
            return True
        if host is not None and (self.names or self.networks) and not self._named(host):
            return not any(address in n for n in self.networks)
        return False

    def _named(self, host: str) -> bool:
        return any(host == n or (n.startswith(".") and host.endswith(n)) for n in self.names)


def normalized_url(url: str) -> str:
    """An accepted URL as stored and requested: scheme and host in lower-case ASCII (IDNA),
    other characters beyond ASCII percent-encoded, no fragment."""
    parts = urlsplit(url)
    host = url_host(parts) or ""
    netloc = (f"[{host}]" if ":" in host else host) + (
        f":{parts.port}" if parts.port is not None else "")
    keep = "/%:@!$&'()*+,;=-._~?"
    return urlunsplit((parts.scheme.lower(), netloc, quote(parts.path, safe=keep),
                       quote(parts.query, safe=keep), ""))


def url_host(parts: SplitResult) -> str | None:
    """The URL's host in ASCII (IDNA), lower case; None when it has none or a bad one."""
    try:
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    if _address(host) is not None:
        return host
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def _address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
