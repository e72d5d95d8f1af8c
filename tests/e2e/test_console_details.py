"""Console details from a day of use (issue 14 item 12): a toast stays on its page; a record's
history lists fields in form order, names people by display name and shows no branch ids; the
conflict page says who made the current version."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.test_console_review import conflict_of, sign_in

TARGET = "PS-01-02-006"


def test_a_toast_does_not_follow_to_the_next_page(desk):
    page = desk.new_page()
    sign_in(page, "supervisor1")
    page.get_by_role("link", name="人员调配").click()
    rover = page.locator("li[data-username=roving2]")
    rover.locator("button[data-action=reassign]").click()
    page.locator(f".map path[data-code='{TARGET}']").click()
    expect(page.locator(".toast")).to_contain_text(f"已将 roving2 调配到 {TARGET}")
    page.get_by_role("link", name="审核队列").click()
    page.wait_for_selector("table.queue")
    expect(page.locator(".toast")).to_have_count(0)


def test_history_in_form_order_by_name_without_branches_and_who_made_the_current_side(
        desk, live_server, e2e_engine):
    conflict = conflict_of("stale_edit", live_server, e2e_engine)  # v2 changed phone; then phone+notes
    page = desk.new_page()
    sign_in(page, "supervisor1")
    page.goto(f"/console/review/{conflict['conflict_id']}")
    current = page.locator("table.compare th.side-current")
    expect(current).to_contain_text("当前记录 v2")
    expect(current).to_contain_text("由 网格员001 修改")  # who made v2, by name
    expect(page.locator("table.compare th.side-incoming")).to_contain_text("网格员001")

    page.get_by_role("button", name="认领").click()
    page.wait_for_selector(".claim.mine")
    page.click("button[data-action=accept]")
    page.wait_for_selector(".success")
    page.get_by_role("link", name="查看记录历史").first.click()
    latest = page.locator("ol.history > li").first
    latest.wait_for()
    assert "分支" not in page.locator("ol.history").inner_text()  # no device UUIDs
    assert "网格员001（collector1）" in page.locator("ol.history > li").last.inner_text()
    changed = latest.locator("table.changes tbody th").all_inner_texts()
    assert changed == ["联系电话", "备注"]  # the form's order, not the alphabet's (notes, phone)
