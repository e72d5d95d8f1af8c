"""An event's whole life in real Chromium: a collector reports it offline on the phone, a
supervisor registers and dispatches it in the console, the department handles it in the
console, the collector verifies it on the phone from the tasks tab, the supervisor closes it."""
from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.conftest import DEMO_PASSWORD, screenshot
from tests.e2e.test_phone_app import fill, open_app, wait_until_outbox_settles

COLLECTOR = 415  # collector415: a grid no other e2e test captures in


def supervisor_of(engine: Any, collector: int) -> str:
    """The username of the supervisor of collectorN's grid."""
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT u.username FROM assignments a JOIN users u ON u.id = a.user_id "
            "WHERE a.kind = 'supervises' AND a.grid_id = (SELECT id FROM grids WHERE retired_at "
            "IS NULL ORDER BY code OFFSET :n LIMIT 1)"), {"n": collector - 1}).scalar_one()


def console(context: Any, username: str) -> Any:
    """A console page signed in as a demo user, on the event board."""
    page = context.new_page()
    page.goto("/console/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav a[href='/console/events']")
    page.goto("/console/events")
    page.wait_for_selector(".state-tabs")
    return page


def act(page: Any, event_id: str, action: str, *, note: str = "", department: str = "") -> None:
    """Open the event in the console and take one action."""
    page.goto(f"/console/events/{event_id}")
    button = page.locator(f".event-actions button[data-action='{action}']")
    expect(button).to_be_visible()
    if department:
        page.select_option(".event-actions select[name=department]", department)
    if note:
        page.fill(".event-actions textarea[name=note]", note)
    button.click()
    page.wait_for_selector(f".timeline li[data-action='{action}']")


def sync(page: Any) -> None:
    """Sync the phone now (as it does when the network comes back)."""
    done = int(page.evaluate("document.body.dataset.syncs || '0'"))
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(f"Number(document.body.dataset.syncs || 0) > {done}")
    wait_until_outbox_settles(page)


def test_an_event_goes_from_a_phone_offline_to_closed(phone, browser, live_server, e2e_engine):
    page = open_app(phone, e2e_engine, COLLECTOR)
    phone.set_offline(True)
    page.click("a.tab[data-route='new']")
    expect(page.locator("a.form-choice[data-form='event_verification']")).to_have_count(0)
    page.click("a.form-choice[data-form='event']")
    page.wait_for_selector(".location .gps-status.ok")
    fill(page, {"category": "env.exposed_garbage", "description": "路口堆放建筑垃圾",
                "location_description": "六和路与汤坑路交叉口", "source": "patrol"})
    page.click("button.save")
    page.wait_for_url("**/app/#/record/*")
    event_id = page.url.rsplit("/", 1)[1]
    phone.set_offline(False)
    sync(page)

    supervisor_desk = browser.new_context(viewport={"width": 1366, "height": 860},
                                          base_url=live_server, locale="zh-CN")
    department_desk = browser.new_context(viewport={"width": 1366, "height": 860},
                                          base_url=live_server, locale="zh-CN")
    try:
        supervisor = console(supervisor_desk, supervisor_of(e2e_engine, COLLECTOR))
        row = supervisor.locator(f"tr[data-event='{event_id}']")
        expect(row.locator("[data-state]")).to_have_attribute("data-state", "reported")
        screenshot(supervisor, "console-event-board")
        act(supervisor, event_id, "register")
        act(supervisor, event_id, "dispatch", department="urban")
        expect(supervisor.locator(".event-head [data-state]")).to_have_attribute("data-state",
                                                                                 "dispatched")

        urban = console(department_desk, "urban1")
        expect(urban.locator("nav a")).to_have_count(1)  # the events, nothing else
        expect(urban.locator(f"tr[data-event='{event_id}']")).to_be_visible()
        act(urban, event_id, "handle", note="已清运完毕")
        screenshot(urban, "console-event-handled")

        sync(page)
        page.click("a.tab[data-route='tasks']")
        task = page.locator(f"li.task[data-id='{event_id}']")
        expect(task).to_contain_text("已清运完毕")
        screenshot(page, "phone-tasks")
        phone.set_offline(True)  # verified on site, without a signal
        task.locator("button.verify").click()
        page.wait_for_selector(".location .gps-status.ok")
        fill(page, {"result": "fixed"})
        page.click("button.save")
        page.wait_for_url("**/app/#/tasks")
        expect(page.locator(f"li.task[data-id='{event_id}']")).to_have_count(0)
        phone.set_offline(False)
        sync(page)

        act(supervisor, event_id, "close")
        expect(supervisor.locator(".event-head [data-state]")).to_have_attribute("data-state",
                                                                                 "closed")
        actions = supervisor.locator(".timeline li").evaluate_all(
            "items => items.map(i => i.dataset.action)")
        assert actions == ["report", "register", "dispatch", "handle", "verify", "close"]
        screenshot(supervisor, "console-event-closed")
    finally:
        supervisor_desk.close()
        department_desk.close()
