"""Importing department files of indicators: unknown enterprises reported, months replaced."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from server.domain.credit_code import synthetic_credit_code
from server.errors import Invalid
from server.models import JobState
from server.services.indicators import start_indicator_import
from tests.services.imports_helpers import run_queued
from tests.warnings_world import indicator_csv, make_firms


@pytest.fixture
def firms(session):
    return make_firms(session)


def _import(session, path, chunk_rows=5000):
    job = start_indicator_import(session, path, path.name, "labour", None, chunk_rows=chunk_rows)
    ran = run_queued(session)
    assert ran.id == job.id and ran.state == JobState.done, ran.error
    return ran.result


def _values(session):
    return dict(session.execute(text(
        "SELECT r.key || ' ' || v.indicator || ' ' || to_char(v.month, 'YYYY-MM'), v.value "
        "FROM indicator_values v JOIN records r ON r.id = v.enterprise_id")).all())


def test_rows_of_unknown_enterprises_are_reported_and_the_rest_stored(firms, session, tmp_path):
    known = firms.add(1)
    unknown = synthetic_credit_code("440310", 999)
    path = indicator_csv(tmp_path, [(known, "2026-10", "electricity", "182000"),
                                    (unknown, "2026-10", "electricity", "5"),
                                    (known, "2026-13", "electricity", "5"),
                                    (known, "2026-09", "wattage", "5"),
                                    (known, "2026-09", "electricity", "-1")])
    result = _import(session, path)
    assert (result["rows"], result["written"], result["rejected"]) == (5, 1, 4)
    reasons = {r["row"]: (r["errors"][0]["field"], r["errors"][0].get("code"))
               for r in result["rejections"]}
    assert reasons == {3: ("credit_code", "unknown_enterprise"), 4: ("month", "invalid"),
                       5: ("indicator", "invalid"), 6: ("value", "invalid")}
    assert _values(session) == {f"{known} electricity 2026-10": 182000}


def test_a_repeated_row_is_refused(firms, session, tmp_path):
    code = firms.add(1)
    path = indicator_csv(tmp_path, [(code, "2026-10", "tax", "10"), (code, "2026-10", "tax", "20")])
    result = _import(session, path)
    assert result["rejections"] == [{"row": 3, "errors": [
        {"field": "credit_code", "code": "repeated", "message": "repeats an earlier row of the file"}]}]
    assert _values(session) == {f"{code} tax 2026-10": 10}


def test_reimporting_a_month_replaces_it_and_keeps_the_old_values(firms, session, tmp_path):
    a, b = firms.add(1), firms.add(2)
    _import(session, indicator_csv(tmp_path, [(a, "2026-10", "water", "100"),
                                              (b, "2026-10", "water", "200"),
                                              (a, "2026-09", "water", "90")], "first.csv"))
    second = _import(session, indicator_csv(tmp_path, [(a, "2026-10", "water", "110")], "again.csv"),
                     chunk_rows=1)
    assert second["months"] == ["water|2026-10"]
    assert _values(session) == {f"{a} water 2026-10": 110, f"{a} water 2026-09": 90}
    history = session.execute(text(
        "SELECT r.key, h.value FROM indicator_history h JOIN records r ON r.id = h.enterprise_id "
        "ORDER BY r.key")).all()
    assert [(k, int(v)) for k, v in history] == [(a, 100), (b, 200)]


def test_a_file_with_another_header_is_refused_at_once(firms, session, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("credit_code,month,value\n", encoding="utf-8")
    with pytest.raises(Invalid) as refused:
        start_indicator_import(session, path, path.name, None, None)
    assert "missing: indicator" in refused.value.errors[0]["message"]


def test_an_unknown_department_is_refused(firms, session, tmp_path):
    path = indicator_csv(tmp_path, [])
    with pytest.raises(Invalid) as refused:
        start_indicator_import(session, path, path.name, "nobody", None)
    assert refused.value.errors[0]["field"] == "department"
