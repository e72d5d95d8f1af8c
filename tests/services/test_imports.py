"""Bulk import: rows validated like phone submissions, matched by natural key, written with history."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text, update

from server.errors import Invalid
from server.models import ImportRejection, Job, JobState, Record, RecordVersion, Role
from server.services.imports import job as import_job
from server.services.imports import start_import
from server.services.imports.table_file import TableProblem
from tests.factories import make_grids, make_id_card, make_user, publish_repo_forms
from tests.services.imports_helpers import (ELSEWHERE, OUTSIDE, counts, import_file,
                                            outcome, resident_row, run_queued, write_csv)


@pytest.fixture
def admin(session):
    make_grids(session)
    publish_repo_forms(session)
    return make_user(session, role=Role.admin, username="admin.wang")


def record(session, serial: int) -> Record:
    return session.scalar(select(Record).where(Record.key == resident_row(serial)["id_card"]))


def versions(session, serial: int) -> list[RecordVersion]:
    return list(session.scalars(select(RecordVersion).where(
        RecordVersion.record_id == record(session, serial).id).order_by(RecordVersion.version)))


def mixed_file(folder):
    """Rows 2-4 new, row 5 updates resident 10, row 6 repeats resident 11, row 7 is wrong."""
    return write_csv(folder, [
        resident_row(1), resident_row(2), resident_row(3, point=ELSEWHERE),
        resident_row(10, phone="13800009999"), resident_row(11),
        resident_row(4, gender="9")], name="mixed.csv")


class TestDryRun:
    def test_a_dry_run_reports_what_the_real_run_then_does_and_writes_nothing(
            self, session, admin, tmp_path):
        import_file(session, write_csv(tmp_path, [resident_row(10), resident_row(11)]), admin)
        before = counts(session)
        dry = import_file(session, mixed_file(tmp_path), admin, dry_run=True)
        assert counts(session) == before
        assert outcome(dry) == (3, 1, 1, 1) and dry["dry_run"] is True
        real = import_file(session, mixed_file(tmp_path), admin)
        assert outcome(real) == outcome(dry) and real["rejected"] == dry["rejected"]
        assert counts(session) == (before[0] + 3, before[1] + 4)


class TestReimport:
    def test_importing_the_same_file_again_changes_nothing(self, session, admin, tmp_path):
        path = write_csv(tmp_path, [resident_row(n) for n in range(1, 8)])
        assert outcome(import_file(session, path, admin)) == (7, 0, 0, 0)
        before = counts(session)
        assert outcome(import_file(session, path, admin)) == (0, 0, 7, 0)
        assert counts(session) == before

    def test_labels_for_values_change_nothing_either(self, session, admin, tmp_path):
        import_file(session, write_csv(tmp_path, [resident_row(1)]), admin)
        again = write_csv(tmp_path, [resident_row(1, gender="女", ethnicity="汉族",
                                                  household_type="户籍人口")], name="labels.csv")
        assert outcome(import_file(session, again, admin)) == (0, 0, 1, 0)


class TestRejectedRows:
    def test_bad_rows_are_reported_with_their_row_numbers_fields_and_columns(
            self, session, admin, tmp_path):
        rows = [resident_row(1), resident_row(2, id_card=make_id_card(2)[:17] + "0"),
                resident_row(3, point=OUTSIDE), resident_row(4, point=None),
                resident_row(1, name="李娜"), resident_row(5, education="doctorate")]
        result = import_file(session, write_csv(tmp_path, rows), admin)
        assert outcome(result) == (1, 0, 0, 5)
        found = {r["row"]: [(e["field"], e.get("column"), e["code"]) for e in r["errors"]]
                 for r in result["rejected"]}
        assert found == {
            3: [("id_card", "B", "id_card.check_digit")],
            4: [("lon", "K", "outside_district"), ("lat", "L", "outside_district")],
            5: [("lon", "K", "required")],
            6: [("id_card", "B", "duplicate_in_file")],
            7: [("education", "M", "choice")]}
        assert "row 2 " in result["rejected"][3]["errors"][0]["message"]
        assert record(session, 2) is None and record(session, 3) is None

    def test_an_unknown_choice_names_its_field_and_column(self, session, admin, tmp_path):
        path = write_csv(tmp_path, [resident_row(1, gender="9", notes="x")])
        [rejected] = import_file(session, path, admin)["rejected"]
        assert rejected["row"] == 2
        assert [(e["field"], e["column"], e["code"]) for e in rejected["errors"]] == [
            ("gender", "C", "choice")]

    def test_rejected_rows_are_kept_for_the_report_of_their_job(self, session, admin, tmp_path):
        path = write_csv(tmp_path, [resident_row(1, gender="9"), resident_row(2, gender="8")])
        import_file(session, path, admin)
        kept = session.scalars(select(ImportRejection).order_by(ImportRejection.row)).all()
        assert [r.row for r in kept] == [2, 3]

    def test_a_file_unreadable_past_a_row_reports_where_reading_stopped(
            self, session, admin, tmp_path, monkeypatch):
        path = write_csv(tmp_path, [resident_row(n) for n in range(1, 5)])
        real = import_job.read_rows

        def breaks_at_row_4(*args, **kwargs):
            for row in real(*args, **kwargs):
                if row.number == 4:
                    raise TableProblem("broken XML", "损坏", row=4)
                yield row

        monkeypatch.setattr(import_job, "read_rows", breaks_at_row_4)
        result = import_file(session, path, admin)
        assert outcome(result) == (2, 0, 0, 1) and result["stopped_at_row"] == 4
        assert result["rejected"][0]["errors"][0]["field"] == "file"


class TestUpdates:
    def test_an_update_is_a_new_version_whose_history_names_the_importer_file_and_row(
            self, session, admin, tmp_path):
        import_file(session, write_csv(tmp_path, [resident_row(1)]), admin)
        path = write_csv(tmp_path, [{"id_card": resident_row(1)["id_card"],
                                     "phone": "13800001111"}], name="phones.csv")
        result = import_file(session, path, admin)
        assert outcome(result) == (0, 1, 0, 0)
        first, second = versions(session, 1)
        assert second.data == {**first.data, "phone": "13800001111"}
        assert second.changed_fields == ["phone"] and second.made_by_id == admin.id
        assert second.note == "imported by admin.wang from phones.csv, row 2"
        assert second.submission_id is None and second.branch.startswith("import:")
        assert first.note == "imported by admin.wang from residents.csv, row 2"
        current = record(session, 1)
        assert current.version == 2 and current.data["phone"] == "13800001111"
        assert current.updated_by_id == admin.id

    def test_an_update_with_a_point_moves_the_record_to_the_grid_covering_it(
            self, session, admin, tmp_path):
        import_file(session, write_csv(tmp_path, [resident_row(1)]), admin)
        grid_before = record(session, 1).grid_id
        moved = write_csv(tmp_path, [resident_row(1, point=ELSEWHERE)], name="moved.csv")
        assert outcome(import_file(session, moved, admin)) == (0, 1, 0, 0)
        after = record(session, 1)
        assert after.grid_id != grid_before
        code = session.execute(text("SELECT code FROM grids WHERE id = :id"),
                               {"id": after.grid_id}).scalar()
        assert code == "T-32"

    def test_clear_empties_a_field_and_an_empty_cell_leaves_it(self, session, admin, tmp_path):
        import_file(session, write_csv(tmp_path, [resident_row(1, notes="旧备注")]), admin)
        path = write_csv(tmp_path, [{"id_card": resident_row(1)["id_card"], "phone": "#clear",
                                     "notes": ""}], name="clear.csv")
        import_file(session, path, admin)
        data = record(session, 1).data
        assert "phone" not in data and data["notes"] == "旧备注"

    def test_imported_records_are_found_by_search_like_collected_ones(self, session, admin,
                                                                      tmp_path):
        import_file(session, write_csv(tmp_path, [resident_row(1, name="欧阳娜娜")]), admin)
        found = record(session, 1)
        assert found.search_name == "欧阳娜娜" and resident_row(1)["id_card"] in found.search_keys


class TestJob:
    def test_progress_counts_rows_in_chunks(self, session, admin, tmp_path):
        path = write_csv(tmp_path, [resident_row(n) for n in range(1, 8)])
        job = start_import(session, "resident", path, path.name, False, admin, chunk_rows=3)
        run_queued(session)
        assert job.progress["done"] == job.progress["total"] == 7
        assert job.result["created"] == 7

    def test_a_killed_import_resumes_after_its_last_chunk_and_loses_or_repeats_nothing(
            self, session, admin, tmp_path, monkeypatch):
        rows = [resident_row(n) for n in range(1, 11)] + [resident_row(2, name="又一行")]
        path = write_csv(tmp_path, rows)
        job = start_import(session, "resident", path, path.name, False, admin, chunk_rows=3)
        real, calls = import_job.import_chunk, []

        def dies_in_the_third_chunk(run, chunk):
            calls.append(chunk[0].number)
            if len(calls) == 3:
                raise SystemExit("the worker was killed")
            return real(run, chunk)

        monkeypatch.setattr(import_job, "import_chunk", dies_in_the_third_chunk)
        with pytest.raises(SystemExit):
            run_queued(session)
        session.execute(update(Job).where(Job.id == job.id).values(
            locked_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
        session.expire_all()
        assert session.get(Job, job.id).progress["done"] == 6
        assert counts(session) == (6, 6)
        again = run_queued(session)
        assert again.id == job.id and again.state == JobState.done and again.attempts == 2
        assert outcome(again.result) == (10, 0, 0, 1)
        assert [r["row"] for r in again.result["rejected"]] == [12]  # repeats row 3's key
        assert counts(session) == (10, 10)

    def test_the_uploaded_copy_is_deleted_when_the_job_is_done(self, session, admin, tmp_path):
        path = write_csv(tmp_path, [resident_row(1)])
        start_import(session, "resident", path, path.name, False, admin, owns_file=True)
        assert path.exists()
        run_queued(session)
        assert not path.exists()

    def test_a_file_kept_by_the_command_line_is_not_deleted(self, session, admin, tmp_path):
        path = write_csv(tmp_path, [resident_row(1)])
        import_file(session, path, admin)
        assert path.exists()


class TestRefusedFiles:
    @pytest.mark.parametrize("content, field", [
        (b"", "file"), (b"name,phone\n", "id_card"), (b"id_card,phnoe\n", "phnoe"),
        (b"id_card,name,\xe5\xa7\x93\xe5\x90\x8d\n", "name"), (b"PK\x03\x04broken", "file")])
    def test_a_file_wrong_as_a_whole_is_refused_before_any_job_naming_the_problem(
            self, session, admin, tmp_path, content, field):
        path = tmp_path / "bad.csv"
        path.write_bytes(content)
        with pytest.raises(Invalid) as refused:
            start_import(session, "resident", path, path.name, False, admin)
        assert field in [e["field"] for e in refused.value.errors]
        assert session.scalar(select(Job)) is None

    def test_an_unknown_form_is_refused_naming_the_form(self, session, admin, tmp_path):
        with pytest.raises(Invalid) as refused:
            start_import(session, "no_such_form", write_csv(tmp_path, [resident_row(1)]),
                         "x.csv", False, admin)
        assert refused.value.errors[0]["field"] == "form"
