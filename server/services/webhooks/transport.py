"""Posting to a subscriber: the standard library's http.client, a timeout on every socket
operation, connections only to addresses the URL policy allows (checked on the resolved
addresses, and the connection made to the very address checked), no redirects, no proxy."""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from server.domain.webhook_urls import UrlPolicy, url_host

USER_AGENT = "Zhiwang-Webhooks/1"
EXCERPT = 200
ANSWER_READ = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """What one attempt got: an HTTP status, or an error."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The receiver took the event (any 2xx)."""
        return self.status is not None and 200 <= self.status < 300


class Endpoint:
    """A subscriber's URL, with one kept-alive connection for a run of deliveries."""

    def __init__(self, url: str, policy: UrlPolicy, timeout: float) -> None:
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = url_host(parts) or ""
        self.port = parts.port or (443 if self.https else 80)
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.policy, self.timeout = policy, timeout
        self.connection: http.client.HTTPConnection | None = None

    def post(self, headers: dict[str, str], body: bytes) -> Answer:
        """POST one event; never raises."""
        try:
            if self.connection is None:
                self.connection = self._connect()
            self.connection.request("POST", self.target, body=body,
                                    headers={"user-agent": USER_AGENT, **headers})
            response = self.connection.getresponse()
            excerpt = response.read(ANSWER_READ)
            if response.will_close or not response.isclosed():
                self.close()  # the receiver closes, or answered more than is worth reading
            return Answer(response.status, None if response.status < 300 else
                          f"HTTP {response.status}: "
                          f"{excerpt.decode('utf-8', 'replace')[:EXCERPT]}".strip())
        except Refused as error:
            return Answer(None, str(error))
        except (OSError, http.client.HTTPException, ValueError) as error:
            self.close()
            return Answer(None, _describe(error, self.timeout))

    def close(self) -> None:
        """Close the connection, if one is open."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _connect(self) -> http.client.HTTPConnection:
        found = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        allowed = [a for *_, a in found if not self.policy.refused(
            ipaddress.ip_address(a[0].split("%")[0]), self.host)]
        if not allowed:
            raise Refused(f"{self.host} resolves only to addresses webhooks may not reach")
        kind = _PinnedHTTPS if self.https else _Pinned
        connection = kind(self.host, self.port, timeout=self.timeout)
        connection.address = allowed[0]
        connection.connect()
        return connection


class Refused(Exception):
    """The URL policy refuses every address of the host."""


class _Pinned(http.client.HTTPConnection):
    """Connects to the address checked, whatever the name resolves to by now."""

    address: tuple[str, int]

    def connect(self) -> None:
        self.sock = _open(self.address, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """The same over TLS, the certificate checked against the URL's host name."""

    address: tuple[str, int]

    def __init__(self, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())

    def connect(self) -> None:
        sock = _open(self.address, self.timeout)
        context: ssl.SSLContext = self._context  # type: ignore[attr-defined]
        self.sock = context.wrap_socket(sock, server_hostname=self.host)


def _open(address: tuple[str, int], timeout: float) -> socket.socket:
    """A TCP connection with Nagle's algorithm off, as http.client's own ``connect`` makes it:
    a request goes out as headers then body, and with Nagle on each one on a kept-alive
    connection would wait for the receiver's delayed ACK (~40 ms)."""
    sock = socket.create_connection(address[:2], timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _describe(error: Exception, timeout: float) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(error, socket.gaierror):
        return f"the host name does not resolve ({error.strerror})"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}"
    if isinstance(error, OSError):
        return f"connection failed: {error.strerror or error}"
    return f"not an HTTP answer: {type(error).__name__}"
