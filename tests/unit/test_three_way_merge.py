"""Three-way merge: disjoint changes merge, overlapping different values conflict."""
from __future__ import annotations

from server.domain.three_way_merge import changed_fields, three_way_merge

BASE = {"name": "张伟", "phone": "13800138000", "employer": "比亚迪", "notes": "一楼"}


def test_an_edit_on_an_unchanged_record_applies_as_is():
    incoming = {**BASE, "phone": "13900139000"}
    outcome = three_way_merge(BASE, BASE, incoming, theirs=set())
    assert outcome.data == incoming and outcome.mine == ["phone"] and not outcome.conflicts


def test_disjoint_changes_merge_and_are_reported():
    current = {**BASE, "employer": "华为"}
    incoming = {**BASE, "phone": "13900139000"}
    outcome = three_way_merge(BASE, current, incoming, theirs={"employer"})
    assert outcome.data == {**BASE, "employer": "华为", "phone": "13900139000"}
    assert outcome.auto_merged == ["employer"] and not outcome.conflicts


def test_the_same_field_changed_to_different_values_conflicts():
    current = {**BASE, "phone": "13700137000"}
    incoming = {**BASE, "phone": "13900139000"}
    outcome = three_way_merge(BASE, current, incoming, theirs={"phone"})
    assert outcome.overlapping == ["phone"] and outcome.conflicts


def test_the_same_field_changed_to_the_same_value_does_not_conflict():
    current = {**BASE, "phone": "13900139000"}
    outcome = three_way_merge(BASE, current, dict(current), theirs={"phone"})
    assert not outcome.conflicts


def test_clearing_a_field_is_a_change():
    incoming = {k: v for k, v in BASE.items() if k != "notes"}
    outcome = three_way_merge(BASE, BASE, incoming, theirs=set())
    assert "notes" not in outcome.data and outcome.mine == ["notes"]


def test_empty_string_and_absent_are_the_same():
    assert changed_fields({"a": ""}, {}) == set()
    assert changed_fields({"a": None}, {"a": []}) == set()


def test_changes_by_the_editors_own_earlier_edits_are_not_theirs():
    # own edit 1 set the phone; edit 2 (same branch) changes it again: theirs excludes own edits
    current = {**BASE, "phone": "13700137000"}
    incoming = {**BASE, "phone": "13600136000"}
    outcome = three_way_merge(BASE, current, incoming, theirs=set())
    assert outcome.data["phone"] == "13600136000" and not outcome.conflicts
