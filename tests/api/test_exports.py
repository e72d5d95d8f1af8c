"""Exports: every format read back equals the database, masked per reader, within scope."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, text, update

from server.domain.export_table import FIXED_NAMES
from server.domain.id_card import CHINA_STANDARD_TIME
from server.models import AccessEntry, AccessRecord, AuditEntry, Job, JobState, Role, User
from server.services.jobs import enqueue
from server.services.jobs.worker import run_next
from tests.api.exports_reading import read_csv, read_geojson, read_gpkg, read_xlsx
from server.auth.access_tokens import issue_access_token
from tests.api.conftest import MONTH_AGO
from tests.factories import (bearer, make_assignment, make_id_card, make_user, resident_data,
                             sign_in, sync_batch, sync_item)

FORMATS = ("csv", "xlsx", "geojson", "gpkg")
T12 = {"lon": 114.315, "lat": 22.705}
DISABLED_ID = make_id_card(7, born="19700101")
PEOPLE = [  # (grid, data): li.na collects in T-11, wang.wu in T-12
    ("T-11", resident_data(1, name="欧阳·晓红", notes="=1+2 住三楼, \"东\"单元\n第二行")),
    ("T-11", resident_data(2, name="王芳", phone=None, household_type="floating",
                           hukou_address="湖南省邵阳市隆回县", education="bachelor",
                           marital_status="20")),
    ("T-11", resident_data(7, name="张伟", id_card=DISABLED_ID, birth_date="1970-01-01",
                           care_groups=["disabled", "low_income"],
                           disability_cert_no=DISABLED_ID + "12")),
    ("T-12", resident_data(3, name="李明", gender="1", notes="-已搬走")),
    ("T-12", resident_data(4, name="陈静", employment_status="employed", employer="坪山医院",
                           occupation="护士")),
]


@pytest.fixture(autouse=True)
def data_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path / "data"))


def token_of(district, role: Role, username: str, grids: tuple[str, ...] = ()) -> str:
    """A user's access token, minted directly (signing in hashes with argon2: slow)."""
    user = make_user(district.session, role=role, username=username)
    kind = "supervises" if role == Role.supervisor else "primary"
    for code in grids:
        make_assignment(district.session, user, district.grids[code], kind, valid_from=MONTH_AGO)
    keys = district.client.application.extensions["zhiwang_keys"]
    return issue_access_token(keys, user.id, role.value, timedelta(minutes=15))


@pytest.fixture
def residents(district) -> dict[str, str]:
    """The people above, uploaded through the sync path: record id → grid."""
    other = token_of(district, Role.collector, "wang.wu", ("T-12",))
    ids = {}
    for grid, data in PEOPLE:
        item = sync_item(data, **(T12 if grid == "T-12" else {}))
        result = district.results(sync_batch(item), token=None if grid == "T-11" else other)[0]
        assert result["status"] == "merged", result
        ids[result["record_id"]] = grid
    return ids


@pytest.fixture
def admin(district) -> str:
    return token_of(district, Role.admin, "root")


@pytest.fixture
def viewer(district) -> str:
    return token_of(district, Role.viewer, "clerk")


def export(district, token: str, **params: Any):
    return district.client.get(f"/api/v1/exports?{urlencode({'kind': 'resident', **params})}",
                               headers=bearer(token), buffered=True)  # read to its end


def rows_of(fmt: str, body: bytes, tmp_path) -> list[dict[str, Any]]:
    """The rows of an exported file by header; geometry as lon/lat like the flat formats."""
    if fmt == "gpkg":
        return [_lonlat(r) for r in read_gpkg(body, tmp_path)[0]]
    if fmt == "geojson":
        return [_lonlat(r) for r in read_geojson(body)]
    return read_csv(body) if fmt == "csv" else read_xlsx(body)


