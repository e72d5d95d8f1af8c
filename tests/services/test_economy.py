"""The economic run: energy, activity and growth per community, street and district."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from server.domain.indicators import add_months
from server.models import EconomyMonth
from server.services.warnings.economy import run_economy
from tests.warnings_world import make_firms

OCT = date(2026, 10, 1)


@pytest.fixture
def firms(session):
    return make_firms(session)


def _rows(session, month=OCT):
    return {r.area: r for r in session.scalars(select(EconomyMonth).where(EconomyMonth.month == month))}


def _year(firms, code, indicator, value, month=OCT):
    firms.put(code, indicator, {add_months(month, -k): value for k in range(1, 13)})


def test_every_area_gets_its_months_figures(firms, session):
    paying, idle = firms.add(1), firms.add(2, grid="T-33")
    for code in (paying, idle):
        _year(firms, code, "water", 100)
        _year(firms, code, "electricity", 200)
        _year(firms, code, "tax", 1000)
        _year(firms, code, "headcount", 10)
        _year(firms, code, "social_insurance", 10)
    firms.put(paying, "water", {OCT: 100})
    firms.put(paying, "electricity", {OCT: 200})
    firms.put(paying, "tax", {OCT: 1100})           # tax +10 % on a year ago
    firms.put(paying, "headcount", {OCT: 10})
    firms.put(paying, "social_insurance", {OCT: 10})
    firms.put(idle, "water", {OCT: 0})              # no tax, no insurance this month
    firms.put(idle, "electricity", {OCT: 200})
    assert run_economy(session, OCT) == 3
    rows = _rows(session)
    assert {a: r.area_level for a, r in rows.items()} == \
        {"C1": "community", "S1": "street", "district": "district"}
    district = rows["district"]
    # water at half its usual level, electricity as usual
    assert float(district.energy) == 75.0
    assert (district.enterprises, float(district.activity)) == (2, 0.5)
    # tax +5 % over the two firms (only the paying one known both years: +10 %), electricity 0,
    # headcount 0 (the idle firm's headcount is not known this month, so it is left out)
    assert float(district.growth_index) == 104.0
    assert (district.new_enterprises, district.exited_enterprises) == (0, 0)


def test_new_and_exited_enterprises_are_counted(firms, session):
    new, gone, listed = firms.add(1), firms.add(2), firms.add(3)
    firms.put(new, "tax", {OCT: 5})
    firms.put(gone, "tax", {add_months(OCT, -1): 5, add_months(OCT, -2): 5})
    firms.put(listed, "tax", {add_months(OCT, -1): 5, OCT: 5})
    firms.put(listed, "capacity_exit", {OCT: 1})
    run_economy(session, OCT)
    district = _rows(session)["district"]
    assert (district.new_enterprises, district.exited_enterprises) == (1, 2)
    assert district.growth_index is None  # nothing known a year before


def test_running_a_month_again_gives_the_same_figures(firms, session):
    code = firms.add(1)
    _year(firms, code, "electricity", 100)
    firms.put(code, "electricity", {OCT: 80})
    run_economy(session, OCT)
    first = float(_rows(session)["district"].energy)
    run_economy(session, OCT)
    assert float(_rows(session)["district"].energy) == first == 80.0


def test_a_downturn_of_the_three_month_trend_is_flagged(firms, session):
    code = firms.add(1)
    start = date(2025, 1, 1)
    tax = [100] * 12 + [110, 120, 130, 140, 120, 100, 90]   # a year, then growth, then decline
    firms.put(code, "tax", {add_months(start, k): v for k, v in enumerate(tax)})
    flags = {}
    for k in range(12, len(tax)):
        month = add_months(start, k)
        run_economy(session, month)
        flags[month.month] = _rows(session, month)["district"].trend_down
    # growth index (tax alone is known): 110 120 130 140 120 100 90; its three-month mean
    # 110 115 120 130 130 120 103 falls first in 2026-06
    assert flags == {1: False, 2: False, 3: False, 4: False, 5: False, 6: True, 7: False}
