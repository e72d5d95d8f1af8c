"""An item's envelope is checked against what its columns can hold (server/domain/sync_item.py)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from server.domain.sync_item import read_item
from server.json_strict import loads_strict

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def item(**overrides):
    raw = {"id": str(uuid.uuid4()), "form": "resident", "form_version": 1,
           "captured_at": "2026-05-31T10:00:00+08:00",
           "location": {"lon": 114.3, "lat": 22.7}, "data": {}}
    raw.update(overrides)
    return raw


def fields_refused(raw):
    parsed, errors = read_item(raw, 0, "phone", NOW)
    assert (parsed is None) == bool(errors)
    return [e["field"] for e in errors]


def test_a_well_formed_item_passes():
    assert fields_refused(item()) == []


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "1999-12-31T23:59:59+00:00"])
def test_a_capture_before_2000_is_refused(moment):
    assert fields_refused(item(captured_at=moment)) == ["captured_at"]


def test_a_capture_in_year_9999_is_in_the_future():
    assert fields_refused(item(captured_at="9999-12-31T23:59:59-14:00")) == ["captured_at"]


@pytest.mark.parametrize("name", ["form_version", "base_version"])
@pytest.mark.parametrize("value", [2**31, 2**63, 10**40])
def test_a_version_beyond_an_integer_column_is_refused(name, value):
    raw = item(**{name: value, "record_id": str(uuid.uuid4())})
    assert fields_refused(raw) == [name]


def test_the_largest_integer_version_is_fine():
    assert fields_refused(item(form_version=2**31 - 1)) == []


def test_a_coordinate_too_large_for_a_double_is_refused_by_name():
    raw = loads_strict(b'{"lon": 1e400, "lat": 22.7}')
    assert fields_refused(item(location=raw)) == ["location.lon"]