def _lonlat(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["lon"], row["lat"] = row.pop("_lon"), row.pop("_lat")
    row.pop("fid", None)
    if "_feature_id" in row:
        assert row.pop("_feature_id") == next(iter(row.values()))  # the record id column
    return row


def exported_rows(district, token, tmp_path, fmt, **params) -> list[dict[str, Any]]:
    response = export(district, token, format=fmt, **params)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return rows_of(fmt, response.data, tmp_path)


def database_truth(session) -> dict[str, dict[str, Any]]:
    """Every live resident as an export means it: facts, then the form's fields."""
    rows = session.execute(text("""
        SELECT r.id::text AS id, g.code AS grid, r.version, r.form_version, r.data,
               ST_X(r.geometry) AS lon, ST_Y(r.geometry) AS lat, r.updated_at,
               u.username AS updated_by
          FROM records r JOIN grids g ON g.id = r.grid_id
          LEFT JOIN users u ON u.id = r.updated_by_id
         WHERE r.kind = 'resident' AND r.retired_at IS NULL"""))
    return {r.id: {"id": r.id, "grid": r.grid, "version": r.version,
                   "form_version": r.form_version, "updated_by": r.updated_by,
                   "updated_at": r.updated_at.astimezone(CHINA_STANDARD_TIME).isoformat(),
                   "lon": r.lon, "lat": r.lat, **r.data} for r in rows}


def as_written(value: Any, fmt: str) -> Any:
    """CSV shows text that Excel would run as a formula with a leading ' (see csv_.py)."""
    if fmt == "csv" and isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def same(actual: Any, expected: Any) -> bool:
    """A cell equals the database's value (flat formats join lists with ';')."""
    if expected is None:
        return actual in (None, "")
    if isinstance(expected, float):
        return abs(float(actual) - expected) < 1e-7
    if isinstance(expected, list):
        return actual in (expected, ";".join(expected))
    if isinstance(expected, int):
        return actual == expected or actual == str(expected)
    return actual == expected


RESIDENT_FIELDS = [f["name"] for f in json.load(open("forms/resident.v1.json"))["fields"]]


class TestRoundTrip:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_the_file_read_back_equals_the_database(self, district, residents, admin, fmt,
                                                    tmp_path, session):
        rows = exported_rows(district, admin, tmp_path, fmt, lang="none", choices="value")
        truth = database_truth(session)
        assert sorted(r["id"] for r in rows) == sorted(truth) == sorted(residents)
        columns = [*FIXED_NAMES, *RESIDENT_FIELDS]
        if fmt in ("geojson", "gpkg"):  # lon and lat are the geometry
            columns = [c for c in columns if c not in ("lon", "lat")] + ["lon", "lat"]
        assert list(rows[0]) == columns
        for row in rows:
            expected = {name: as_written(value, fmt) for name, value in truth[row["id"]].items()}
            differences = {name: (value, expected.get(name)) for name, value in row.items()
                           if not same(value, expected.get(name))}
            assert differences == {}, row["id"]

    def test_records_come_grid_by_grid(self, district, residents, admin, tmp_path):
        grids = [r["网格"] for r in exported_rows(district, admin, tmp_path, "csv")]
        assert grids == sorted(grids)

    def test_xlsx_and_gpkg_keep_numbers_as_numbers(self, district, residents, admin,
                                                   tmp_path):
        sheet = exported_rows(district, admin, tmp_path, "xlsx", lang="none")
        assert isinstance(sheet[0]["version"], int) and isinstance(sheet[0]["lon"], float)
        rows, meta = read_gpkg(export(district, admin, format="gpkg", lang="none").data,
                               tmp_path)
        assert isinstance(rows[0]["version"], int)
        assert meta["types"]["version"] == "INTEGER" and meta["types"]["birth_date"] == "DATE"
        assert meta["types"]["geom"] == "POINT"

    def test_the_geopackage_follows_the_standard(self, district, residents, admin, tmp_path,
                                                 session):
        rows, meta = read_gpkg(export(district, admin, format="gpkg").data, tmp_path)
        assert meta["application_id"] == 0x47504B47 and meta["user_version"] == 10200
        assert meta["integrity"] == "ok" and {-1, 0, 4326} <= meta["srs"]
        assert meta["geometry_columns"] == [{"table_name": "resident", "column_name": "geom",
                                             "geometry_type_name": "POINT", "srs_id": 4326,
                                             "z": 0, "m": 0}]
        contents = meta["contents"][0]
        assert contents["data_type"] == "features" and contents["srs_id"] == 4326
        lons = [r["lon"] for r in database_truth(session).values()]
        assert contents["min_x"] == pytest.approx(min(lons))
        assert contents["max_x"] == pytest.approx(max(lons))

    def test_csv_quotes_commas_quotes_and_line_breaks(self, district, residents, admin,
                                                      tmp_path):
        rows = exported_rows(district, admin, tmp_path, "csv")
        notes = {r["姓名"]: r["备注"] for r in rows}
        assert notes["欧阳·晓红"] == "'=1+2 住三楼, \"东\"单元\n第二行"

    def test_csv_cells_that_excel_would_run_as_formulas_are_shown_as_text(
            self, district, residents, admin, tmp_path):
        csv_notes = {r["姓名"]: r["备注"] for r in exported_rows(district, admin, tmp_path, "csv")}
        assert csv_notes["李明"] == "'-已搬走"
        xlsx_notes = {r["姓名"]: r["备注"]
                      for r in exported_rows(district, admin, tmp_path, "xlsx")}
        assert xlsx_notes["李明"] == "-已搬走"  # a string cell: never a formula in XLSX
        assert xlsx_notes["欧阳·晓红"].startswith("=1+2")

    def test_an_empty_selection_is_a_file_with_headers_only(self, district, admin, tmp_path):
        for fmt in FORMATS:
            assert exported_rows(district, admin, tmp_path, fmt) == []
        assert read_csv(export(district, admin).data) == []
        assert export(district, admin).data.decode("utf-8-sig").startswith("记录编号,网格")


class TestLabels:
    def test_chinese_headers_with_codes_and_labels_by_default(self, district, residents,
                                                              admin, tmp_path):
        rows = exported_rows(district, admin, tmp_path, "csv")
        zhang = next(r for r in rows if r["姓名"] == "张伟")
        assert (zhang["性别代码"], zhang["性别"]) == ("2", "女")
        assert zhang["关爱帮扶对象代码"] == "disabled;low_income"
        assert zhang["关爱帮扶对象"] == "残疾人;低保/低收入"
        assert list(rows[0])[:3] == ["记录编号", "网格", "版本"]

    def test_english_headers_and_labels(self, district, residents, admin, tmp_path):
        rows = exported_rows(district, admin, tmp_path, "xlsx", lang="en")
        zhang = next(r for r in rows if r["Name"] == "张伟")
        assert (zhang["Sex (code)"], zhang["Sex"]) == ("2", "Female")

    def test_both_languages(self, district, residents, admin, tmp_path):
        rows = exported_rows(district, admin, tmp_path, "geojson", lang="both",
                             choices="label")
        zhang = next(r for r in rows if r["姓名 / Name"] == "张伟")
        assert zhang["性别 / Sex"] == "女 / Female"
        assert zhang["关爱帮扶对象 / Groups needing care"][0] == "残疾人 / Person with a disability"

    def test_field_names_and_codes_for_machines(self, district, residents, admin, tmp_path):
        rows = exported_rows(district, admin, tmp_path, "csv", lang="none", choices="value")
        assert "gender" in rows[0] and "gender_label" not in rows[0]
        rows = exported_rows(district, admin, tmp_path, "csv", lang="none")
        zhang = next(r for r in rows if r["name"] == "张伟")
        assert (zhang["gender"], zhang["gender_label"]) == ("2", "女")


class TestMasking:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_a_viewer_gets_sensitive_fields_masked_and_an_admin_in_clear(
            self, district, residents, admin, viewer, fmt, tmp_path):
        masked = {r["姓名"]: r for r in exported_rows(district, viewer, tmp_path, fmt)}
        clear = {r["姓名"]: r for r in exported_rows(district, admin, tmp_path, fmt)}
        assert masked.keys() == clear.keys()
        assert clear["张伟"]["公民身份号码"] == DISABLED_ID
        assert masked["张伟"]["公民身份号码"] == DISABLED_ID[:6] + "********" + DISABLED_ID[-4:]
        assert clear["张伟"]["联系电话"] == "13925481736"
        assert masked["张伟"]["联系电话"] == "139****1736"
        assert masked["张伟"]["关爱帮扶对象代码"] == masked["张伟"]["关爱帮扶对象"] == "***"
        assert masked["张伟"]["残疾人证号"] == DISABLED_ID[0] + "*" * 8  # text: its first character
        assert masked["张伟"]["性别"] == clear["张伟"]["性别"] == "女"

    @pytest.mark.parametrize("fmt", ["csv", "geojson"])
    def test_no_sensitive_value_appears_anywhere_in_a_viewers_file(
            self, district, residents, viewer, fmt):
        body = export(district, viewer, format=fmt, lang="none").data.decode("utf-8")
        for _, data in PEOPLE:
            for name in ("id_card", "phone", "disability_cert_no"):
                if data.get(name):
                    assert data[name] not in body, name
        assert "low_income" not in body


class TestScope:
    def test_a_supervisor_exports_the_grids_it_supervises(self, district, residents, tmp_path):
        token = token_of(district, Role.supervisor, "sup", ("T-11",))
        grids = {r["网格"] for r in exported_rows(district, token, tmp_path, "csv")}
        assert grids == {"T-11"}
        street = exported_rows(district, token, tmp_path, "csv", grid="S1")
        assert {r["网格"] for r in street} == {"T-11"} and len(street) == 3

    def test_a_grid_outside_the_supervisors_scope_is_refused_by_name(self, district,
                                                                      residents):
        token = token_of(district, Role.supervisor, "sup", ("T-11",))
        response = export(district, token, grid="T-12")
        assert response.status_code == 403
        assert response.get_json()["errors"][0]["field"] == "grid"

    def test_a_viewer_exports_the_whole_district_and_can_narrow_it(self, district, residents,
                                                                   viewer, tmp_path):
        assert len(exported_rows(district, viewer, tmp_path, "csv")) == len(PEOPLE)
        one = exported_rows(district, viewer, tmp_path, "csv", grid="T-12")
        assert {r["网格"] for r in one} == {"T-12"} and len(one) == 2

    def test_collectors_do_not_export(self, district, residents):
        response = export(district, district.token)
        assert response.status_code == 403
        assert response.content_type == "application/problem+json"

    def test_an_anonymous_request_is_refused(self, district):
        response = district.client.get("/api/v1/exports?kind=resident")
        assert response.status_code == 401

    def test_retired_records_are_left_out(self, district, residents, admin, session, tmp_path):
        retired = next(iter(residents))
        session.execute(text("UPDATE records SET retired_at = now() WHERE id = :id"),
                        {"id": retired})
        ids = {r["记录编号"] for r in exported_rows(district, admin, tmp_path, "csv")}
        assert retired not in ids and len(ids) == len(PEOPLE) - 1


class TestUpdatedSince:
    def test_only_records_changed_since_then(self, district, residents, admin, session,
                                             tmp_path):
        old = [rid for rid, grid in residents.items() if grid == "T-12"]
        session.execute(text("UPDATE records SET updated_at = '2025-01-01T00:00:00Z' "
                             "WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": old})
        recent = exported_rows(district, admin, tmp_path, "csv",
                               updated_since="2025-06-01T00:00:00Z")
        assert {r["网格"] for r in recent} == {"T-11"}
        assert len(exported_rows(district, admin, tmp_path, "csv",
                                 updated_since="2025-01-01T08:00:00+08:00")) == len(PEOPLE)
        assert len(exported_rows(district, admin, tmp_path, "csv",
                                 updated_since="2025-01-02")) == 3  # China midnight


class TestAudit:
    def test_a_download_cut_off_is_recorded_as_incomplete(self, district, residents, viewer,
                                                          session):
        response = district.client.get("/api/v1/exports?kind=resident", headers=bearer(viewer))
        assert next(iter(response.response)).startswith("\ufeff".encode())
        response.close()
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "records_exported")).one()
        assert entry.details["complete"] is False

    def test_a_streamed_export_is_recorded_with_its_filter_and_count(self, district,
                                                                     residents, viewer,
                                                                     session):
        response = export(district, viewer, grid="T-12", format="xlsx", purpose="低保复核")
        assert response.status_code == 200
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "records_exported")).one()
        assert entry.details == {"filter": {"kind": "resident", "area": "T-12",
                                            "updated_since": None}, "purpose": "低保复核",
                                 "format": "xlsx", "rows": 2, "complete": True}
        assert session.get(User, entry.actor_id).username == "clerk"

    def test_the_access_log_names_every_record_exported_and_why(self, district, residents,
                                                               viewer, session):
        assert export(district, viewer, grid="T-12", purpose="低保复核").status_code == 200
        entry = session.scalars(select(AccessEntry).where(AccessEntry.action == "export")).one()
        logged = set(session.scalars(select(AccessRecord.record_id).where(
            AccessRecord.access_id == entry.id)))
        assert {str(i) for i in logged} == {i for i, g in residents.items() if g == "T-12"}
        assert entry.record_count == 2 and entry.purpose == "低保复核"


