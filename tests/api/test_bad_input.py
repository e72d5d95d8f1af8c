"""No input makes a 500: unstorable text, deep JSON, huge ids, oversized requests.

Issue 13, items 8 to 10, 12 and 13; every refusal is problem+json naming what was wrong.
"""
from __future__ import annotations

import io
import json
import uuid

import pytest

from server.models import Role
from tests.factories import bearer, make_user, resident_data, sync_batch, sync_item


@pytest.fixture
def admin(district):
    return district.user(Role.admin, "root")


def refused_field(response, status=422) -> str:
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    return response.get_json()["errors"][0]["field"]


class TestUnstorableText:
    def test_nul_in_a_query_value(self, district, admin):
        response = district.client.get("/api/v1/records?q=a%00b", headers=bearer(admin))
        assert refused_field(response) == "query.q"

    def test_nul_in_a_query_name(self, district, admin):
        response = district.client.get("/api/v1/assignments?us%00er=x", headers=bearer(admin))
        assert refused_field(response).startswith("query.")

    def test_a_form_part_without_a_name(self, district, admin):
        body = (b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n"
                b"--b\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\ny\r\n--b--\r\n")
        response = district.client.post("/api/v1/imports?form=resident", data=body,
                                         content_type="multipart/form-data; boundary=b",
                                         headers=bearer(admin))
        assert response.status_code < 500 and response.status_code != 202

    def test_nul_in_a_path_segment(self, district, admin):
        response = district.client.get("/api/v1/grids/T-11%00", headers=bearer(admin))
        assert refused_field(response) == "path.code"

    def test_nul_in_a_header(self, district, admin):
        response = district.client.get("/api/v1/me", headers={**bearer(admin),
                                                              "X-Device": "a\x00b"})
        assert refused_field(response) == "header.X-Device"

    def test_nul_in_the_device_id_refuses_the_batch_whole(self, district):
        response = district.upload(sync_batch(sync_item(), device_id="phone\u0000"))
        assert refused_field(response) == "device_id"

    def test_nul_in_an_envelope_field_names_the_item(self, district):
        response = district.upload(sync_batch(sync_item(), sync_item(form="resi\u0000dent")))
        assert refused_field(response) == "items[1].form"

    @pytest.mark.parametrize("name", ["a\u0000b", "\ud800x"])
    def test_nul_or_a_lone_surrogate_in_a_username(self, client, name):
        body = json.dumps({"username": name, "password": "x"})  # ASCII escapes: \u0000, \ud800
        response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
        assert refused_field(response) == "username"

    def test_a_lone_surrogate_in_a_resolution_note(self, district, admin):
        body = '{"action": "reject", "note": "\\udc00"}'
        response = district.client.post("/api/v1/conflicts/1/resolve", data=body,
                                        content_type="application/json", headers=bearer(admin))
        assert refused_field(response) == "note"

    def test_a_body_sent_without_a_json_content_type_is_checked_too(self, district):
        body = json.dumps(sync_batch(sync_item(resident_data(1, name="李\u0000"))))
        response = district.client.post("/api/v1/sync/batches", data=body,
                                        content_type="text/plain", headers=bearer(district.token))
        assert refused_field(response) == "items[0].data.name"


class TestDeepJson:
    @pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/assignments",
                                      "/api/v1/conflicts/1/resolve", "/api/v1/sync/batches",
                                      "/api/v1/assignments/1/end"])
    @pytest.mark.parametrize("depth", [100, 100_000])
    def test_deeply_nested_json_is_refused_before_anything_recurses(self, district, admin,
                                                                    path, depth):
        body = '{"a":' * depth + "1" + "}" * depth
        token = district.token if "sync" in path else admin
        response = district.client.post(path, data=body, content_type="application/json",
                                        headers=bearer(token))
        assert refused_field(response) == "body"


