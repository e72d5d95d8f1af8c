"""The window clerk's search in the console: a person found by two characters of the name, shown
as the account may see them, with the history; supervisors search every grid they supervise."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_console_review import inside, person, sign_in, upload

MINE = "PS-01-02-003"       # a grid of street PS-01 (supervisor1), not collector1's
OTHER_STREET = "PS-02-01-001"


def collector_of(engine, code: str) -> str:
    from sqlalchemy import text
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT u.username FROM assignments a JOIN users u ON u.id = a.user_id JOIN grids g "
            "ON g.id = a.grid_id WHERE g.code = :code AND a.kind = 'primary' AND a.valid_to IS NULL"),
            {"code": code}).scalar()


def register(base, engine, code: str, name: str) -> dict:
    data = {**person(), "name": name, "phone": "13912345678",
            "current_address": "坪山区碧岭街道沙湖社区9号"}
    result = upload(base, collector_of(engine, code), data, inside(engine, code))
    assert result["status"] == "merged", result
    return data


def test_a_clerk_finds_a_person_by_two_characters_and_sees_only_what_the_role_allows(
        desk, live_server, e2e_engine):
    clerk_target = register(live_server, e2e_engine, OTHER_STREET, "谢育庭")
    page = desk.new_page()
    page.goto("/console/")
    page.fill("input[name=username]", "viewer1")
    page.fill("input[name=password]", "zhiwang-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/console/search")
    nav = page.locator("nav a").all_inner_texts()
    assert nav[0] == "查询" and not {"审核队列", "人员调配", "网格覆盖"} & set(nav)  # no review

    page.fill("input[name=q]", "育庭")  # two characters inside the name, typed: no button
    row = page.locator("table.found tbody tr", has_text="谢育庭")
    expect(row).to_have_count(1)
    shown = row.inner_text()
    number = clerk_target["id_card"]
    assert number not in shown and number[-4:] in shown and "********" in shown  # masked
    assert "139****5678" in shown and "13912345678" not in shown
    screenshot(page, "console-search")

    row.get_by_role("link", name="谢育庭").click()
    page.wait_for_selector("ol.history > li")
    record = page.locator("main.view").inner_text()
    assert "谢育庭" in record and "坪山区碧岭街道沙湖社区9号" in record
    assert number not in record and "13912345678" not in record
    screenshot(page, "console-search-record")
    page.get_by_role("link", name="返回查询").click()
    page.wait_for_url("**/console/search?q=*")
    expect(page.locator("input[name=q]")).to_have_value("育庭")
    page.goto("/console/review")  # not a reviewer: back to the search
    page.wait_for_url("**/console/search")


def test_a_supervisor_searches_every_grid_it_supervises_and_nothing_else(
        desk, live_server, e2e_engine):
    near = register(live_server, e2e_engine, MINE, "欧阳明远")
    far = register(live_server, e2e_engine, OTHER_STREET, "欧阳明达")
    page = desk.new_page()
    sign_in(page, "supervisor1")
    page.get_by_role("link", name="查询").click()
    page.fill("input[name=q]", "欧阳明")
    row = page.locator("table.found tbody tr", has_text="欧阳明远")
    expect(row).to_have_count(1)
    assert near["id_card"] in row.inner_text()  # a supervisor sees its own people in clear
    assert page.locator("table.found tbody tr", has_text="欧阳明达").count() == 0
    assert far["name"] not in page.locator("main.view").inner_text()

    page.fill("input[name=q]", near["id_card"])  # a whole ID-card number, typed
    expect(page.locator("table.found tbody tr")).to_have_count(1)
    expect(page.locator("table.found tbody tr")).to_contain_text(re.compile("欧阳明远"))
