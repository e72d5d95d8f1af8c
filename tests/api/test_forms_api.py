"""The forms API: latest versions, immutable definitions, caching."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.domain.emergency_plan import FACILITY_KINDS
from server.services.forms import publish_form
from tests.factories import bearer, make_user, sign_in

FORMS = Path(__file__).resolve().parents[2] / "forms"


@pytest.fixture
def token(client, session):
    for path in sorted(FORMS.glob("*.json")):
        publish_form(session, json.loads(path.read_text(encoding="utf-8")))
    make_user(session, username="li")
    return sign_in(client, "li")["access_token"]


def test_the_list_names_each_forms_latest_version(client, token):
    forms = client.get("/api/v1/forms", headers=bearer(token)).get_json()
    assert {f["id"] for f in forms} == {"resident", "rental", "fixture", "enterprise", "event",
                                        "event_verification", *FACILITY_KINDS, "emergency_check"}
    assert all(len(f["sha256"]) == 64 and f["title"]["zh"] for f in forms)


def test_the_list_answers_304_to_its_etag(client, token):
    etag = client.get("/api/v1/forms", headers=bearer(token)).headers["ETag"]
    again = client.get("/api/v1/forms", headers={**bearer(token), "If-None-Match": etag})
    assert again.status_code == 304


def test_a_version_is_served_with_its_sha256_as_etag_and_cached_long(client, token):
    listed = {f["id"]: f for f in client.get("/api/v1/forms", headers=bearer(token)).get_json()}
    response = client.get("/api/v1/forms/resident/versions/1", headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{listed["resident"]["sha256"]}"'
    assert "immutable" in response.headers["Cache-Control"]
    assert response.get_json()["key"] == "id_card"


def test_an_unknown_version_is_a_404_problem(client, token):
    response = client.get("/api/v1/forms/resident/versions/99", headers=bearer(token))
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_forms_need_a_signed_in_user(client, token):
    assert client.get("/api/v1/forms").status_code == 401


def test_cli_publishes_and_refuses_a_bad_file(app, tmp_path):
    bad = json.loads((FORMS / "rental.v1.json").read_text(encoding="utf-8"))
    bad["key"] = "no_such_field"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["forms", "publish", str(path)])
    assert refused.exit_code != 0 and "key" in refused.output
    ok = runner.invoke(args=["forms", "publish", str(FORMS / "rental.v1.json")])
    assert ok.exit_code == 0 and "rental v1 published" in ok.output
