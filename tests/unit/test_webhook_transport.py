"""Posting to a receiver on loopback: answers, timeouts, refused addresses, never an exception."""
from __future__ import annotations

import socket

from server.domain.webhook_urls import DEFAULT_DENIED, UrlPolicy
from server.services.webhooks.transport import Endpoint
from tests.webhook_receiver import Receiver

LOOPBACK_ALLOWED = UrlPolicy.from_config(["http"], [], ["169.254.0.0/16"])
DEFAULT = UrlPolicy.from_config(["https", "http"], [], DEFAULT_DENIED)


def test_a_2xx_is_taken_and_the_connection_kept_for_the_next_event():
    with Receiver([204, 200]) as receiver:
        endpoint = Endpoint(receiver.url("/in?x=1"), LOOPBACK_ALLOWED, timeout=2)
        assert endpoint.post({"webhook-id": "a"}, b"{}").ok
        connection = endpoint.connection
        assert endpoint.post({"webhook-id": "b"}, b"{}").ok and endpoint.connection is connection
        endpoint.close()
    assert [r.path for r in receiver.received] == ["/in?x=1", "/in?x=1"]
    assert receiver.received[0].headers["user-agent"].startswith("Zhiwang-Webhooks")


def test_requests_are_not_held_back_waiting_for_acknowledgements():
    # headers and body are written separately: with Nagle's algorithm on, each event on a
    # kept-alive connection would wait ~40 ms for the receiver's delayed ACK
    with Receiver() as receiver:
        endpoint = Endpoint(receiver.url(), LOOPBACK_ALLOWED, timeout=2)
        assert endpoint.post({}, b"{}").ok
        assert endpoint.connection.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        endpoint.close()


def test_an_error_status_is_a_failure_with_what_the_receiver_said():
    with Receiver([503]) as receiver:
        answer = Endpoint(receiver.url(), LOOPBACK_ALLOWED, timeout=2).post({}, b"{}")
    assert not answer.ok and answer.status == 503 and answer.error == "HTTP 503: not now"


def test_a_receiver_that_does_not_answer_in_time_is_a_failure():
    with Receiver(delay=1.0) as receiver:
        answer = Endpoint(receiver.url(), LOOPBACK_ALLOWED, timeout=0.3).post({}, b"{}")
    assert answer.status is None and "no answer within 0.3 s" in answer.error


def test_nothing_listening_is_a_failure_not_an_exception():
    with Receiver() as receiver:
        url = receiver.url()
    answer = Endpoint(url, LOOPBACK_ALLOWED, timeout=1).post({}, b"{}")
    assert answer.status is None and answer.error.startswith("connection failed")


def test_a_name_that_resolves_to_a_denied_address_is_never_connected_to():
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        answer = Endpoint(f"http://localhost:{port}/", DEFAULT, timeout=1).post({}, b"{}")
    assert answer.status is None and "may not reach" in answer.error
    assert receiver.received == []
