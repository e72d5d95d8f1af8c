"""Every action from every state by every role: allowed, refused with 409 naming the allowed
ones, or not even visible (404; 403 for a viewer of no department)."""
from __future__ import annotations

import pytest

from server.domain.event_workflow import ACTIONS, STATES
from tests.api.events_world import PATHS, World, world  # noqa: F401

ROLES = ("supervisor", "admin", "other_supervisor", "urban", "police", "viewer", "collector",
         "other_collector")
_SUPERVISING = ("supervisor", "admin")
# Written out, not derived from the code under test. Missing (state, role): sees it, may do
# nothing. The event lies in T-11 and is dispatched to urban from "dispatched" on.
ALLOWED = {
    **{("reported", r): ["register", "reject"] for r in _SUPERVISING},
    **{("registered", r): ["reject", "dispatch"] for r in _SUPERVISING},
    **{("dispatched", r): ["dispatch"] for r in _SUPERVISING},
    **{("returned", r): ["reject", "dispatch"] for r in _SUPERVISING},
    **{("verified", r): ["close"] for r in _SUPERVISING},
    ("dispatched", "urban"): ["handle", "return"],
    ("handled", "collector"): ["verify"],
}
TARGET = {"register": "registered", "reject": "rejected", "dispatch": "dispatched",
          "handle": "handled", "return": "returned", "verify": "verified", "close": "closed"}
BODY = {"dispatch": {"department": "urban"}, "reject": {"note": "不是案件"},
        "return": {"note": "非本部门职责"}, "handle": {"note": "已处理"},
        "verify": {"result": "fixed"}, "close": {}, "register": {}}
NEVER_DISPATCHED = ("reported", "registered", "rejected")


def visibility(state: str, role: str) -> int:
    """The status of GET /events/{id} for the role."""
    if role == "viewer":
        return 403
    if role in ("other_supervisor", "other_collector", "police"):
        return 404
    if role == "urban" and state in NEVER_DISPATCHED:
        return 404
    return 200


@pytest.mark.parametrize("state", STATES)
def test_each_role_may_take_exactly_its_actions_from_each_state(world: World, state):
    event_id = world.event_in(state)
    for role in ROLES:
        allowed = ALLOWED.get((state, role), [])
        seen = world.get(role, f"/{event_id}")
        assert seen.status_code == visibility(state, role), (role, seen.get_json())
        if seen.status_code != 200:
            for action in ACTIONS:
                assert world.act(role, event_id, action, **BODY[action]).status_code == \
                    visibility(state, role)
            continue
        assert seen.get_json()["allowed"] == allowed, role
        for action in set(ACTIONS) - set(allowed):
            refused = world.act(role, event_id, action, **BODY[action])
            assert refused.status_code == 409, (role, action, refused.get_json())
            assert refused.get_json()["allowed"] == allowed
            assert refused.get_json()["state"] == state
    assert world.get("admin", f"/{event_id}").get_json()["state"] == state  # nothing moved it


@pytest.mark.parametrize("state, role, action", [
    (state, role, action) for (state, role), actions in ALLOWED.items() for action in actions])
def test_an_allowed_action_moves_the_event_and_adds_a_row_of_history(world: World, state, role,
                                                                     action):
    event_id = world.event_in(state)
    before = world.get("admin", f"/{event_id}").get_json()["timeline"]
    response = world.act(role, event_id, action, **BODY[action])
    assert response.status_code == 200, response.get_json()
    event = response.get_json()
    assert event["state"] == TARGET[action]
    [row] = event["timeline"][len(before):]
    assert (row["action"], row["from"], row["to"]) == (action, state, TARGET[action])
    assert row["by"] == world.users[role].username
    assert row["note"] == BODY[action].get("note")


def test_the_report_is_the_first_row_of_the_history(world: World):
    event_id = world.report()
    event = world.get("supervisor", f"/{event_id}").get_json()
    assert event["state"] == "reported" and event["reported_by"] == "li.na"
    [row] = event["timeline"]
    assert (row["action"], row["from"], row["to"], row["by"]) == ("report", None, "reported",
                                                                  "li.na")
    assert row["submission_id"] is not None


def test_the_whole_chain_leaves_one_row_per_step(world: World):
    event = world.get("admin", f"/{world.event_in('closed')}").get_json()
    assert [(r["action"], r["to"]) for r in event["timeline"]] == [
        ("report", "reported"), ("register", "registered"), ("dispatch", "dispatched"),
        ("handle", "handled"), ("verify", "verified"), ("close", "closed")]
    assert event["closed_at"] is not None


def test_a_returned_event_is_dispatched_again_to_another_department(world: World):
    event_id = world.event_in("returned")
    again = world.act("supervisor", event_id, "dispatch", department="police").get_json()
    assert (again["state"], again["department"]) == ("dispatched", "police")
    assert world.get("urban", f"/{event_id}").status_code == 404
    assert world.get("police", f"/{event_id}").get_json()["allowed"] == ["handle", "return"]


def test_a_verification_that_finds_it_not_fixed_sends_it_back_to_the_department(world: World):
    event_id = world.event_in("handled")
    back = world.act("collector", event_id, "verify", result="not_fixed", note="垃圾仍在")
    assert back.status_code == 200
    assert (back.get_json()["state"], back.get_json()["department"]) == ("dispatched", "urban")
    assert back.get_json()["timeline"][-1]["result"] == "not_fixed"
    assert world.get("urban", f"/{event_id}").get_json()["allowed"] == ["handle", "return"]


@pytest.mark.parametrize("action, body, field", [
    ("dispatch", {}, "department"),
    ("dispatch", {"department": "nosuch"}, "department"),
    ("reject", {}, "note"),
    ("reject", {"note": "   "}, "note"),
    ("register", {"result": "fixed"}, "result"),
    ("explode", {}, "action"),
])
def test_an_incomplete_action_is_422_naming_the_field_and_moves_nothing(world: World, action,
                                                                        body, field):
    event_id = world.event_in("registered" if action == "dispatch" else "reported")
    response = world.act("supervisor", event_id, action, **body)
    assert response.status_code == 422, response.get_json()
    assert field in {e["field"] for e in response.get_json()["errors"]}
    assert len(world.get("admin", f"/{event_id}").get_json()["timeline"]) == (
        2 if action == "dispatch" else 1)


def test_a_return_and_a_failed_verification_must_say_why(world: World):
    event_id = world.event_in("dispatched")
    assert world.act("urban", event_id, "return").status_code == 422
    world.act("urban", event_id, "handle")
    assert world.act("collector", event_id, "verify", result="not_fixed").status_code == 422


def test_an_unknown_event_is_404(world: World):
    response = world.act("admin", "6f1c1a8e-0d7b-4a1e-9d53-2f1d3c4b5a69", "register")
    assert response.status_code == 404
