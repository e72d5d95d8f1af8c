"""The monthly warning run: signals at their edges, missing months, levels, idempotence,
dispatch to the labour department and de-duplication across months."""
from __future__ import annotations

import copy
from datetime import date

import pytest
from sqlalchemy import func, select, text

from server.models import Event, EventTransition, EnterpriseWarning
from server.services.warnings.model import publish_model
from server.services.warnings.run import run_warnings
from tests.warnings_world import MODEL, make_firms

OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
def firms(session):
    return make_firms(session)


@pytest.fixture
def sensitive(firms, session):
    """Model v2: the default signals, but every score of 1 or more is a (blue) warning, so a
    single signal shows whether it fired."""
    model = copy.deepcopy(MODEL)
    model["version"] = 2
    for band, score in zip(model["levels"], (1, 1000, 2000, 3000)):
        band["min_score"] = score
    publish_model(session, model)
    return firms


def fired(session, month=OCT) -> dict[str, list[str]]:
    rows = session.execute(select(EnterpriseWarning).where(EnterpriseWarning.month == month))
    by_id = {v: k for k, v in _firms_ids(session).items()}
    return {by_id[w.enterprise_id]: sorted(s["signal"] for s in w.signals) for w in rows.scalars()}


def _firms_ids(session):
    return dict(session.execute(text("SELECT key, id FROM records WHERE kind = 'enterprise'")).all())


@pytest.mark.parametrize("indicator, value, signals", [
    ("wages_unpaid", 0, []), ("wages_unpaid", 0.01, ["wages_unpaid"]),
    ("complaints", 0, []), ("complaints", 1, ["complaints"]), ("complaints", 2, ["complaints"]),
    ("complaints", 3, ["complaints", "complaints_many"]),
    ("capacity_exit", 0, []), ("capacity_exit", 1, ["capacity_exit"]),
])
def test_level_signals_fire_from_their_threshold(sensitive, session, indicator, value, signals):
    code = sensitive.add(1)
    sensitive.put(code, indicator, {OCT: value})
    run_warnings(session, OCT)
    assert fired(session).get(code, []) == signals


@pytest.mark.parametrize("indicator, signal, edge, just_above", [
    ("water", "water_drop", 70_000, 70_001), ("electricity", "electricity_drop", 70_000, 70_001),
    ("tax", "tax_drop", 70_000, 70_001), ("headcount", "headcount_drop", 80_000, 80_001),
    ("social_insurance", "social_insurance_drop", 80_000, 80_001),
])
def test_drops_fire_at_their_threshold_against_the_six_month_median(
        sensitive, session, indicator, signal, edge, just_above):
    at_edge, short_of_it = sensitive.add(1), sensitive.add(2)
    for code, value in ((at_edge, edge), (short_of_it, just_above)):
        # The median of 90,000 … 110,000 (and one outlier) is 100,000.
        sensitive.put(code, indicator, {date(2026, m, 1): v for m, v in zip(
            range(4, 10), (90_000, 95_000, 100_000, 100_000, 110_000, 900_000))})
        sensitive.put(code, indicator, {OCT: value})
    run_warnings(session, OCT)
    assert fired(session) == {at_edge: [signal]}


def test_a_warning_says_which_signals_fired_with_the_numbers(firms, session):
    code = firms.add(1)
    firms.steady(code, "electricity", 182_000, OCT)
    firms.put(code, "electricity", {OCT: 96_460})
    firms.put(code, "wages_unpaid", {OCT: 250_000})
    run_warnings(session, OCT)
    warning = session.scalar(select(EnterpriseWarning))
    assert (warning.level, float(warning.score)) == ("orange", 60)
    assert [s["reason"] for s in warning.signals] == [
        "欠薪 250,000 元", "用电 −47 % vs 6-month median 182,000 kWh"]
    drop = warning.signals[1]
    assert (float(drop["value"]), float(drop["baseline"]), float(drop["change"])) == \
        (96_460, 182_000, -0.47)


def test_missing_months_are_not_zeros(sensitive, session):
    few, enough, silent = sensitive.add(1), sensitive.add(2), sensitive.add(3)
    # Two known months of the six before: no baseline. Three: a baseline.
    sensitive.put(few, "electricity", {date(2026, 5, 1): 100, date(2026, 8, 1): 100, OCT: 10})
    sensitive.put(enough, "electricity", {date(2026, 5, 1): 100, date(2026, 7, 1): 100,
                                          date(2026, 9, 1): 100, OCT: 10})
    # No value this month: no drop, however steady the months before.
    sensitive.steady(silent, "electricity", 100, OCT)
    # A value older than six months is outside the baseline.
    sensitive.put(few, "electricity", {date(2026, 3, 1): 100})
    run_warnings(session, OCT)
    assert fired(session) == {enough: ["electricity_drop"]}


