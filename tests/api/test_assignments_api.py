"""The assignments API and the grids of /me."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from server.models import Role
from tests.factories import bearer, make_assignment, make_grids, make_user, sign_in

PAST = datetime.now(timezone.utc) - timedelta(days=1)


def test_a_supervisor_moves_a_roving_collector_and_me_shows_it(client, session):
    grids = make_grids(session)
    boss = make_user(session, role=Role.supervisor, username="boss")
    for code in ("T-11", "T-22"):
        make_assignment(session, boss, grids[code], "supervises", valid_from=PAST)
    make_user(session, username="rover")
    token = sign_in(client, "boss")["access_token"]
    first = client.post("/api/v1/assignments", headers=bearer(token),
                        json={"username": "rover", "grid": "T-11", "kind": "roving"})
    assert first.status_code == 201, first.get_json()
    moved = client.post("/api/v1/assignments", headers=bearer(token),
                        json={"username": "rover", "grid": "T-22", "kind": "roving"})
    assert moved.status_code == 201
    rover = sign_in(client, "rover")["access_token"]
    me = client.get("/api/v1/me", headers=bearer(rover)).get_json()
    assert [(g["code"], g["kind"]) for g in me["grids"]] == [("T-22", "roving")]
    history = client.get("/api/v1/assignments?user=rover", headers=bearer(token)).get_json()
    assert [(a["grid"], a["valid_to"] is None) for a in history] == [("T-22", True),
                                                                    ("T-11", False)]


def test_a_collector_may_not_assign(client, session):
    make_grids(session)
    make_user(session, username="li")
    token = sign_in(client, "li")["access_token"]
    response = client.post("/api/v1/assignments", headers=bearer(token),
                           json={"username": "li", "grid": "T-11", "kind": "primary"})
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"


def test_an_unknown_kind_is_refused_naming_the_field(client, session):
    make_user(session, username="root", role=Role.admin)
    token = sign_in(client, "root")["access_token"]
    response = client.post("/api/v1/assignments", headers=bearer(token),
                           json={"username": "li", "grid": "T-11", "kind": "boss"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "kind"


def test_ending_an_assignment_through_the_api(client, session):
    grids = make_grids(session)
    make_user(session, username="root", role=Role.admin)
    li = make_user(session, username="li")
    assignment = make_assignment(session, li, grids["T-11"], "primary", valid_from=PAST)
    token = sign_in(client, "root")["access_token"]
    response = client.post(f"/api/v1/assignments/{assignment.id}/end", headers=bearer(token),
                           json={})
    assert response.status_code == 200 and response.get_json()["valid_to"]
    active = client.get("/api/v1/assignments?grid=T-11&active=true", headers=bearer(token))
    assert active.get_json() == []
