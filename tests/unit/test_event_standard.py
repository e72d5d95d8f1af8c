"""The event handling standard: checked like a form, read for deadlines."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from server.domain.event_standard import standard_errors, time_limit, usual_department

ROOT = Path(__file__).resolve().parents[2]
STANDARD = json.loads((ROOT / "standards" / "event.v1.json").read_text("utf-8"))
EVENT = json.loads((ROOT / "forms" / "event.v1.json").read_text("utf-8"))
CATEGORIES = {c["value"] for c in EVENT["choice_lists"]["event_category"]}


def messages(definition: object, categories: set[str] | None = CATEGORIES) -> list[str]:
    return [str(e) for e in standard_errors(definition, categories)]


def test_the_repository_standard_is_valid_and_covers_every_category_of_the_form():
    assert messages(STANDARD) == []
    assert set(STANDARD["categories"]) == CATEGORIES


def test_a_category_the_form_does_not_offer_is_a_typo():
    standard = {**STANDARD, "categories": {"env.exposd_garbage": {"time_limit_hours": 4}}}
    assert messages(standard) == ["categories.env.exposd_garbage: is not a category of the "
                                  "event form"]


def test_time_limits_are_whole_hours_within_a_year():
    standard = {**STANDARD, "default_time_limit_hours": 0,
                "categories": {"env.graffiti": {"time_limit_hours": 1.5, "department": "Urban"}}}
    assert messages(standard) == [
        "default_time_limit_hours: must be a whole number of hours from 1 to 8784",
        "categories.env.graffiti.time_limit_hours: must be a whole number of hours from 1 to 8784",
        "categories.env.graffiti.department: must be a department code"]


def test_unknown_attributes_are_refused():
    assert messages({**STANDARD, "limits": {}}) == ["limits: unknown attribute"]


def test_a_category_takes_its_own_limit_else_the_default():
    assert time_limit(STANDARD, "facility.manhole_missing") == timedelta(hours=2)
    assert time_limit(STANDARD, "no.such") == timedelta(hours=72)
    assert usual_department(STANDARD, "labour.wage_arrears") == "labour"
    assert usual_department(STANDARD, "other.other") is None