class TestGrants:
    def department(self, district, admin, grant: dict) -> str:
        client = district.client
        assert client.post("/api/v1/departments", json={"code": "civil", "name": "民政局"},
                           headers=bearer(admin)).status_code == 201
        assert client.put("/api/v1/departments/civil/grants", json=grant,
                          headers=bearer(admin)).status_code == 200
        make_user(district.session, role=Role.viewer, username="civil.clerk",
                  department_code="civil")
        return sign_in(client, "civil.clerk")["access_token"]

    def test_a_kind_outside_the_grant_is_refused_naming_it(self, district, residents, admin):
        token = self.department(district, admin, {"kinds": ["rental"], "grids": "all"})
        response = export(district, token)
        assert response.status_code == 403
        assert response.get_json()["errors"][0]["field"] == "kind"

    def test_only_the_granted_grids_and_fields_leave_in_the_file(self, district, residents,
                                                                 admin, tmp_path):
        token = self.department(district, admin, {
            "kinds": ["resident"], "grids": ["T-12"], "fields": {"resident": {"phone": "hidden"}}})
        rows = exported_rows(district, token, tmp_path, "csv", lang="none", choices="value")
        assert {r["id"] for r in rows} == {i for i, g in residents.items() if g == "T-12"}
        assert all(not r.get("phone") for r in rows)
        phones = {d["phone"] for g, d in PEOPLE if g == "T-12" and d.get("phone")}
        assert phones and not any(p in str(rows) for p in phones)


