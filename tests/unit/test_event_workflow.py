"""The event workflow: which action leads where, and which capability it takes."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from server.domain.definition_checks import definition_errors
from server.domain.event_workflow import (ACTIONS, HANDLE, MOVES, STATES, SUPERVISE, VERIFY,
                                          Workflow, allowed_actions, move)

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)
FORMS = Path(__file__).resolve().parents[2] / "forms"

# The whole table, written out: (state, capability) -> the actions allowed.
EXPECTED = {
    ("reported", SUPERVISE): ["register", "reject"],
    ("registered", SUPERVISE): ["reject", "dispatch"],
    ("dispatched", SUPERVISE): ["dispatch"],
    ("returned", SUPERVISE): ["reject", "dispatch"],
    ("verified", SUPERVISE): ["close"],
    ("dispatched", HANDLE): ["handle", "return"],
    ("handled", VERIFY): ["verify"],
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("capability", [SUPERVISE, HANDLE, VERIFY])
def test_each_state_allows_exactly_its_actions_to_each_capability(state, capability):
    assert allowed_actions(state, {capability}) == EXPECTED.get((state, capability), [])


@pytest.mark.parametrize("state", ["closed", "rejected"])
def test_closed_and_rejected_events_allow_nothing_to_anyone(state):
    assert allowed_actions(state, {SUPERVISE, HANDLE, VERIFY}) == []


def test_nobody_without_a_capability_moves_anything():
    assert all(allowed_actions(state, set()) == [] for state in STATES)


def test_every_action_is_in_the_table():
    assert set(ACTIONS) == set(MOVES) == {a for (_, _), actions in EXPECTED.items()
                                          for a in actions}


def dispatched(hours: int = 4) -> Workflow:
    flow, _ = move(Workflow("registered"), "dispatch", T0, department="urban",
                   time_limit=timedelta(hours=hours))
    return flow


def test_a_dispatch_gives_the_department_and_a_deadline_from_the_time_limit():
    flow, step = move(Workflow("registered"), "dispatch", T0, department="urban",
                      time_limit=timedelta(hours=4))
    assert (flow.state, flow.department, flow.dispatched_at) == ("dispatched", "urban", T0)
    assert flow.deadline == step.deadline == T0 + timedelta(hours=4)
    assert (step.source, step.target, step.department) == ("registered", "dispatched", "urban")


def test_a_handling_by_the_deadline_is_on_time_and_measured_from_the_dispatch():
    flow, step = move(dispatched(), "handle", T0 + timedelta(hours=3))
    assert flow.state == "handled" and flow.handled_at == T0 + timedelta(hours=3)
    assert (step.on_time, step.handling_seconds, step.department) == (True, 3 * 3600, "urban")


def test_a_handling_after_the_deadline_is_late():
    _, step = move(dispatched(), "handle", T0 + timedelta(hours=4, seconds=1))
    assert step.on_time is False


def test_overdue_means_dispatched_past_the_deadline_and_not_handled():
    flow = dispatched()
    assert not flow.overdue(T0 + timedelta(hours=4))
    assert flow.overdue(T0 + timedelta(hours=4, minutes=1))
    handled, _ = move(flow, "handle", T0 + timedelta(hours=5))
    assert not handled.overdue(T0 + timedelta(hours=6))


def test_a_redispatch_sets_a_new_deadline_and_clears_the_overdue_flag():
    flow = Workflow(**{**dispatched().__dict__, "overdue_at": T0 + timedelta(hours=4)})
    later = T0 + timedelta(hours=10)
    again, _ = move(flow, "dispatch", later, department="police", time_limit=timedelta(hours=2))
    assert (again.department, again.deadline, again.overdue_at) == (
        "police", later + timedelta(hours=2), None)


def test_a_verification_that_finds_it_fixed_verifies_the_event():
    handled, _ = move(dispatched(), "handle", T0 + timedelta(hours=1))
    flow, step = move(handled, "verify", T0 + timedelta(hours=2), result="fixed")
    assert (flow.state, step.target, step.result) == ("verified", "verified", "fixed")


def test_a_verification_that_finds_it_not_fixed_sends_it_back_under_the_same_deadline():
    handled, _ = move(dispatched(), "handle", T0 + timedelta(hours=1))
    flow, step = move(handled, "verify", T0 + timedelta(hours=2), result="not_fixed")
    assert (flow.state, flow.department, flow.deadline) == ("dispatched", "urban",
                                                           T0 + timedelta(hours=4))
    assert flow.handled_at is None and step.target == "dispatched"


def test_a_verification_needs_a_result():
    handled, _ = move(dispatched(), "handle", T0)
    with pytest.raises(ValueError):
        move(handled, "verify", T0, result="maybe")


def test_closing_and_rejecting_end_the_event():
    assert move(Workflow("verified"), "close", T0)[0].closed_at == T0
    assert move(Workflow("reported"), "reject", T0)[0].closed_at == T0


def test_a_move_from_the_wrong_state_is_a_programming_error():
    with pytest.raises(ValueError):
        move(Workflow("reported"), "close", T0)


def test_the_repository_forms_carry_what_the_workflow_reads():
    for name in ("event", "event_verification"):
        assert definition_errors(json.loads((FORMS / f"{name}.v1.json").read_text("utf-8"))) == []


def test_an_event_form_without_a_category_is_refused():
    event = json.loads((FORMS / "event.v1.json").read_text("utf-8"))
    event["fields"] = [f for f in event["fields"] if f["name"] != "category"]
    assert [str(e) for e in definition_errors(event)] == [
        'fields: a form of kind event needs a required select_one field "category" without a '
        "condition (the event workflow reads it)"]


def test_a_verification_form_must_offer_exactly_fixed_and_not_fixed():
    form = json.loads((FORMS / "event_verification.v1.json").read_text("utf-8"))
    form["choice_lists"]["result"].append({"value": "unsure", "label": {"zh": "不确定",
                                                                        "en": "Unsure"}})
    assert "choices fixed/not_fixed" in str(definition_errors(form)[0])
