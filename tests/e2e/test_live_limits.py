"""The same limits on the real server: gunicorn (gunicorn.conf.py) in front of the app.

What remains gunicorn's own answer, not problem+json: a request line over 8190 bytes (414), a
header over 16 KiB or more than 200 headers (431), and HTTP it cannot parse (400).
"""
from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

MAX_BODY = 8 * 1024 * 1024  # ZHIWANG_MAX_CONTENT_LENGTH's default


def connect(live_server: str) -> http.client.HTTPConnection:
    parts = urlsplit(live_server)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def request(live_server: str, method: str, path: str, body: bytes | Iterator[bytes] | None = None,
            headers: dict[str, str] | None = None, chunked: bool = False):
    connection = connect(live_server)
    try:
        connection.request(method, path, body=body, headers=headers or {},
                           encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read(), response
    finally:
        connection.close()


def test_a_chunked_body_over_the_limit_is_413_problem_json(live_server):
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY // 65536):
            yield b" " * 65536
        yield b" "  # one byte over the limit

    status, content_type, body, _ = request(
        live_server, "POST", "/api/v1/sync/batches", chunks(), chunked=True,
        headers={"Content-Type": "application/json"})
    assert status == 413
    assert content_type == "application/problem+json"
    assert json.loads(body)["status"] == 413


def test_a_chunked_body_within_the_limit_reaches_the_app_whole(live_server):
    body = json.dumps({"username": "nobody", "password": "x" * 1000}).encode()
    status, content_type, _, _ = request(
        live_server, "POST", "/api/v1/auth/token", iter([body[:10], body[10:]]), chunked=True,
        headers={"Content-Type": "application/json"})
    assert (status, content_type) == (401, "application/problem+json")  # parsed, then refused


def test_a_long_url_is_414_problem_json_up_to_gunicorns_own_limit(live_server):
    status, content_type, _, _ = request(live_server, "GET", "/api/v1/records?q=" + "a" * 6000)
    assert (status, content_type) == (414, "application/problem+json")
    status, _, _, _ = request(live_server, "GET", "/api/v1/records?q=" + "a" * 9000)
    assert status in (400, 414)  # past 8190 bytes gunicorn answers itself (not problem+json)


def test_a_large_header_is_431_problem_json_up_to_gunicorns_own_limit(live_server):
    status, content_type, body, _ = request(live_server, "GET", "/api/v1/me",
                                            headers={"X-Note": "n" * 12_000})
    assert (status, content_type) == (431, "application/problem+json")
    assert json.loads(body)["header"] == "X-Note"


def test_too_many_headers_is_431_problem_json(live_server):
    headers = {f"X-H{i}": "1" for i in range(150)}
    status, content_type, _, _ = request(live_server, "GET", "/api/v1/me", headers=headers)
    assert (status, content_type) == (431, "application/problem+json")


def test_login_throttling_holds_across_gunicorn_workers(live_server):
    username = f"ghost-{uuid.uuid4().hex[:8]}"  # each attempt on a new connection: any worker
    body = json.dumps({"username": username, "password": "wrong"}).encode()
    headers = {"Content-Type": "application/json"}
    statuses = [request(live_server, "POST", "/api/v1/auth/token", body, headers)[0]
                for _ in range(5)]
    assert statuses == [401] * 5
    status, content_type, _, response = request(live_server, "POST", "/api/v1/auth/token",
                                                body, headers)
    assert (status, content_type) == (429, "application/problem+json")
    assert 1 <= int(response.getheader("Retry-After")) <= 5