def test_levels_come_from_the_score_bands(firms, session):
    blue, yellow, red = firms.add(1), firms.add(2), firms.add(3)
    firms.put(blue, "complaints", {OCT: 3})                 # 10 + 20 = 30
    firms.put(yellow, "wages_unpaid", {OCT: 1})             # 45
    for indicator, value in (("wages_unpaid", 1), ("complaints", 3), ("capacity_exit", 1)):
        firms.put(red, indicator, {OCT: value})             # 45 + 30 + 25 = 100
    quiet = firms.add(4)
    firms.put(quiet, "complaints", {OCT: 1})                # 10: below blue
    run_warnings(session, OCT)
    levels = {k: w for k, w in session.execute(text(
        "SELECT r.key, w.level FROM warnings w JOIN records r ON r.id = w.enterprise_id")).all()}
    assert levels == {blue: "blue", yellow: "yellow", red: "red"}


def _orange(firms, code, month):
    firms.put(code, "wages_unpaid", {month: 1})
    firms.put(code, "complaints", {month: 3})               # 45 + 30 = 75


def _red(firms, code, month):
    _orange(firms, code, month)
    firms.put(code, "capacity_exit", {month: 1})            # 100


def _events(session):
    return session.execute(select(Event)).scalars().all()


def test_orange_and_red_are_dispatched_to_the_labour_department(firms, session):
    code = firms.add(1)
    yellow = firms.add(2)
    _orange(firms, code, OCT)
    firms.put(yellow, "wages_unpaid", {OCT: 1})
    summary = run_warnings(session, OCT)
    assert summary.dispatch == {"dispatched": 1, "escalated": 0, "under_handling": 0}
    [event] = _events(session)
    assert (event.state, event.department_code, event.category) == \
        ("dispatched", "labour", "labour.wage_arrears")
    description = session.scalar(text("SELECT data->>'description' FROM records WHERE id = :id"),
                                 {"id": event.record_id})
    assert description.startswith("劳资纠纷预警 橙色（2026-10，得分 75）") and "欠薪 1 元" in description
    actions = session.scalars(select(EventTransition.action).where(
        EventTransition.event_id == event.record_id).order_by(EventTransition.id)).all()
    assert actions == ["report", "register", "dispatch"]


def test_running_a_month_again_changes_nothing(firms, session):
    code = firms.add(1)
    _orange(firms, code, OCT)
    run_warnings(session, OCT)
    before = session.execute(text("SELECT * FROM warnings ORDER BY enterprise_id")).all()
    again = run_warnings(session, OCT)
    assert again.dispatch == {"dispatched": 0, "escalated": 0, "under_handling": 0}
    assert session.execute(text("SELECT * FROM warnings ORDER BY enterprise_id")).all() == before
    assert len(_events(session)) == 1


def test_a_rerun_after_a_corrected_month_drops_the_warning_it_no_longer_warrants(firms, session):
    code = firms.add(1)
    firms.put(code, "wages_unpaid", {OCT: 1})
    run_warnings(session, OCT)
    firms.put(code, "wages_unpaid", {OCT: 0})
    run_warnings(session, OCT)
    assert session.scalar(select(func.count()).select_from(EnterpriseWarning)) == 0


def test_an_enterprise_under_handling_is_escalated_not_reported_again(firms, session):
    code = firms.add(1)
    _orange(firms, code, OCT)
    run_warnings(session, OCT)
    _orange(firms, code, NOV)
    assert run_warnings(session, NOV).dispatch == \
        {"dispatched": 0, "escalated": 0, "under_handling": 1}
    _red(firms, code, DEC)
    assert run_warnings(session, DEC).dispatch == \
        {"dispatched": 0, "escalated": 1, "under_handling": 0}
    [event] = _events(session)
    escalation = session.scalar(select(EventTransition).where(
        EventTransition.event_id == event.record_id, EventTransition.action == "escalate"))
    assert (escalation.from_state, escalation.note) == ("dispatched", "预警升级：橙色 → 红色（2026-12）")
    links = session.execute(text("SELECT month, dispatch, event_id FROM warnings ORDER BY month")).all()
    assert [(m.month, d) for m, d, _ in links] == [(10, "dispatched"), (11, "under_handling"),
                                                   (12, "escalated")]
    assert {e for _, _, e in links} == {event.record_id}


def test_after_its_event_is_closed_an_enterprise_is_reported_again(firms, session):
    code = firms.add(1)
    _orange(firms, code, OCT)
    run_warnings(session, OCT)
    session.execute(text("UPDATE events SET state = 'closed'"))
    _orange(firms, code, NOV)
    assert run_warnings(session, NOV).dispatch["dispatched"] == 1
    assert len(_events(session)) == 2


def test_without_the_labour_department_nothing_is_dispatched_and_the_run_says_so(firms, session):
    session.execute(text("DELETE FROM departments WHERE code = 'labour'"))
    _orange(firms, firms.add(1), OCT)
    summary = run_warnings(session, OCT)
    assert "no department labour" in summary.dispatch["skipped"]
    assert _events(session) == []


def test_a_dip_the_same_month_had_a_year_before_is_the_season(sensitive, session):
    seasonal, declining = sensitive.add(1), sensitive.add(2)
    for code in (seasonal, declining):
        sensitive.steady(code, "electricity", 100_000, OCT)
    sensitive.put(seasonal, "electricity", {date(2025, 10, 1): 60_000, OCT: 60_000})
    sensitive.put(declining, "electricity", {date(2025, 10, 1): 100_000, OCT: 60_000})
    run_warnings(session, OCT)
    assert fired(session) == {declining: ["electricity_drop"]}
