"""While the database cannot be reached, the API answers 503 with Retry-After, never 500.

The app here points at a PostgreSQL socket where no server listens: every connection attempt
really fails, as it does while PostgreSQL restarts. tests/e2e/test_faults.py restarts a real
one under load.
"""
from __future__ import annotations

import tempfile
from datetime import timedelta

import pytest

from server import create_app
from server.auth.access_tokens import issue_access_token
from tests.conftest import app_config
from tests.factories import bearer, sync_batch, sync_item


@pytest.fixture(scope="module")
def unreachable_client():
    with tempfile.TemporaryDirectory() as empty:
        app = create_app(app_config(f"postgresql://zhiwang@/zhiwang?host={empty}&port=5999"))
        yield app, app.test_client()


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/v1/auth/token", {"username": "li.na", "password": "x"}),
    ("GET", "/api/v1/me", None),
    ("GET", "/api/v1/records?q=李", None),
    ("POST", "/api/v1/sync/batches", sync_batch(sync_item())),
    ("GET", "/api/v1/conflicts", None),
])
def test_a_database_outage_is_503_with_retry_after(unreachable_client, method, path, body):
    app, client = unreachable_client
    token = issue_access_token(app.extensions["zhiwang_keys"], 1, "collector",
                               timedelta(minutes=5))
    response = client.open(path, method=method, json=body, headers=bearer(token))
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["type"].endswith("/database-unavailable")


def test_healthz_says_so_too(unreachable_client):
    _, client = unreachable_client
    assert client.get("/healthz").status_code == 503
