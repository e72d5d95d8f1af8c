"""The URL policy of webhooks: schemes, hosts, and addresses never reached (SSRF)."""
from __future__ import annotations

import ipaddress

import pytest

from server.domain.webhook_urls import DEFAULT_DENIED, UrlPolicy, normalized_url

DEFAULT = UrlPolicy.from_config(["https", "http"], [], DEFAULT_DENIED)
ALLOW_LIST = UrlPolicy.from_config(["https"], ["hooks.police.example", ".gov.example",
                                               "10.20.0.0/16"], DEFAULT_DENIED)


@pytest.mark.parametrize("url", ["https://hooks.police.example/zhiwang",
                                 "http://10.1.2.3:8080/in?token=abc", "http://例子.中国/路径"])
def test_ordinary_receivers_are_accepted(url):
    assert DEFAULT.url_errors(url) == []


@pytest.mark.parametrize("url, says", [
    ("ftp://files.example/", "scheme"), ("javascript:alert(1)", "scheme"),
    ("http://127.0.0.1:5432/", "network"), ("http://[::1]/", "network"),
    ("http://[::ffff:127.0.0.1]/", "network"), ("http://169.254.169.254/latest", "network"),
    ("http://0.0.0.0/", "network"), ("http://user:pw@hooks.example/", "credentials"),
    ("http://hooks.example:99999/", "port"), ("http://[::1/", "not a URL"),
    ("http:///path", "host"), ("http://hooks.example/a b", "spaces"),
    ("http://hooks.example/\x00", "control"), ("http://" + "a" * 2000 + ".example/", "2000"),
])
def test_what_is_refused_says_why(url, says):
    errors = DEFAULT.url_errors(url)
    assert len(errors) == 1 and says in errors[0]


def test_an_allow_list_admits_its_names_suffixes_and_networks_only():
    assert ALLOW_LIST.url_errors("https://hooks.police.example/") == []
    assert ALLOW_LIST.url_errors("https://a.b.gov.example/") == []
    assert ALLOW_LIST.url_errors("https://10.20.3.4/") == []
    assert ALLOW_LIST.url_errors("https://10.21.3.4/") != []
    assert ALLOW_LIST.url_errors("http://hooks.police.example/") != []  # https only


def test_resolved_addresses_are_checked_at_each_connection():
    address = ipaddress.ip_address
    assert DEFAULT.refused(address("127.0.0.1"), "rebound.example")
    assert DEFAULT.refused(address("::ffff:169.254.169.254"), "metadata.example")
    assert not DEFAULT.refused(address("10.1.2.3"), "hooks.example")
    # A name allowed only through the networks must resolve inside them.
    assert ALLOW_LIST.url_errors("https://elsewhere.example/") == []
    assert ALLOW_LIST.refused(address("10.20.0.9"), "elsewhere.example") is False
    assert ALLOW_LIST.refused(address("192.0.2.1"), "elsewhere.example") is True
    assert ALLOW_LIST.refused(address("192.0.2.1"), "a.gov.example") is False


def test_urls_are_stored_in_ascii_without_their_fragment():
    assert normalized_url("HTTP://例子.中国/路径?q=值#top") == \
        "http://xn--fsqu00a.xn--fiqs8s/%E8%B7%AF%E5%BE%84?q=%E5%80%BC"
    assert normalized_url("http://[::1]:8080/a?b=1") == "http://[::1]:8080/a?b=1"
