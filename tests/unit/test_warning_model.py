"""The warning model as data: the repository's default is valid, mistakes are named, and the
level of a score is the highest band it reaches."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from server.domain.indicators import parse_month, read_indicator_row
from server.domain.warning_model import level_of, model_errors

MODEL = json.loads((Path(__file__).resolve().parents[2] / "standards" / "warning.v1.json")
                   .read_text(encoding="utf-8"))


def test_the_default_model_is_valid():
    assert model_errors(MODEL) == []


@pytest.mark.parametrize("score, level", [(0, None), (19.99, None), (20, "blue"), (39, "blue"),
                                          (40, "yellow"), (60, "orange"), (79.9, "orange"),
                                          (80, "red"), (200, "red")])
def test_a_score_reaches_the_highest_band_at_or_below_it(score, level):
    assert level_of(MODEL, score) == level


@pytest.mark.parametrize("change, path", [
    (lambda m: m["signals"][0].update(indicator="wattage"), "signals[0].indicator"),
    (lambda m: m["signals"][3].update(threshold=1.5), "signals[3].threshold"),
    (lambda m: m["signals"][1].update(id="wages_unpaid"), "signals[1].id"),
    (lambda m: m["signals"][0].update(weight=0), "signals[0].weight"),
    (lambda m: m["levels"].reverse(), "levels"),
    (lambda m: m["levels"][2].update(min_score=10), "levels"),
    (lambda m: m["baseline"].update(min_months=9), "baseline"),
    (lambda m: m.update(colour="red"), "colour"),
    (lambda m: m["dispatch"].update(levels=["purple"]), "dispatch"),
])
def test_a_mistake_is_named_by_its_path(change, path):
    model = copy.deepcopy(MODEL)
    change(model)
    assert path in [e.path for e in model_errors(model)]


@pytest.mark.parametrize("text, month", [("2026-10", "2026-10-01"), (" 2026-01 ", "2026-01-01"),
                                         ("2026-13", None), ("2026-1", None), ("26-10", None)])
def test_months_are_year_dash_month(text, month):
    parsed = parse_month(text)
    assert (parsed.isoformat() if parsed else None) == month


def test_a_row_names_each_bad_column():
    _, errors = read_indicator_row({"credit_code": "x", "month": "2026-10", "indicator": "tax",
                                    "value": "1,200"})
    assert [e["field"] for e in errors] == ["credit_code"]
    _, errors = read_indicator_row({"credit_code": None, "month": None, "indicator": None,
                                    "value": "nan"})
    assert [e["field"] for e in errors] == ["credit_code", "month", "indicator", "value"]
