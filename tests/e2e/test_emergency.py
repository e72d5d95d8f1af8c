"""A rainstorm warning end to end: the duty officer declares it in the console, the collector
sees the check on the phone, reports it offline, and the situation map shows it checked."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import DEMO_PASSWORD, screenshot
from tests.e2e.test_console_review import call, token
from tests.e2e.test_phone_app import fill, grid_point, open_app

COLLECTOR = 437  # collector437's grid; no other e2e test uses it


def a_construction_site(base: str, engine, where: tuple[float, float]) -> str:
    """A building site in the collector's grid, registered from the collector's phone."""
    code = f"CS{uuid.uuid4().int % 10**8:08d}"
    body = {"batch_id": str(uuid.uuid4()), "device_id": "e2e-setup", "items": [{
        "id": str(uuid.uuid4()), "form": "construction_site", "form_version": 1,
        "captured_at": datetime.now(timezone.utc).isoformat(),
        "location": {"lon": where[0], "lat": where[1], "accuracy_m": 5},
        "data": {"facility_code": code, "name": "龙田在建工地", "address": "坪山区龙田街道测试路8号",
                 "tower_cranes": 3, "work_at_height": "yes", "responsible_person": "陈工",
                 "responsible_phone": "13800138000"}}]}
    [result] = call(base, "POST", "/api/v1/sync/batches", body,
                    token(base, f"collector{COLLECTOR}"))["results"]
    assert result["status"] == "merged", result
    return result["record_id"]


def street_of(engine, grid: str) -> str:
    with engine.connect() as connection:
        return connection.execute(text("SELECT street_code FROM grids WHERE code = :c"),
                                  {"c": grid}).scalar()


def test_a_warning_reaches_the_phone_and_its_offline_check_reaches_the_map(
        desk, phone, live_server, e2e_engine):
    grid, lon, lat = grid_point(e2e_engine, COLLECTOR)
    a_construction_site(live_server, e2e_engine, (lon + 0.0003, lat))
    console = desk.new_page()
    console.goto("/console/")
    console.fill("input[name=username]", "duty1")
    console.fill("input[name=password]", DEMO_PASSWORD)
    console.click("button[type=submit]")
    console.get_by_role("link", name="三防预警").click()
    console.select_option("#em-hazard", "rainstorm")
    console.select_option("#em-level", "orange")
    console.fill("#em-area", street_of(e2e_engine, grid))
    console.click("#em-declare")
    console.wait_for_url("**/console/emergencies/*")
    expect(console.locator("[data-count=open] dd")).not_to_have_text("0")
    done_before = int(console.locator("[data-count=done] dd").inner_text())
    screenshot(console, "console-emergency-declared")
    # The shared map labels grid outlines without a role when they are not clickable (map.js):
    # that finding belongs to the map, reported apart; the rest of the page is checked.
    assert_accessible(console, "console warning")

    page = open_app(phone, e2e_engine, COLLECTOR)
    page.goto("/app/#/tasks")
    card = page.locator("li.em-task", has_text="龙田在建工地")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("停工")
    screenshot(page, "phone-emergency-tasks")
    assert_accessible(page, "phone tasks")

    phone.set_offline(True)
    card.get_by_role("button", name="报告检查结果").click()
    fill(page, {"result": "evacuated"})
    fill(page, {"evacuated": 12})
    page.click("button.save")
    waiting = page.locator("li.em-task[data-state=local]", has_text="龙田在建工地")
    expect(waiting).to_contain_text("已检查，待上传")
    screenshot(page, "phone-emergency-checked-offline")

    syncs = int(page.evaluate("document.body.dataset.syncs || '0'"))
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(f"Number(document.body.dataset.syncs || 0) > {syncs}")

    console.reload()
    expect(console.locator("[data-count=done] dd")).to_have_text(str(done_before + 1))
    expect(console.locator("[data-count=evacuated] dd")).not_to_have_text("0")
    expect(console.locator("path.map-point.task-done").first).to_be_attached()
    screenshot(console, "console-emergency-situation")
    console.get_by_role("link", name="打印汇总").click()
    expect(console.locator("table.em-plan")).to_contain_text("在建工地")
    assert_accessible(console, "console warning summary")
