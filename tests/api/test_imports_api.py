"""POST /api/v1/imports and `flask records import`: the same import, as a job, for administrators."""
from __future__ import annotations

import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from server.models import Record, Role
from tests.factories import bearer, make_user, sign_in
from tests.services.imports_helpers import (counts, outcome, resident_row, run_queued,
                                            write_csv)


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """The data directory, where uploads wait for their job."""
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "imports"


@pytest.fixture
def admin_token(district):
    make_user(district.session, role=Role.admin, username="admin.wang")
    return sign_in(district.client, "admin.wang")["access_token"]


def post(client, token, content: bytes, query: str = "form=resident",
         name: str = "residents.csv"):
    return client.post(f"/api/v1/imports?{query}", headers=bearer(token),
                       data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def rows_csv(tmp_path, *serials: int, **overrides) -> bytes:
    return write_csv(tmp_path, [resident_row(n, **overrides) for n in serials]).read_bytes()


class TestApi:
    def test_an_import_is_a_job_followed_at_its_location_until_its_report(
            self, client, session, admin_token, uploads, tmp_path):
        response = post(client, admin_token, rows_csv(tmp_path, 1, 2, 3))
        assert response.status_code == 202, response.get_json()
        job = response.get_json()
        assert response.headers["Location"].endswith(f"/api/v1/jobs/{job['id']}")
        assert job["state"] == "queued" and job["kind"] == "records_import"
        assert len(list(uploads.iterdir())) == 1  # kept until the job is done
        run_queued(session)
        body = client.get(response.headers["Location"], headers=bearer(admin_token)).get_json()
        assert body["state"] == "done" and body["progress"]["done"] == 3
        assert outcome(body["result"]) == (3, 0, 0, 0) and body["result"]["rejected"] == []
        assert list(uploads.iterdir()) == []

    def test_a_dry_run_changes_nothing(self, client, session, admin_token, uploads, tmp_path):
        response = post(client, admin_token, rows_csv(tmp_path, 1, 2), "form=resident&dry_run=true")
        before = counts(session)
        assert run_queued(session).result["created"] == 2
        assert counts(session) == before
        assert response.get_json()["state"] == "queued"

    def test_an_xlsx_file_imports_like_a_csv(self, client, session, admin_token, uploads):
        book = openpyxl.Workbook()
        rows = [resident_row(1), resident_row(2, gender="女")]
        book.active.append(list(rows[0]))
        for row in rows:
            book.active.append(list(row.values()))
        content = io.BytesIO()
        book.save(content)
        response = post(client, admin_token, content.getvalue(), name="residents.xlsx")
        assert response.status_code == 202, response.get_json()
        assert outcome(run_queued(session).result) == (2, 0, 0, 0)

    @pytest.mark.parametrize("role", [Role.collector, Role.supervisor, Role.viewer])
    def test_only_administrators_may_import(self, client, district, uploads, tmp_path, role):
        token = district.user(role, f"someone.{role.value}")
        response = post(client, token, rows_csv(tmp_path, 1))
        assert response.status_code == 403
        assert not uploads.exists() or list(uploads.iterdir()) == []

    @pytest.mark.parametrize("content, query, field", [
        (b"id_card,phnoe\n1,2\n", "form=resident", "phnoe"),
        (b"", "form=resident", "file"),
        (b"\x00\x01\x02binary", "form=resident", "file"),
        (b"id_card\n", "form=no_such_form", "form"),
    ])
    def test_a_file_wrong_as_a_whole_is_a_422_naming_the_problem_and_keeps_nothing(
            self, client, session, admin_token, uploads, content, query, field):
        response = post(client, admin_token, content, query)
        assert response.status_code == 422
        assert response.content_type == "application/problem+json"
        assert field in [e["field"] for e in response.get_json()["errors"]]
        assert list(uploads.iterdir()) == []

    def test_no_file_is_a_422(self, client, admin_token, uploads):
        response = client.post("/api/v1/imports?form=resident", headers=bearer(admin_token))
        assert response.status_code == 422
        assert response.get_json()["errors"][0]["field"] == "file"

    def test_a_file_over_the_import_limit_is_a_413(self, app, client, admin_token, uploads,
                                                    monkeypatch, tmp_path):
        monkeypatch.setitem(app.config, "MAX_IMPORT_BYTES", 1000)
        response = post(client, admin_token, rows_csv(tmp_path, *range(1, 20)))
        assert response.status_code == 413

    def test_an_import_may_be_larger_than_other_bodies(self, app, client, admin_token, uploads,
                                                       monkeypatch, tmp_path):
        monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
        assert post(client, admin_token, rows_csv(tmp_path, *range(1, 20))).status_code == 202

    def test_every_rejected_row_is_listed_page_by_page(self, client, session, admin_token,
                                                       uploads, tmp_path):
        job = post(client, admin_token, rows_csv(tmp_path, 1, 2, 3, 4, 5, gender="9")).get_json()
        run_queued(session)
        url = f"/api/v1/imports/{job['id']}/rejections?limit=2"
        first = client.get(url, headers=bearer(admin_token)).get_json()
        assert [r["row"] for r in first["items"]] == [2, 3] and first["more"] is True
        rest = client.get(f"{url}&after={first['next']}", headers=bearer(admin_token)).get_json()
        assert [r["row"] for r in rest["items"]] == [4, 5] and rest["more"] is True
        assert rest["items"][0]["errors"][0]["field"] == "gender"

    def test_the_rejections_of_a_job_that_is_not_an_import_are_not_found(self, client,
                                                                        admin_token):
        assert client.get("/api/v1/imports/999999/rejections",
                          headers=bearer(admin_token)).status_code == 404


class TestCommandLine:
    def test_a_dry_run_prints_the_report_and_writes_no_record(self, app, district, tmp_path):
        path = write_csv(tmp_path, [resident_row(1), resident_row(2, gender="9")])
        result = app.test_cli_runner().invoke(
            args=["records", "import", str(path), "--form", "resident", "--dry-run"])
        assert result.exit_code == 0, result.output
        assert "1 created, 0 updated, 0 unchanged, 1 rejected (would be" in result.stdout
        assert "row 3: gender (C): is not one of the choices" in result.stdout
        assert district.session.scalar(select(Record)) is None

    def test_an_import_names_its_user_and_writes_the_whole_report(self, app, district, tmp_path):
        make_user(district.session, role=Role.admin, username="admin.li")
        path = write_csv(tmp_path, [resident_row(1), resident_row(2, gender="9")])
        report = tmp_path / "report.json"
        result = app.test_cli_runner().invoke(args=[
            "records", "import", str(path), "--form", "resident", "--user", "admin.li",
            "--report", str(report)])
        assert result.exit_code == 0, result.output
        written = json.loads(report.read_text(encoding="utf-8"))
        assert outcome(written) == (1, 0, 0, 1) and written["rejected"][0]["row"] == 3
        assert "1 rows: 1 created" not in result.stderr and "2 rows:" in result.stderr
        imported = district.session.scalar(select(Record))
        assert imported.created_by_id is not None

    def test_a_wrong_header_is_refused_naming_the_column(self, app, district, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text("id_card,phnoe\n1,2\n", encoding="utf-8")
        result = app.test_cli_runner().invoke(
            args=["records", "import", str(path), "--form", "resident"])
        assert result.exit_code != 0
        assert "phnoe (column B): is not a field of form resident v1" in result.stderr

    def test_a_job_worker_runs_an_uploaded_import(self, app, client, session, admin_token,
                                                   uploads, tmp_path):
        post(client, admin_token, rows_csv(tmp_path, 1, 2))
        result = app.test_cli_runner().invoke(args=["jobs", "work", "--once"])
        assert result.exit_code == 0, result.output
        assert session.scalar(select(func.count()).select_from(Record)) == 2
