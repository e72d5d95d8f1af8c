"""The grid API: what each role sees, caching, one grid, locating a point."""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone

import pytest

from server.models import Role
from tests.factories import bearer, make_assignment, make_grids, make_user, sign_in

PAST = datetime.now(timezone.utc) - timedelta(days=1)


@pytest.fixture
def grids(session):
    return make_grids(session, 4, 4)


def token_for(client, session, role: Role, **assignments) -> str:
    user = make_user(session, role=role)
    for kind, codes in assignments.items():
        for code in codes:
            make_assignment(session, user, session.info["grids"][code], kind, valid_from=PAST)
    return sign_in(client, user.username)["access_token"]


@pytest.fixture
def as_role(client, session, grids):
    session.info["grids"] = grids
    return lambda role, **kw: token_for(client, session, role, **kw)


def relations(response) -> dict[str, str]:
    return {f["id"]: f["properties"]["relation"] for f in response.get_json()["features"]}


class TestScope:
    def test_a_collector_sees_its_grid_and_the_neighbours_marked_as_such(self, client, as_role):
        token = as_role(Role.collector, primary=["T-11"])
        seen = relations(client.get("/api/v1/grids", headers=bearer(token)))
        assert seen == {"T-11": "assigned", "T-12": "neighbour", "T-21": "neighbour",
                        "T-22": "neighbour"}

    def test_a_supervisor_sees_the_grids_it_supervises(self, client, as_role):
        token = as_role(Role.supervisor, supervises=["T-11", "T-44"])
        seen = relations(client.get("/api/v1/grids", headers=bearer(token)))
        assert seen == {"T-11": "supervised", "T-44": "supervised"}

    @pytest.mark.parametrize("role", [Role.admin, Role.viewer])
    def test_admins_and_viewers_see_the_whole_district(self, client, as_role, role):
        seen = relations(client.get("/api/v1/grids", headers=bearer(as_role(role))))
        assert len(seen) == 16 and set(seen.values()) == {"district"}

    def test_an_unassigned_collector_sees_nothing(self, client, as_role):
        seen = relations(client.get("/api/v1/grids", headers=bearer(as_role(Role.collector))))
        assert seen == {}

    def test_anonymous_callers_are_refused(self, client, grids):
        assert client.get("/api/v1/grids").status_code == 401

    def test_one_grid_outside_the_callers_scope_is_not_found(self, client, as_role):
        token = as_role(Role.collector, primary=["T-11"])
        assert client.get("/api/v1/grids/T-44", headers=bearer(token)).status_code == 404
        one = client.get("/api/v1/grids/T-12", headers=bearer(token))
        assert one.status_code == 200 and one.get_json()["properties"]["relation"] == "neighbour"


class TestCaching:
    def test_same_etag_answers_304_without_a_body(self, client, as_role):
        token = as_role(Role.admin)
        first = client.get("/api/v1/grids", headers=bearer(token))
        etag = first.headers["ETag"]
        again = client.get("/api/v1/grids", headers={**bearer(token), "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""

    def test_the_etag_changes_when_a_visible_grid_changes(self, client, session, as_role):
        from server.services.grid_import import import_grids
        from tests.factories import lattice_collection
        token = as_role(Role.admin)
        before = client.get("/api/v1/grids", headers=bearer(token)).headers["ETag"]
        changed = lattice_collection(4, 4)
        changed["features"][5]["properties"]["name"] = "新名字"
        import_grids(session, changed)
        after = client.get("/api/v1/grids", headers={**bearer(token), "If-None-Match": before})
        assert after.status_code == 200 and after.headers["ETag"] != before

    def test_the_collection_is_gzipped_when_asked(self, client, as_role):
        token = as_role(Role.admin)
        response = client.get("/api/v1/grids", headers={**bearer(token), "Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip"
        assert len(json.loads(gzip.decompress(response.data))["features"]) == 16

    def test_the_gzipped_variant_has_its_own_tag_and_it_validates_too(self, client, as_role):
        headers = {**bearer(as_role(Role.admin)), "Accept-Encoding": "gzip"}
        gzipped = client.get("/api/v1/grids", headers=headers)
        plain = client.get("/api/v1/grids", headers=bearer(as_role(Role.admin)))
        assert gzipped.headers["ETag"] != plain.headers["ETag"]
        again = client.get("/api/v1/grids", headers={**headers,
                                                     "If-None-Match": gzipped.headers["ETag"]})
        assert again.status_code == 304

    def test_a_tolerance_is_rounded_to_an_offered_step(self, client, as_role):
        token = as_role(Role.admin)
        odd = client.get("/api/v1/grids?simplify=48.7", headers=bearer(token)).get_json()
        assert odd["simplify_m"] == 50.0

    def test_coordinates_have_six_decimals_at_most(self, client, as_role):
        body = client.get("/api/v1/grids?simplify=0", headers=bearer(as_role(Role.admin))).data
        numbers = [n for n in body.decode().replace("[", ",").replace("]", ",").split(",")
                   if n.startswith("114.") or n.startswith("22.")]
        assert numbers and max(len(n.split(".")[1]) for n in numbers) <= 6

    def test_a_bad_simplify_value_is_refused_naming_the_field(self, client, as_role):
        response = client.get("/api/v1/grids?simplify=-3", headers=bearer(as_role(Role.admin)))
        assert response.status_code == 422
        assert response.get_json()["errors"][0]["field"] == "simplify"


class TestLocate:
    def locate(self, client, token, lon, lat):
        return client.get(f"/api/v1/grids/locate?lon={lon}&lat={lat}", headers=bearer(token))

    def test_a_point_inside_a_grid_finds_it(self, client, as_role):
        response = self.locate(client, as_role(Role.collector), 114.305, 22.705)
        assert response.status_code == 200 and response.get_json()["id"] == "T-11"

    def test_a_point_on_a_shared_edge_belongs_to_one_grid_deterministically(self, client, as_role):
        token = as_role(Role.collector)
        answers = {self.locate(client, token, 114.31, 22.705).get_json()["id"] for _ in range(3)}
        assert answers == {"T-11"}

    def test_a_shared_corner_of_four_grids_goes_to_the_lowest_code(self, client, as_role):
        assert self.locate(client, as_role(Role.viewer), 114.31, 22.71).get_json()["id"] == "T-11"

    def test_a_point_outside_the_district_is_not_found(self, client, as_role):
        response = self.locate(client, as_role(Role.collector), 114.0, 22.0)
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"

    def test_impossible_coordinates_are_refused(self, client, as_role):
        response = self.locate(client, as_role(Role.collector), 200, 22.0)
        assert response.status_code == 422
