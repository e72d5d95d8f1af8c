"""What a JSON request body may hold (server/json_strict.py)."""
from __future__ import annotations

import json

import pytest

from server.errors import Invalid
from server.json_strict import MAX_DEPTH, loads_strict


def test_nan_and_infinity_are_not_json_numbers():
    for constant in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(ValueError):
            loads_strict(f'{{"lon": {constant}}}')


def test_a_number_too_large_for_a_double_is_kept_as_its_literal_for_the_field_check():
    assert loads_strict(b'{"lon": 1e400, "lat": -1E+999, "ok": 22.5}') == {
        "lon": "1e400", "lat": "-1E+999", "ok": 22.5}


def test_nesting_up_to_the_limit_is_fine():
    body = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads_strict(body) is not None


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_deeper_nesting_is_refused_naming_the_body(depth):
    with pytest.raises(Invalid) as refused:
        loads_strict('{"a":' * depth + "1" + "}" * depth)
    assert refused.value.errors[0]["field"] == "body"


@pytest.mark.parametrize("body, field", [
    ('{"username": "a\\u0000b"}', "username"),
    ('{"items": [{"data": {"name": "x"}}, {"data": {"name": "\\u0000"}}]}', "items[1].data.name"),
    ('{"note": "\\ud800"}', "note"),
    ('{"note": "fine \\ud83d\\ude00", "x": ["\\udc00"]}', "x[0]"),
])
def test_a_nul_or_a_lone_surrogate_is_refused_naming_its_field(body, field):
    with pytest.raises(Invalid) as refused:
        loads_strict(body.encode())
    assert refused.value.errors[0]["field"] == field


def test_a_surrogate_sent_as_raw_bytes_is_found_too():
    body = b'{"note": "' + "\ud800".encode("utf-8", "surrogatepass") + b'"}'
    with pytest.raises(Invalid) as refused:
        loads_strict(body)
    assert refused.value.errors[0]["field"] == "note"


def test_a_proper_surrogate_pair_and_an_escaped_backslash_u0000_are_text_like_any_other():
    assert loads_strict('{"a": "\\ud83d\\ude00", "b": "\\\\u0000"}') == {
        "a": "😀", "b": "\\u0000"}


def test_the_refusal_can_be_sent_back_as_json():
    with pytest.raises(Invalid) as refused:
        loads_strict('{"\\ud800": {"\\u0000": 1}}')
    json.dumps(refused.value.errors).encode("utf-8")  # no lone surrogate echoed back
