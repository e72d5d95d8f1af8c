"""Emergency plans as data: the plans in plans/ are valid, and mistakes are refused by name."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from server.domain.emergency_plan import (FACILITY_KINDS, HAZARD_LEVELS, activations,
                                          level_rank, plan_errors)

PLANS = Path(__file__).resolve().parents[2] / "plans"
FORMS = Path(__file__).resolve().parents[2] / "forms"
KINDS = {json.loads(p.read_text("utf-8"))["kind"] for p in FORMS.glob("*.json")}


def load(hazard: str) -> dict:
    return json.loads((PLANS / f"{hazard}.v1.json").read_text("utf-8"))


@pytest.mark.parametrize("hazard", sorted(HAZARD_LEVELS))
def test_the_plans_in_the_repository_are_valid(hazard):
    assert plan_errors(load(hazard), KINDS) == []


def test_every_class_has_its_form_and_a_red_typhoon_activates_them_all():
    assert set(FACILITY_KINDS) <= KINDS and len(FACILITY_KINDS) == 14
    assert set(activations(load("typhoon"), "red")) == set(FACILITY_KINDS)


def test_higher_levels_rank_higher():
    assert level_rank("typhoon", "white") < level_rank("typhoon", "red")
    assert level_rank("rainstorm", "yellow") == 0


def errors_of(plan: dict) -> list[str]:
    return [e.path for e in plan_errors(plan, KINDS)]


def test_a_level_out_of_order_an_unknown_class_or_action_is_refused_by_name():
    plan = load("rainstorm")
    swapped = copy.deepcopy(plan)
    swapped["levels"].reverse()
    assert errors_of(swapped) == ["levels"]
    typo = copy.deepcopy(plan)
    typo["levels"][0]["classes"]["resevoir"] = {"actions": ["patrol"]}
    assert errors_of(typo) == ["levels[0].classes.resevoir"]
    action = copy.deepcopy(plan)
    action["levels"][2]["classes"]["river"]["actions"] = ["evacuate", "pray"]
    assert errors_of(action) == ["levels[2].classes.river.actions"]
    assert errors_of({**plan, "hazard": "snow"}) == ["hazard"]
    assert errors_of({**plan, "nearest": 99, "extra": 1}) == ["extra", "nearest"]
