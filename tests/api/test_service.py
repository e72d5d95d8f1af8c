"""Health, OpenAPI, docs, and one problem+json error model for every failure."""
from __future__ import annotations

from server import create_app
from tests.conftest import app_config


class TestHealth:
    def test_healthz_reports_database_and_postgis(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        body = response.get_json()
        assert body["status"] == "ok" and body["database"] == "ok"
        assert body["postgis"].startswith("3.")

    def test_healthz_answers_503_when_the_database_is_unreachable(self, tmp_path):
        url = f"postgresql://nobody@/nothing?host={tmp_path}&port=1"
        app = create_app(app_config(url))
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.content_type == "application/problem+json"
        assert response.get_json()["database"] == "unreachable"


class TestDocs:
    def test_openapi_document_lists_the_auth_paths(self, client):
        spec = client.get("/api/v1/openapi.json").get_json()
        assert spec["openapi"].startswith("3.")
        assert {"/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/me"} <= set(spec["paths"])
        assert "bearerAuth" in spec["components"]["securitySchemes"]

    def test_every_operation_documents_its_success_body(self, client):
        spec = client.get("/api/v1/openapi.json").get_json()
        undocumented = []
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                success = {code: r for code, r in operation["responses"].items()
                           if code.startswith("2")}
                assert success, f"{method.upper()} {path} documents no success response"
                success.pop("204", None)  # No Content: no body to describe
                for code, response in success.items():
                    schemas = [c.get("schema") for c in response.get("content", {}).values()]
                    if not any(schemas):
                        undocumented.append(f"{method.upper()} {path} {code}")
        assert undocumented == []

    def test_the_batch_schema_is_the_one_that_parses_uploads(self, client):
        spec = client.get("/api/v1/openapi.json").get_json()
        body = spec["paths"]["/api/v1/sync/batches"]["post"]["requestBody"]["content"]
        ref = body["application/json"]["schema"]["$ref"]
        assert ref.endswith("/SyncBatch")
        from server.api.sync import SyncBatchSchema, upload
        assert upload._apidoc["arguments"]["parameters"][0]["schema"] is SyncBatchSchema

    def test_human_docs_are_served_without_a_cdn(self, client):
        page = client.get("/api/docs")
        assert page.status_code == 200
        assert b"/api/docs/static/swagger-ui-bundle.js" in page.data
        assert client.get("/api/docs/static/swagger-ui-bundle.js").status_code == 200


class TestProblems:
    def test_unknown_path_is_a_404_problem(self, client):
        response = client.get("/api/v1/no-such-thing")
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"
        assert response.get_json()["status"] == 404

    def test_wrong_method_is_a_405_problem(self, client):
        response = client.delete("/api/v1/me")
        assert response.status_code == 405
        assert response.content_type == "application/problem+json"

    def test_body_too_large_is_a_413_problem(self, migrated_app):
        migrated_app.config["MAX_CONTENT_LENGTH"], old = 1000, migrated_app.config[
            "MAX_CONTENT_LENGTH"]
        try:
            response = migrated_app.test_client().post(
                "/api/v1/auth/token", data="x" * 5000, content_type="application/json")
        finally:
            migrated_app.config["MAX_CONTENT_LENGTH"] = old
        assert response.status_code == 413
        assert response.content_type == "application/problem+json"

    def test_malformed_json_is_a_problem_naming_the_body(self, client):
        response = client.post("/api/v1/auth/token", data="{not json",
                               content_type="application/json")
        assert response.status_code in (400, 422)
        assert response.content_type == "application/problem+json"

    def test_a_crash_is_a_500_problem_without_internals(self, database_url):
        app = create_app(app_config(database_url))

        @app.route("/boom")
        def boom():
            raise RuntimeError("secret connection string postgres://admin:hunter2@db")

        response = app.test_client().get("/boom")
        assert response.status_code == 500
        assert response.content_type == "application/problem+json"
        assert b"hunter2" not in response.data and b"RuntimeError" not in response.data
