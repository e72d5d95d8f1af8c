"""Fuzzing, CI-sized: schemathesis against the served OpenAPI document, and the sync envelope.

Every operation of /api/v1/openapi.json gets generated requests (valid and invalid) as an
administrator and as a collector; no answer may be a 5xx, and every answer must match what the
document says (status, content type, headers, body schema). The longer run is
`.venv/bin/python bench/fuzz.py` (see README). The sync envelope, which the document leaves
open (items are free objects), gets its own property test: whatever a phone puts in an item,
the item comes back with one result and the batch is never a 5xx.
"""
from __future__ import annotations

import uuid
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_headers_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from server.models import Role
from tests.factories import bearer, make_assignment, make_user, sign_in, sync_batch, sync_item

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
# tus PATCH bodies (photos) are raw bytes under tus's own media type.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

@pytest.fixture
def tokens(district) -> dict[str, str]:
    """An administrator's and the district collector's access tokens."""
    make_user(district.session, role=Role.admin, username="fuzz.admin")
    return {"admin": sign_in(district.client, "fuzz.admin")["access_token"],
            "collector": district.token}


@pytest.fixture
def served_schema(app, tokens):
    """The OpenAPI document as the app serves it, called in-process."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_no_operation_answers_a_server_error_or_breaks_its_documented_schema(served_schema,
                                                                             tokens):
    failures = []
    for result in served_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @FUZZ
        def call_as_everyone(case: Any) -> None:
            for token in tokens.values():
                # In-process calls do not undo gzip: ask for the body as it is.
                case.call_and_validate(headers={**bearer(token), "Accept-Encoding": "identity"},
                                       checks=CHECKS)

        try:
            call_as_everyone()
        except Exception as failure:  # each operation's failure, reported together below
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)


JSON_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                | st.text(max_size=12) | st.sampled_from(
                    ["", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                     "2026-01-01T00:00:00+08:00", "resident", "GCJ02", str(uuid.uuid4())]))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=6)
ENVELOPE = {"form": st.sampled_from(["resident", "rental", "nope"]) | JSON_VALUES,
            "form_version": st.sampled_from([1, 0, -1, 2**31, 2**63, 10**30]) | JSON_VALUES,
            "record_id": st.sampled_from([str(uuid.uuid4())]) | JSON_VALUES,
            "base_version": st.sampled_from([1, 2**31]) | JSON_VALUES,
            "branch_id": JSON_VALUES, "captured_at": JSON_VALUES,
            "location": st.fixed_dictionaries({}, optional={
                "lon": st.floats(allow_nan=False) | JSON_VALUES,
                "lat": st.floats(allow_nan=False) | JSON_VALUES,
                "accuracy_m": JSON_VALUES, "crs": JSON_VALUES}) | JSON_VALUES,
            "data": st.dictionaries(st.sampled_from(["name", "id_card", "birth_date", "phone",
                                                      "gender", "x"]), JSON_VALUES) | JSON_VALUES}


@given(overrides=st.fixed_dictionaries({}, optional=ENVELOPE))
@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_any_item_envelope_gets_its_own_result_and_never_a_server_error(district, overrides):
    bad = sync_item(**overrides)
    good = sync_item()
    response = district.upload(sync_batch(bad, good))
    assert response.status_code in (200, 422), response.get_json()
    if response.status_code == 200:
        results = response.get_json()["results"]
        assert [r["id"] for r in results] == [bad["id"], good["id"]]
        assert results[1]["status"] in ("merged", "conflict")