def run_job(session) -> Job | None:
    return run_next(session, "test-worker", commit=False)


class TestJobs:
    @pytest.fixture(autouse=True)
    def small_threshold(self, app, monkeypatch):
        monkeypatch.setitem(app.config, "EXPORT_STREAM_ROWS", 2)

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_a_large_export_is_a_job_whose_file_can_be_downloaded(
            self, district, residents, viewer, session, fmt, tmp_path):
        response = export(district, viewer, format=fmt, lang="none", choices="value")
        assert response.status_code == 202
        job_url = response.headers["Location"]
        assert job_url == f"/api/v1/jobs/{response.get_json()['id']}"
        assert response.get_json()["state"] == "queued"
        assert run_job(session).state == JobState.done
        job = district.client.get(job_url, headers=bearer(viewer)).get_json()
        assert job["state"] == "done"
        assert job["progress"] == {"done": len(PEOPLE), "total": len(PEOPLE)}
        assert job["result"]["rows"] == len(PEOPLE)
        download = district.client.get(job["result_url"], headers=bearer(viewer))
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].startswith("attachment; filename=")
        assert download.headers["Cache-Control"] == "private, no-store"
        rows = rows_of(fmt, download.data, tmp_path)
        truth = database_truth(session)
        assert sorted(r["id"] for r in rows) == sorted(truth)
        zhang = next(r for r in rows if r["name"] == "张伟")
        assert zhang["id_card"] == DISABLED_ID[:6] + "********" + DISABLED_ID[-4:]

    def test_the_job_worker_command_runs_an_export(self, district, residents, viewer, app,
                                                   session):
        job_id = export(district, viewer).get_json()["id"]
        result = app.test_cli_runner().invoke(args=["jobs", "work", "--once"])
        assert result.exit_code == 0, result.output
        assert session.get(Job, job_id).state == JobState.done

    def test_a_small_export_can_ask_for_a_job(self, district, residents, admin, app):
        app.config["EXPORT_STREAM_ROWS"] = 1000
        response = district.client.get("/api/v1/exports?kind=resident", buffered=True,
                                        headers={**bearer(admin), "Prefer": "respond-async"})
        assert response.status_code == 202

    def test_the_job_records_the_export_when_done(self, district, residents, admin, session):
        export(district, admin, grid="T-11")
        run_job(session)
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "records_exported")).one()
        assert entry.details["rows"] == 3 and entry.details["filter"]["area"] == "T-11"

    def test_the_file_is_not_there_before_the_job_is_done(self, district, residents, admin):
        job_id = export(district, admin).get_json()["id"]
        response = district.client.get(f"/api/v1/exports/{job_id}/file", headers=bearer(admin))
        assert response.status_code == 409
        assert response.get_json()["state"] == "queued"

    def test_another_users_export_is_not_found(self, district, residents, admin, viewer,
                                               session):
        job_id = export(district, viewer).get_json()["id"]
        run_job(session)
        other = token_of(district, Role.viewer, "clerk2")
        response = district.client.get(f"/api/v1/exports/{job_id}/file", headers=bearer(other))
        assert response.status_code == 404
        mine = district.client.get(f"/api/v1/exports/{job_id}/file", headers=bearer(viewer))
        assert mine.status_code == 200
        assert district.client.get(f"/api/v1/exports/{job_id}/file",
                                   headers=bearer(admin)).status_code == 200

    def test_the_file_is_gone_after_the_keeping_time(self, district, residents, viewer,
                                                     session):
        job_id = export(district, viewer).get_json()["id"]
        run_job(session)
        session.execute(update(Job).where(Job.id == job_id).values(
            finished_at=datetime.now(timezone.utc) - timedelta(hours=73)))
        response = district.client.get(f"/api/v1/exports/{job_id}/file",
                                       headers=bearer(viewer))
        assert response.status_code == 410

    def test_a_job_that_is_not_an_export_has_no_file(self, district, admin, session,
                                                     monkeypatch):
        from server.services.jobs.kinds import HANDLERS
        monkeypatch.setitem(HANDLERS, "count_to", "tests.services.job_handlers:count_to")
        owner = session.scalars(select(User).where(User.username == "root")).one()
        job = enqueue(session, "count_to", {"to": 1}, user_id=owner.id)
        response = district.client.get(f"/api/v1/exports/{job.id}/file", headers=bearer(admin))
        assert response.status_code == 404

    def test_the_scope_is_that_of_the_requester_when_the_job_runs(self, district, residents,
                                                                  session):
        token = token_of(district, Role.supervisor, "sup", ("T-11", "T-12"))
        job_id = export(district, token).get_json()["id"]
        session.execute(text("""UPDATE assignments SET valid_to = now() - interval '1 second'
            WHERE user_id = (SELECT id FROM users WHERE username = 'sup')
              AND grid_id = (SELECT id FROM grids WHERE code = 'T-12')"""))
        assert run_job(session).result["rows"] == 3

    def test_a_disabled_requesters_export_fails(self, district, residents, viewer, session):
        job_id = export(district, viewer).get_json()["id"]
        session.execute(update(User).where(User.username == "clerk").values(is_active=False))
        run_job(session)
        job = session.get(Job, job_id)
        assert job.state == JobState.queued and "disabled" in job.error