class TestHugeIds:
    @pytest.mark.parametrize("path", ["/api/v1/conflicts/9223372036854775808",
                                      "/api/v1/conflicts/99999999999999999999999999",
                                      "/api/v1/conflicts/" + "9" * 4000,
                                      "/api/v1/forms/resident/versions/2147483648"])
    def test_an_id_beyond_its_column_is_not_found(self, district, admin, path):
        response = district.client.get(path, headers=bearer(admin))
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"

    @pytest.mark.parametrize("action", ["claim", "release", "resolve"])
    def test_a_huge_conflict_id_is_not_found_for_every_action(self, district, admin, action):
        response = district.client.post(f"/api/v1/conflicts/{2**64}/{action}",
                                        headers=bearer(admin), json={"action": "reject"})
        assert response.status_code == 404

    def test_the_largest_bigint_is_an_ordinary_missing_id(self, district, admin):
        response = district.client.post(f"/api/v1/assignments/{2**63 - 1}/end",
                                        headers=bearer(admin), json={})
        assert response.status_code == 404

    @pytest.mark.parametrize("hours", ["1e308", "1e10", "-1"])
    def test_an_age_filter_out_of_range_is_refused(self, district, admin, hours):
        response = district.client.get(f"/api/v1/conflicts?older_than_hours={hours}",
                                       headers=bearer(admin))
        assert refused_field(response) == "older_than_hours"


class TestOversizedRequests:
    def test_a_chunked_body_over_the_limit_is_413_not_cut_short(self, district, app):
        old, app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_CONTENT_LENGTH"], 10_000
        body = json.dumps(sync_batch(sync_item(resident_data(1, notes="x" * 20_000)))).encode()
        try:
            response = district.client.post(
                "/api/v1/sync/batches", input_stream=io.BytesIO(body),
                content_type="application/json", headers=bearer(district.token),
                environ_overrides={"wsgi.input_terminated": True})
        finally:
            app.config["MAX_CONTENT_LENGTH"] = old
        assert response.status_code == 413
        assert response.content_type == "application/problem+json"

    def test_a_chunked_body_within_the_limit_is_read_whole(self, district):
        body = json.dumps(sync_batch(sync_item())).encode()
        response = district.client.post(
            "/api/v1/sync/batches", input_stream=io.BytesIO(body),
            content_type="application/json", headers=bearer(district.token),
            environ_overrides={"wsgi.input_terminated": True})
        assert response.status_code == 200
        assert response.get_json()["results"][0]["status"] == "merged"

    def test_a_long_request_target_is_414_as_problem_json(self, district, admin):
        response = district.client.get("/api/v1/records?q=" + "a" * 5000, headers=bearer(admin))
        assert response.status_code == 414
        assert response.content_type == "application/problem+json"

    def test_a_large_header_is_431_as_problem_json(self, district, admin):
        response = district.client.get("/api/v1/me", headers={**bearer(admin),
                                                              "X-Note": "n" * 9000})
        assert response.status_code == 431
        assert response.get_json()["header"] == "X-Note"

    def test_too_many_headers_is_431_as_problem_json(self, district, admin):
        headers = {**bearer(admin), **{f"X-H{i}": "1" for i in range(120)}}
        response = district.client.get("/api/v1/me", headers=headers)
        assert response.status_code == 431
        assert response.content_type == "application/problem+json"


class TestTheDocument:
    def document(self, client):
        return client.get("/api/v1/openapi.json").get_json()

    def test_every_error_is_documented_as_problem_json(self, client):
        document = self.document(client)
        responses = document["components"]["responses"]
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                for status, response in operation.get("responses", {}).items():
                    if status != "default" and int(status) < 400:
                        continue
                    if "$ref" in response:
                        response = responses[response["$ref"].rsplit("/", 1)[1]]
                    assert set(response.get("content", {})) <= {"application/problem+json"}, (
                        method, path, status)

    def test_ending_an_assignment_needs_no_body_and_the_document_says_so(self, district, admin):
        operation = self.document(district.client)["paths"][
            "/api/v1/assignments/{assignment_id}/end"]["post"]
        assert operation["requestBody"].get("required", False) is False
        assignment_id = district.client.get("/api/v1/assignments", headers=bearer(admin)
                                            ).get_json()[0]["id"]
        response = district.client.post(f"/api/v1/assignments/{assignment_id}/end",
                                        headers=bearer(admin))
        assert response.status_code == 200 and response.get_json()["valid_to"]

    def test_path_ids_are_documented_with_their_bounds(self, client):
        document = self.document(client)
        version = next(p for p in document["paths"]["/api/v1/forms/{form_id}/versions/{version}"]
                       ["parameters"] if p["name"] == "version")
        assert version["schema"]["maximum"] == 2**31 - 1


def test_a_made_up_uuid_is_still_just_not_found(district, admin):
    response = district.client.get(f"/api/v1/records/{uuid.uuid4()}", headers=bearer(admin))
    assert response.status_code == 404
