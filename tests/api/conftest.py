"""A small district for the sync and records tests: a 3×3 lattice, the forms, one collector."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from collections.abc import Iterator
from typing import Any

import pytest

from server.extensions import db
from server.models import Role
from tests.factories import (bearer, make_assignment, make_grids, make_user, publish_repo_forms,
                             sign_in)

MONTH_AGO = datetime.now(timezone.utc) - timedelta(days=30)


@dataclass
class District:
    """Grids by code, the collector of T-11 and helpers to sign others in."""

    client: Any
    session: Any
    grids: dict[str, Any]
    collector: Any
    token: str

    def upload(self, batch: dict[str, Any], token: str | None = None):
        """POST a batch as the collector (or another token)."""
        return self.client.post("/api/v1/sync/batches", json=batch,
                                headers=bearer(token or self.token))

    def results(self, batch: dict[str, Any], token: str | None = None) -> list[dict[str, Any]]:
        """Upload and return the per-item results, checking the call succeeded."""
        response = self.upload(batch, token)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"]

    def collector_of(self, code: str, username: str, kind: str = "primary", **window) -> str:
        """Another collector working in grid ``code``; returns its token."""
        user = make_user(self.session, username=username)
        make_assignment(self.session, user, self.grids[code], kind,
                        **({"valid_from": MONTH_AGO} | window))
        return sign_in(self.client, username)["access_token"]

    def user(self, role: Role, username: str, supervises: tuple[str, ...] = ()) -> str:
        """A user of another role; returns its token."""
        user = make_user(self.session, role=role, username=username)
        for code in supervises:
            make_assignment(self.session, user, self.grids[code], "supervises",
                            valid_from=MONTH_AGO)
        return sign_in(self.client, username)["access_token"]


@pytest.fixture
def district(client, session) -> District:
    return _district(client, session)


@pytest.fixture
def committed_district(committing_app) -> Iterator[District]:
    """The same district really committed, for tests of what only committed data shows."""
    with committing_app.app_context():
        district = _district(committing_app.test_client(), db.session)
        db.session.commit()
        yield district
        db.session.rollback()


def _district(client: Any, session: Any) -> District:
    grids = make_grids(session)
    publish_repo_forms(session)
    collector = make_user(session, username="li.na", display_name="李娜")
    make_assignment(session, collector, grids["T-11"], "primary", valid_from=MONTH_AGO)
    token = sign_in(client, "li.na")["access_token"]
    return District(client, session, grids, collector, token)


WEBHOOK_KEY = "test-webhook-sealing-key-0123456789abcdef"


@pytest.fixture
def webhook_settings(migrated_app, monkeypatch):
    """Webhooks set up as a deployment would, except that receivers on loopback are allowed
    (the tests' receivers run there)."""
    for name, value in {"WEBHOOK_SECRET_KEYS": {"t1": WEBHOOK_KEY},
                        "WEBHOOK_DENIED_NETWORKS": ["169.254.0.0/16"],
                        "WEBHOOK_TIMEOUT_SECONDS": 2}.items():
        monkeypatch.setitem(migrated_app.config, name, value)
    return migrated_app.config
