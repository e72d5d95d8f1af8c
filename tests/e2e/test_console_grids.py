"""The supervisor's console: reassigning roving staff, coverage of the grids, a grid's records."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.conftest import screenshot
from tests.e2e.test_console_review import call, inside, person, sign_in, token, upload

TARGET = "PS-01-02-005"   # a grid of street PS-01, supervised by supervisor1


def test_a_roving_collector_is_reassigned_in_two_clicks_and_me_shows_it(desk, live_server):
    before = call(live_server, "GET", "/api/v1/me", token=token(live_server, "roving1"))
    assert [g["kind"] for g in before["grids"]] == ["roving"] and before["grids"][0]["code"] != TARGET
    page = desk.new_page()
    sign_in(page, "supervisor1")
    page.get_by_role("link", name="人员调配").click()
    rover = page.locator("li[data-username=roving1]")
    rover.wait_for()

    rover.locator("button[data-action=reassign]").click()            # click 1: who
    page.locator(f".map path[data-code='{TARGET}']").click()           # click 2: where
    page.locator(".toast").get_by_text(f"已将 roving1 调配到 {TARGET}").wait_for()
    assert TARGET in rover.locator("[data-role=post]").inner_text()

    after = call(live_server, "GET", "/api/v1/me", token=token(live_server, "roving1"))
    assert [(g["code"], g["kind"]) for g in after["grids"]] == [(TARGET, "roving")]

    rover.locator("button[data-action=history]").click()
    history = page.locator("section.history tbody tr")
    history.nth(1).wait_for()
    assert TARGET in history.nth(0).inner_text() and "至今" in history.nth(0).inner_text()
    assert before["grids"][0]["code"] in history.nth(1).inner_text()
    screenshot(page, "console-assignments")


def test_coverage_shows_freshness_sorts_and_leads_to_a_grids_records(desk, live_server,
                                                                     e2e_engine):
    busy, quiet = "PS-01-01-003", "PS-01-01-004"
    names = []
    for grid, collector, count in ((busy, "collector3", 3), (quiet, "collector4", 1)):
        for _ in range(count):
            data = person()
            names.append(data["name"])
            assert upload(live_server, collector, data, inside(e2e_engine, grid))["status"] == "merged"
    with e2e_engine.begin() as connection:  # the quiet grid was last visited six weeks ago
        connection.execute(text("UPDATE records SET updated_at = now() - interval '42 days' "
                                "WHERE grid_id = (SELECT id FROM grids WHERE code = :code)"),
                           {"code": quiet})
    page = desk.new_page()
    sign_in(page, "supervisor1")
    page.get_by_role("link", name="网格覆盖").click()
    page.wait_for_selector("table.data tbody tr")
    fill = lambda code: page.locator(f".map path[data-code='{code}']").get_attribute("fill")
    assert fill(busy) == "#1a9850" and fill(quiet) == "#d73027"
    expect(page.locator(".map img.leaflet-tile-loaded").first).to_be_visible()  # the base map

    total = page.locator("table.data button.sort[data-key=total]")
    total.click()
    total.click()                                                         # most records first
    assert page.locator("th[aria-sort=descending]").inner_text().startswith("合计")
    totals = page.evaluate("""() => {
        const column = [...document.querySelectorAll('table.data thead th')]
            .findIndex((th) => th.getAttribute('aria-sort') === 'descending');
        return [...document.querySelectorAll('table.data tbody tr')]
            .map((tr) => Number(tr.children[column].textContent)); }""")
    assert totals == sorted(totals, reverse=True) and totals[0] >= 3 and len(totals) == 90
    screenshot(page, "console-coverage")

    page.locator(f"tr[data-grid='{busy}']").get_by_role("link", name=busy).click()
    page.wait_for_selector("table.records tbody tr")
    expect(page.locator("table.records tbody tr")).to_have_count(3)
    page.fill("input[name=q]", names[1])
    page.get_by_role("button", name="搜索").last.click()
    page.wait_for_url(f"**/console/grids/{busy}?q=*")
    page.wait_for_function("document.querySelectorAll('table.records tbody tr').length === 1")
    expect(page.locator(".map .map-record")).to_have_count(1)  # the record found, on the map
    screenshot(page, "console-grid")
    page.get_by_role("link", name=names[1]).click()
    page.locator("ol.history > li").first.wait_for()
    assert "collector3" in page.locator("ol.history > li").first.inner_text()


def test_the_console_fits_a_tablet(browser, live_server):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, base_url=live_server,
                                  locale="zh-CN", has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, "supervisor1")
        for path in ("/console/review", "/console/coverage", "/console/assignments"):
            page.goto(path)
            page.wait_for_selector("main.view h1")
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        screenshot(page, "console-tablet-assignments")
    finally:
        context.close()
