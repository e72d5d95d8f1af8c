"""The board: deadlines from the standard, overdue first and flagged by the job, who sees what,
filters, the event data as each reader may see it, and department performance."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from server.models import Job
from server.services.events.ledger import OVERDUE_JOB
from server.services.jobs.worker import run_next
from tests.api.events_world import T11, World, hours_ago, world  # noqa: F401


def dispatched_at(world: World, at: datetime, department: str = "urban", **data: str) -> str:
    event_id = world.report(**data)
    world.move_at(event_id, "supervisor", "register", at)
    world.move_at(event_id, "supervisor", "dispatch", at, department=department)
    return event_id


def board(world: World, role: str = "supervisor", **query) -> dict:
    response = world.get(role, "", **query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_dispatch_takes_its_deadline_from_the_categorys_time_limit(world: World):
    event_id = world.event_in("registered")
    before = datetime.now(timezone.utc)
    event = world.act("supervisor", event_id, "dispatch", department="urban").get_json()
    deadline = datetime.fromisoformat(event["deadline"])
    assert timedelta(hours=4) <= deadline - before <= timedelta(hours=4, seconds=30)
    assert event["timeline"][-1]["deadline"] == event["deadline"]
    assert (event["usual_department"], event["time_limit_hours"]) == ("urban", 4)


def test_a_category_without_its_own_limit_takes_the_default(world: World):
    event_id = dispatched_at(world, hours_ago(0), category="other.other")
    event = world.get("admin", f"/{event_id}").get_json()
    dispatched = datetime.fromisoformat(event["dispatched_at"])
    assert datetime.fromisoformat(event["deadline"]) - dispatched == timedelta(hours=72)


def test_overdue_events_come_first_and_alone_when_asked(world: World):
    on_time = dispatched_at(world, hours_ago(1))
    late = dispatched_at(world, hours_ago(5))
    page = board(world, state="dispatched")
    assert [e["id"] for e in page["items"]] == [late, on_time]
    assert [e["overdue"] for e in page["items"]] == [True, False]
    assert [e["id"] for e in board(world, overdue="true")["items"]] == [late]
    assert page["counts"]["dispatched"] == 2 and page["counts"]["overdue"] == 1


def test_the_overdue_job_flags_each_late_event_once_in_its_history(world: World):
    late = dispatched_at(world, hours_ago(5))
    dispatched_at(world, hours_ago(1))
    queued = world.session.scalars(select(Job).where(Job.kind == OVERDUE_JOB)).all()
    assert len(queued) == 2  # one check at each deadline
    job = run_next(world.session, "test-worker", [OVERDUE_JOB], commit=False)
    assert job is not None and job.result == {"flagged": 1}
    event = world.get("admin", f"/{late}").get_json()
    assert event["overdue_since"] == event["deadline"]
    assert [(r["action"], r["by"]) for r in event["timeline"]][-1] == ("overdue", None)
    assert run_next(world.session, "test-worker", [OVERDUE_JOB], commit=False) is None  # not due
    world.session.execute(Job.__table__.update().values(run_after=hours_ago(1)))
    assert run_next(world.session, "test-worker", [OVERDUE_JOB], commit=False).result == {
        "flagged": 0}


def test_a_late_handling_is_recorded_as_late_and_ends_the_overdue(world: World):
    late = dispatched_at(world, hours_ago(5))
    event = world.act("urban", late, "handle", note="已清运").get_json()
    assert event["overdue"] is False and event["timeline"][-1]["on_time"] is False


def test_a_redispatch_gives_a_new_deadline(world: World):
    late = dispatched_at(world, hours_ago(5))
    again = world.act("supervisor", late, "dispatch", department="police").get_json()
    assert again["overdue"] is False
    assert datetime.fromisoformat(again["deadline"]) > datetime.now(timezone.utc)


def test_a_department_sees_only_the_events_dispatched_to_it(world: World):
    ours = dispatched_at(world, hours_ago(0), department="urban")
    theirs = dispatched_at(world, hours_ago(0), department="police")
    world.report()  # not dispatched: no department sees it
    assert [e["id"] for e in board(world, "urban", state="all")["items"]] == [ours]
    assert [e["id"] for e in board(world, "police", state="all")["items"]] == [theirs]
    assert board(world, "urban", department="police")["items"] == []
    assert world.get("urban", f"/{theirs}").status_code == 404
    assert board(world, "supervisor")["counts"]["dispatched"] == 2


def test_a_viewer_of_no_department_sees_no_events(world: World):
    assert world.get("viewer", "").status_code == 403


def test_a_supervisor_sees_the_events_of_its_grids_only(world: World):
    event_id = world.report()
    assert board(world, "other_supervisor", state="all")["items"] == []
    assert [e["id"] for e in board(world, "admin")["items"]] == [event_id]


def test_the_board_filters_by_grid_and_by_category_or_its_class(world: World):
    garbage = world.report()
    manhole = world.report(category="facility.manhole_missing")
    assert {e["id"] for e in board(world, grid="T-11")["items"]} == {garbage, manhole}
    assert board(world, grid="T-33")["items"] == []
    assert [e["id"] for e in board(world, category="facility")["items"]] == [manhole]
    assert [e["id"] for e in board(world, category="env.exposed_garbage")["items"]] == [garbage]
    assert board(world, category="env.exposed")["items"] == []


def test_closed_events_leave_the_open_board(world: World):
    closed = world.event_in("closed")
    assert board(world)["items"] == []
    assert [e["id"] for e in board(world, state="closed")["items"]] == [closed]


def test_the_board_pages_with_an_offset(world: World):
    ids = {world.report() for _ in range(3)}
    first = board(world, limit=2)
    second = board(world, limit=2, offset=first["next_offset"])
    assert first["next_offset"] == 2 and second["next_offset"] is None
    assert {e["id"] for e in first["items"] + second["items"]} == ids


def test_event_data_is_shown_as_each_reader_may_see_it(world: World):
    event_id = world.report(source="resident", reporter_phone="13812345678")
    world.act("supervisor", event_id, "register")
    world.act("supervisor", event_id, "dispatch", department="urban")
    assert world.get("supervisor", f"/{event_id}").get_json()["data"]["reporter_phone"] == \
        "13812345678"
    assert world.get("urban", f"/{event_id}").get_json()["data"]["reporter_phone"] == \
        "138****5678"


def performance(world: World, role: str = "admin", **query) -> list[dict]:
    response = world.get(role, "/performance", **query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_department_performance_counts_on_time_handlings_and_the_median_time(world: World):
    for hours_before, handled_after in ((10, 2), (10, 3), (10, 6)):  # 4-hour limit: 2 on time
        event_id = dispatched_at(world, hours_ago(hours_before))
        world.move_at(event_id, "urban", "handle", hours_ago(hours_before - handled_after))
    returned = dispatched_at(world, hours_ago(1))
    world.act("urban", returned, "return", note="非本部门职责")
    [urban] = performance(world)
    assert (urban["department"], urban["handled"], urban["on_time"], urban["returned"]) == (
        "urban", 3, 2, 1)
    assert urban["on_time_rate"] == round(2 / 3, 4)
    assert urban["median_handling_hours"] == 3.0
    assert urban["month"] == datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m")


def test_a_department_sees_its_own_performance_and_a_collector_none(world: World):
    event_id = dispatched_at(world, hours_ago(2))
    world.act("urban", event_id, "handle")
    assert [r["department"] for r in performance(world, "urban")] == ["urban"]
    assert performance(world, "police") == []
    assert performance(world, "other_supervisor") == []
    assert world.get("collector", "/performance").status_code == 403


def test_performance_months_are_checked(world: World):
    assert world.get("admin", "/performance", **{"from": "2025-13"}).status_code == 422
    assert world.get("admin", "/performance", **{"from": "2020-01", "to": "2025-01"}
                     ).status_code == 422
    assert performance(world, **{"from": "2020-01", "to": "2020-12"}) == []


def test_the_standard_in_force_is_readable(world: World):
    body = world.get("supervisor", "/standard").get_json()
    assert body["version"] == 1
    assert body["definition"]["categories"]["facility.manhole_missing"]["time_limit_hours"] == 2


def test_the_reported_location_is_the_events_geometry(world: World):
    event = world.get("admin", f"/{world.report()}").get_json()
    assert event["geometry"] == {"type": "Point", "coordinates": [T11[0], T11[1]]}
