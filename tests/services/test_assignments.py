"""Assignment rules: one primary per grid, roving posts moved grid by grid, who may assign."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from server.errors import Conflict, Forbidden, Invalid
from server.models import Assignment, AssignmentKind, AuditEntry, Role
from server.services.assignments import (
    AssignmentFilter, assign, end_assignment, list_assignments)
from server.services.scope import workable_grid_ids
from tests.factories import make_assignment, make_grids, make_user

NOW = datetime.now(timezone.utc)


@pytest.fixture
def grids(session):
    return make_grids(session)


@pytest.fixture
def admin(session):
    return make_user(session, role=Role.admin)


@pytest.fixture
def supervisor(session, grids):
    user = make_user(session, role=Role.supervisor)
    for code in ("T-11", "T-12"):
        make_assignment(session, user, grids[code], "supervises",
                        valid_from=NOW - timedelta(days=30))
    return user


def test_a_new_primary_ends_the_grids_old_primary(session, admin, grids):
    first, second = make_user(session, username="first"), make_user(session, username="second")
    old = assign(session, admin, "first", "T-11", AssignmentKind.primary, NOW - timedelta(days=3))
    new = assign(session, admin, "second", "T-11", AssignmentKind.primary, NOW)
    assert old.valid_to == new.valid_from == NOW
    assert workable_grid_ids(session, first.id, NOW + timedelta(seconds=1)) == set()
    assert workable_grid_ids(session, second.id, NOW + timedelta(seconds=1)) == {grids["T-11"].id}


def test_the_database_refuses_two_overlapping_primaries(session, grids):
    from sqlalchemy.exc import IntegrityError
    a, b = make_user(session), make_user(session)
    make_assignment(session, a, grids["T-11"], "primary")
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            make_assignment(session, b, grids["T-11"], "primary")


def test_moving_a_roving_collector_keeps_the_history(session, admin, grids):
    make_user(session, username="roving")
    monday, wednesday = NOW - timedelta(days=2), NOW
    assign(session, admin, "roving", "T-11", AssignmentKind.roving, monday)
    assign(session, admin, "roving", "T-33", AssignmentKind.roving, wednesday)
    history = list_assignments(session, admin, AssignmentFilter(username="roving"))
    assert [(a.grid.code, a.valid_to) for a in history] == [("T-33", None), ("T-11", wednesday)]


def test_work_captured_before_a_move_belongs_to_the_old_grid(session, admin, grids):
    roving = make_user(session, username="roving")
    assign(session, admin, "roving", "T-11", AssignmentKind.roving, NOW - timedelta(days=2))
    assign(session, admin, "roving", "T-33", AssignmentKind.roving, NOW)
    yesterday = NOW - timedelta(days=1)
    assert workable_grid_ids(session, roving.id, yesterday) == {grids["T-11"].id}
    assert workable_grid_ids(session, roving.id, NOW) == {grids["T-33"].id}


def test_a_supervisor_assigns_within_its_grids(session, supervisor, grids):
    make_user(session, username="li")
    assignment = assign(session, supervisor, "li", "T-12", AssignmentKind.roving)
    assert assignment.grid_id == grids["T-12"].id


def test_a_supervisor_cannot_assign_outside_its_grids(session, supervisor, grids):
    make_user(session, username="li")
    with pytest.raises(Forbidden):
        assign(session, supervisor, "li", "T-33", AssignmentKind.primary)


def test_a_supervisor_cannot_appoint_supervisors(session, supervisor, grids):
    make_user(session, username="boss", role=Role.supervisor)
    with pytest.raises(Forbidden):
        assign(session, supervisor, "boss", "T-11", AssignmentKind.supervises)


def test_collectors_and_viewers_cannot_assign(session, grids):
    make_user(session, username="li")
    for role in (Role.collector, Role.viewer):
        with pytest.raises(Forbidden):
            assign(session, make_user(session, role=role), "li", "T-11", AssignmentKind.primary)


def test_only_collectors_hold_primary_posts(session, admin, grids):
    make_user(session, username="clerk", role=Role.viewer)
    with pytest.raises(Invalid):
        assign(session, admin, "clerk", "T-11", AssignmentKind.primary)


def test_a_post_cannot_be_slipped_in_before_a_later_one(session, admin, grids):
    make_user(session, username="a"), make_user(session, username="b")
    assign(session, admin, "a", "T-11", AssignmentKind.primary, NOW)
    with pytest.raises(Conflict):
        assign(session, admin, "b", "T-11", AssignmentKind.primary, NOW - timedelta(days=1))


def test_ending_an_assignment_is_recorded_and_audited(session, admin, grids):
    collector = make_user(session, username="li")
    assignment = assign(session, admin, "li", "T-11", AssignmentKind.primary, NOW - timedelta(days=1))
    end_assignment(session, admin, assignment.id, NOW)
    assert session.get(Assignment, assignment.id).valid_to == NOW
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["assignment_created", "assignment_ended"]
    assert workable_grid_ids(session, collector.id, NOW + timedelta(seconds=1)) == set()


def test_ending_twice_is_a_conflict(session, admin, grids):
    make_user(session, username="li")
    assignment = assign(session, admin, "li", "T-11", AssignmentKind.primary, NOW - timedelta(days=1))
    end_assignment(session, admin, assignment.id, NOW - timedelta(seconds=1))
    with pytest.raises(Conflict):
        end_assignment(session, admin, assignment.id)


def test_a_supervisor_lists_only_its_grids_assignments(session, supervisor, grids):
    inside, outside = make_user(session), make_user(session)
    make_assignment(session, inside, grids["T-11"], "primary")
    make_assignment(session, outside, grids["T-33"], "primary")
    seen = {a.user_id for a in list_assignments(session, supervisor, AssignmentFilter())}
    assert inside.id in seen and outside.id not in seen


def test_a_supervisor_sees_every_roving_post_of_the_district(session, supervisor, grids):
    rover = make_user(session)
    make_assignment(session, rover, grids["T-33"], "roving")
    seen = list_assignments(session, supervisor, AssignmentFilter(username=rover.username))
    assert [(a.grid.code, a.kind.value) for a in seen] == [("T-33", "roving")]


def test_a_collector_lists_only_its_own_assignments(session, grids):
    me, other = make_user(session), make_user(session)
    make_assignment(session, me, grids["T-11"], "primary")
    make_assignment(session, other, grids["T-12"], "primary")
    assert {a.user_id for a in list_assignments(session, me, AssignmentFilter())} == {me.id}
