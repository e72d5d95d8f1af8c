"""The main screens of the phone app and the console pass axe-core's WCAG 2.1 A/AA rules with no
serious or critical violation, and the phone's labels fit a 360 px screen."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.a11y import assert_accessible
from tests.e2e.test_console_review import conflict_of, sign_in
from tests.e2e.test_phone_app import an_id_card, new_record, open_app, resident


def test_the_phone_apps_main_screens(phone, e2e_engine):
    page = phone.new_page()
    page.goto("/app/")
    page.wait_for_selector("form.login")
    assert_accessible(page, "phone sign-in")
    page = open_app(phone, e2e_engine, 430)
    assert_accessible(page, "phone map")
    person = new_record(page, "resident", resident("冯雪", an_id_card("19910101")))
    assert_accessible(page, "phone record")
    page.goto("/app/#/records")
    page.wait_for_selector("li.record-row")
    assert_accessible(page, "phone records")
    # Every filter chip shows its whole label at 360 px (实有人口登记 was cut off).
    clipped = page.evaluate("""[...document.querySelectorAll('.chip')].filter((c) =>
        c.scrollWidth > c.clientWidth || c.getBoundingClientRect().right > innerWidth).map((c) => c.textContent)""")
    assert clipped == []
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.badge')).fontSize)")
    assert size >= 13
    page.goto("/app/#/new/resident")
    page.wait_for_selector(".field[data-field='name']")
    assert_accessible(page, "phone form")
    page.goto("/app/#/outbox")
    page.wait_for_selector(".outbox-screen")
    assert_accessible(page, "phone outbox")
    page.click("#menu")
    expect(page.locator("dialog.account")).to_be_visible()
    assert_accessible(page, "phone account sheet")
    assert person


def test_the_consoles_main_screens(desk, live_server, e2e_engine):
    conflict = conflict_of("stale_edit", live_server, e2e_engine)
    page = desk.new_page()
    page.goto("/console/")
    page.wait_for_selector("form.login")
    assert_accessible(page, "console sign-in")
    sign_in(page, "supervisor1")
    assert_accessible(page, "console queue")
    page.goto(f"/console/review/{conflict['conflict_id']}")
    page.wait_for_selector("table.compare")
    assert_accessible(page, "console conflict")
    page.goto("/console/coverage")
    page.wait_for_selector("table.data tbody tr")
    assert_accessible(page, "console coverage")
    page.goto("/console/assignments")
    page.wait_for_selector("ul.staff li")
    assert_accessible(page, "console assignments")
    page.goto("/console/search?q=测试")
    page.wait_for_selector("table.found")
    assert_accessible(page, "console search")
    page.locator("table.found a").first.click()
    page.wait_for_selector("ol.history > li")
    assert_accessible(page, "console record")
