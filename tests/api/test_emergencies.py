"""Typhoon and rainstorm warnings: activation per level and area, raising and standing down,
tasks to the right collectors, nearest resources, checks synced from the phone, scopes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from tests.api.emergency_world import CENTRE, eworld  # noqa: F401  (fixture)
from tests.factories import bearer, make_assignment, make_user, sign_in, sync_batch, sync_item


def test_a_white_typhoon_activates_only_the_classes_its_plan_names(eworld):
    site = eworld.facility("construction_site", "T-11")
    reservoir = eworld.facility("reservoir", "T-11")
    declared = eworld.declare("typhoon", "white")
    tasks = eworld.tasks(declared["id"])
    assert set(tasks) == {site}
    assert tasks[site]["actions"] == ["patrol"] and tasks[site]["departments"] == ["housing"]
    assert (declared["facilities"], declared["tasks"]) == (1, 1)
    assert reservoir not in tasks


def test_a_street_warning_activates_the_facilities_of_that_street_only(eworld):
    inside = eworld.facility("waterlogging_point", "T-31")
    outside = eworld.facility("waterlogging_point", "T-11")
    declared = eworld.declare("rainstorm", "yellow", area="S2")
    assert set(eworld.tasks(declared["id"])) == {inside}
    assert outside not in eworld.tasks(declared["id"])
    body = eworld.get("duty", f"/{declared['id']}").get_json()
    assert (body["area"], body["area_name"]) == ("S2", "第二街道")


def test_an_unknown_area_or_a_level_the_hazard_lacks_is_refused_by_name(eworld):
    response = eworld.post("duty", "", {"hazard": "typhoon", "level": "red", "area": "S9"})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "area"
    response = eworld.post("duty", "", {"hazard": "rainstorm", "level": "white"})
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["level"]


def test_one_warning_per_hazard_and_area_is_in_force(eworld):
    first = eworld.declare("typhoon", "blue")
    again = eworld.post("duty", "", {"hazard": "typhoon", "level": "red"})
    assert again.status_code == 409 and again.get_json()["emergency"] == first["id"]
    assert eworld.declare("rainstorm", "yellow")["id"] != first["id"]


def test_raising_adds_tasks_and_extends_open_ones(eworld):
    site = eworld.facility("construction_site", "T-11")
    reservoir = eworld.facility("reservoir", "T-11")
    declared = eworld.declare("typhoon", "blue")
    assert eworld.tasks(declared["id"])[site]["actions"] == ["patrol", "reinforce"]
    raised = eworld.post("duty", f"/{declared['id']}/level", {"level": "orange"}).get_json()
    tasks = eworld.tasks(declared["id"])
    assert tasks[site]["actions"] == ["patrol", "reinforce", "stop_work", "evacuate"]
    assert tasks[site]["level"] == "orange"
    assert set(tasks) == {site, reservoir}
    assert (raised["tasks"], raised["tasks_extended"]) == (0, 1)  # reservoir: patrol at blue too


def test_raising_gives_a_checked_facility_a_new_task_only_for_new_actions(eworld):
    site = eworld.facility("construction_site", "T-11")
    declared = eworld.declare("typhoon", "yellow")
    task = eworld.tasks(declared["id"])[site]
    _check(eworld, str(task["id"]), "safe")
    eworld.post("duty", f"/{declared['id']}/level", {"level": "orange"})
    rows = eworld.session.execute(text(
        "SELECT state, actions FROM emergency_tasks WHERE record_id = :r ORDER BY created_at"),
        {"r": site}).all()
    assert [r.state for r in rows] == ["done", "open"]
    assert rows[1].actions == ["stop_work", "evacuate"]


def test_lowering_adds_nothing_and_keeps_open_tasks(eworld):
    eworld.facility("construction_site", "T-11")
    declared = eworld.declare("typhoon", "orange")
    lowered = eworld.post("duty", f"/{declared['id']}/level", {"level": "blue"}).get_json()
    assert lowered["tasks"] == 0
    assert {t["state"] for t in eworld.tasks(declared["id"]).values()} == {"open"}


def test_standing_down_closes_open_tasks_and_tells_the_departments(eworld):
    site = eworld.facility("construction_site", "T-11")
    other = eworld.facility("construction_site", "T-11", offset=(0.001, 0))
    declared = eworld.declare("typhoon", "white")
    _check(eworld, str(eworld.tasks(declared["id"])[other]["id"]), "safe")
    response = eworld.post("duty", f"/{declared['id']}/stand-down")
    assert response.status_code == 200 and response.get_json()["active"] is False
    tasks = eworld.tasks(declared["id"])
    assert (tasks[site]["state"], tasks[other]["state"]) == ("closed", "done")
    notices = [(n["department"], n["kind"]) for n in response.get_json()["notices"]]
    assert ("housing", "stood_down") in notices and ("housing", "declared") in notices
    assert eworld.post("duty", f"/{declared['id']}/stand-down").status_code == 409


def test_every_step_is_audited(eworld):
    declared = eworld.declare("typhoon", "white")
    eworld.post("duty", f"/{declared['id']}/level", {"level": "red"})
    eworld.post("duty", f"/{declared['id']}/stand-down")
    actions = eworld.session.execute(text(
        "SELECT action, actor_id FROM audit_log WHERE subject = :s ORDER BY id"),
        {"s": f"emergency:{declared['id']}"}).all()
    assert [a.action for a in actions] == ["emergency_declared", "emergency_raised",
                                           "emergency_stood_down"]
    assert {a.actor_id for a in actions} == {eworld.users["duty"].id}


def test_tasks_go_to_the_collectors_working_in_the_grid_at_that_moment(eworld):
    site = eworld.facility("construction_site", "T-11")
    gone = make_user(eworld.session, username="gone.e")
    make_assignment(eworld.session, gone, eworld.district.grids["T-11"], "roving",
                    valid_from=datetime.now(timezone.utc) - timedelta(days=9),
                    valid_to=datetime.now(timezone.utc) - timedelta(days=1))
    declared = eworld.declare("typhoon", "white")
    assignees = set(eworld.tasks(declared["id"])[site]["assignees"])
    assert assignees == {eworld.users["collector"].id, eworld.users["roving"].id}


def test_a_roving_collector_sees_the_tasks_it_was_given_after_moving_on(eworld):
    site = eworld.facility("construction_site", "T-11")
    eworld.declare("typhoon", "white")
    eworld.session.execute(text("UPDATE assignments SET valid_to = now() WHERE user_id = :u"),
                           {"u": eworld.users["roving"].id})
    mine = eworld.get("roving", "/tasks").get_json()["items"]
    assert [t["facility"]["id"] for t in mine] == [site]
    assert eworld.get("collector33", "/tasks").get_json()["items"] == []


def test_each_task_lists_its_nearest_shelters_and_resources_nearest_first(eworld):
    site = eworld.facility("construction_site", "T-11")
    far = eworld.facility("shelter", "T-33", name="远的避难所")
    near = eworld.facility("shelter", "T-11", offset=(0.002, 0), name="近的避难所")
    eworld.facility("shelter", "T-12")
    depot = eworld.facility("emergency_depot", "T-12")
    declared = eworld.declare("typhoon", "white")
    nearest = eworld.tasks(declared["id"])[site]["nearest"]
    shelters = [n["id"] for n in nearest if n["kind"] == "shelter"]
    assert len(shelters) == 3 and shelters[0] == near and shelters[-1] == far
    assert [n["name"] for n in nearest][0] == "近的避难所"
    assert 180 < nearest[0]["distance_m"] < 230 and nearest[0]["capacity"] == 500
    assert depot in [n["id"] for n in nearest]
    assert [n["distance_m"] for n in nearest] == sorted(n["distance_m"] for n in nearest)


def test_a_check_captured_offline_completes_its_task(eworld):
    shelter = eworld.facility("shelter", "T-11")
    declared = eworld.declare("typhoon", "yellow")
    task = eworld.get("collector", "/tasks").get_json()["items"][0]
    assert task["facility"]["id"] == shelter and task["actions"] == ["open"]
    batch = sync_batch(sync_item({"task": task["id"], "result": "safe", "sheltered": 120},
                                 form="emergency_check"))
    [result] = eworld.district.results(batch)
    assert result["status"] == "merged"
    assert eworld.district.results(batch) == [result]  # a lost response: the batch again
    done = eworld.tasks(declared["id"])[shelter]
    assert (done["state"], done["result"], done["sheltered"]) == ("done", "safe", 120)
    assert str(done["check_id"]) == result["record_id"]
    body = eworld.get("duty", f"/{declared['id']}").get_json()
    assert body["tasks"]["done"] == 1 and body["shelters"][0]["sheltered"] == 120


def test_an_evacuation_says_how_many_people(eworld):
    eworld.facility("construction_site", "T-11")
    declared = eworld.declare("typhoon", "orange")
    task_id = eworld.get("collector", "/tasks").get_json()["items"][0]["id"]
    [missing] = eworld.district.results(sync_batch(sync_item(
        {"task": task_id, "result": "evacuated"}, form="emergency_check")))
    assert missing["status"] == "rejected"
    assert missing["errors"][0]["field"] == "data.evacuated"
    _check(eworld, task_id, "evacuated", evacuated=35)
    assert eworld.get("duty", f"/{declared['id']}").get_json()["evacuated"] == 35


def test_a_check_of_a_task_elsewhere_or_already_done_is_refused(eworld):
    eworld.facility("construction_site", "T-33")
    eworld.declare("typhoon", "white")
    task_id = eworld.get("collector33", "/tasks").get_json()["items"][0]["id"]
    [elsewhere] = eworld.district.results(sync_batch(sync_item(
        {"task": task_id, "result": "safe"}, form="emergency_check")))
    assert elsewhere["errors"][0]["code"] == "task.not_yours"
    token = eworld.tokens["collector33"]
    first = sync_item({"task": task_id, "result": "safe"}, form="emergency_check",
                      lon=CENTRE["T-33"][0], lat=CENTRE["T-33"][1])
    second = sync_item({"task": task_id, "result": "hazard", "hazard": "塔吊松动"},
                       form="emergency_check", lon=CENTRE["T-33"][0], lat=CENTRE["T-33"][1])
    results = eworld.district.results(sync_batch(first, second), token)
    assert [r["status"] for r in results] == ["merged", "rejected"]
    assert results[1]["errors"][0]["code"] == "task.not_open"


def test_only_duty_officers_and_administrators_declare(eworld):
    body = {"hazard": "typhoon", "level": "white"}
    for who in ("collector", "supervisor", "water"):
        assert eworld.post(who, "", body).status_code == 403
    assert eworld.post("admin", "", body).status_code == 201


def test_each_reader_sees_the_tasks_of_its_scope(eworld):
    eworld.facility("construction_site", "T-11")
    eworld.facility("construction_site", "T-33")
    eworld.facility("waterlogging_point", "T-33")
    declared = eworld.declare("typhoon", "orange")
    path = f"/{declared['id']}/situation"
    grids = {who: sorted((f["properties"]["grid"], f["properties"]["kind"])
                         for f in eworld.get(who, path).get_json()["features"])
             for who in ("duty", "supervisor", "collector33", "water")}
    assert len(grids["duty"]) == 3
    assert grids["supervisor"] == [("T-11", "construction_site")]
    assert grids["collector33"] == [("T-33", "construction_site"), ("T-33", "waterlogging_point")]
    assert grids["water"] == [("T-33", "waterlogging_point")]


def test_the_summary_names_who_has_not_reported(eworld):
    eworld.facility("construction_site", "T-11")
    done = eworld.facility("construction_site", "T-33")
    declared = eworld.declare("typhoon", "white")
    _check(eworld, str(eworld.tasks(declared["id"])[done]["id"]), "safe",
           token=eworld.tokens["collector33"], where=CENTRE["T-33"])
    summary = eworld.get("duty", f"/{declared['id']}/summary").get_json()
    by_grid = {g["grid"]: g for g in summary["grids"]}
    assert by_grid["T-11"]["not_reported"] == sorted(["李娜", "roving.e"])
    assert by_grid["T-33"]["not_reported"] == [] and by_grid["T-33"]["done"] == 1
    assert {s["street"]: s["open"] for s in summary["streets"]} == {"S1": 1, "S2": 0}
    assert summary["plan"]["classes"]["construction_site"]["actions"] == ["patrol"]


def _check(eworld, task_id: str, result: str, token: str | None = None,
           where: tuple[float, float] = CENTRE["T-11"], **data) -> None:
    item = sync_item({"task": task_id, "result": result, **data}, form="emergency_check",
                     lon=where[0], lat=where[1])
    [outcome] = eworld.district.results(sync_batch(item), token)
    assert outcome["status"] == "merged", outcome


def test_the_api_lists_warnings_and_the_plans_in_force(eworld):
    eworld.facility("construction_site", "T-11")
    declared = eworld.declare("typhoon", "white")
    [listed] = eworld.get("supervisor", "").get_json()["items"]
    assert (listed["id"], listed["level"], listed["tasks"]["open"]) == (declared["id"], "white", 1)
    page = eworld.get("supervisor", f"/{declared['id']}/tasks", state="open").get_json()["items"]
    assert page[0]["facility"]["data"]["responsible_phone"] == "13800000000"
    plans = {p["hazard"]: p["version"] for p in eworld.get("collector", "/plans").get_json()["items"]}
    assert plans == {"typhoon": 1, "rainstorm": 1}
    assert eworld.get("duty", "/999999").status_code == 404


def test_the_command_line_declares_raises_and_stands_down(eworld, app):
    eworld.facility("construction_site", "T-11")
    runner = app.test_cli_runner()
    declared = runner.invoke(args=["emergencies", "declare", "typhoon", "white", "--user", "duty.e"])
    assert declared.exit_code == 0 and "1 tasks" in declared.output, declared.output
    emergency = declared.output.split()[1].rstrip(":")
    raised = runner.invoke(args=["emergencies", "level", emergency, "red", "--user", "duty.e"])
    assert raised.exit_code == 0 and "1 extended" in raised.output, raised.output
    refused = runner.invoke(args=["emergencies", "stand-down", emergency, "--user", "li.na"])
    assert refused.exit_code != 0 and "duty officers" in refused.output
    done = runner.invoke(args=["emergencies", "stand-down", emergency, "--user", "duty.e"])
    assert done.exit_code == 0 and "1 open tasks closed" in done.output, done.output