BAD = [
    ({"kind": ""}, "kind"), ({"kind": "Resident"}, "kind"), ({"kind": "x" * 65}, "kind"),
    ({"kind": "nothing"}, "kind"), ({"format": "pdf"}, "format"), ({"lang": "fr"}, "lang"),
    ({"choices": "all"}, "choices"), ({"grid": "T-99"}, "grid"), ({"grid": "T 11"}, "grid"),
    ({"grid": "x" * 40}, "grid"), ({"updated_since": "2026-01-01T00:00:00"}, "updated_since"),
    ({"updated_since": "yesterday"}, "updated_since"),
    ({"updated_since": "2026-02-30"}, "updated_since"), ({"fromat": "xlsx"}, "fromat"),
    ({"purpose": "x" * 201}, "purpose"),
]


FUZZ = ["\x00", "%00", "résident", "'; DROP TABLE records; --", "🙂", "a\nb", " ", "-1",
        "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1e309", "NaN", "[]",
        "T-11\x00", "../../etc/passwd", "x" * 5000]


class TestBadInput:
    def test_each_bad_parameter_is_a_problem_naming_it(self, district, admin):
        for params, field in BAD:
            response = export(district, admin, **params)
            assert response.status_code == 422, (params, response.get_data(as_text=True))
            assert response.content_type == "application/problem+json"
            assert field in [e["field"] for e in response.get_json()["errors"]], params

    def test_a_missing_kind_is_named(self, district, admin):
        response = district.client.get("/api/v1/exports", headers=bearer(admin))
        assert response.status_code == 422
        assert response.get_json()["errors"][0]["field"] == "kind"

    def test_no_input_makes_a_server_error(self, district, residents, admin):
        for name in ("kind", "format", "grid", "updated_since", "lang", "choices", "purpose",
                     "other"):
            for value in FUZZ:
                response = export(district, admin, **{name: value})
                assert response.status_code in (200, 202, 403, 404, 414, 422), (name, value)
                if response.status_code >= 400:
                    assert response.content_type == "application/problem+json", (name, value)
