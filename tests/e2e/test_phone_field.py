"""The phone app in the field (issue 14): what a day of real use showed, each defect a test.

Each test signs in as its own collector (401-440) so that the tests share the seeded database.
"""
from __future__ import annotations

import json
import random
import re
import uuid
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.conftest import DEMO_PASSWORD, screenshot
from tests.e2e.test_console_review import call, token
from tests.e2e.test_phone_app import (an_id_card, fill, grid_point, new_record, open_app,
                                      rental, resident, wait_until_outbox_settles)

# Every text the sync status line showed, kept by the page (progress flashes by quickly).
STATUS_LOG = """
window.__statusTexts = [];
new MutationObserver(() => {
  const line = document.getElementById('sync-status');
  if (line && window.__statusTexts.at(-1) !== line.textContent) window.__statusTexts.push(line.textContent);
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def outbox(page: Any) -> Any:
    page.goto("/app/#/records")
    page.goto("/app/#/outbox")
    page.wait_for_selector(".outbox-screen")
    return page


def item_of(page: Any, record_id: str) -> Any:
    return page.locator(f"li.outbox-item[data-record='{record_id}']")


def resolve(base: str, conflict_id: int, action: str, note: str | None = None) -> None:
    """A reviewer (admin) claims and resolves a conflict through the API."""
    admin = token(base, "admin")
    call(base, "POST", f"/api/v1/conflicts/{conflict_id}/claim", token=admin)
    call(base, "POST", f"/api/v1/conflicts/{conflict_id}/resolve",
         {"action": action, **({"note": note} if note else {})}, admin)


def conflict_of(page: Any, record_id: str) -> int:
    return page.evaluate(f"""(async () => (await (await import('/app/js/records.js'))
        .itemsOf('{record_id}')).at(-1).conflict_id)()""")


def sync(page: Any) -> None:
    before = int(page.evaluate("document.body.dataset.syncs || 0"))
    page.click("#sync")
    page.wait_for_selector(f"body[data-syncs='{before + 1}']")


def test_a_reviewed_conflict_comes_back_with_its_outcome_and_the_count_drops(
        phone, e2e_engine, live_server):
    page = open_app(phone, e2e_engine, 401)
    kept, dropped = an_id_card("19700101"), an_id_card("19710202")
    original = new_record(page, "resident", resident("周晓燕", kept))
    new_record(page, "resident", resident("吴国平", dropped))
    wait_until_outbox_settles(page)
    twin = new_record(page, "resident", resident("周晓燕", kept, phone="13500135000"))
    again = new_record(page, "resident", resident("吴国平", dropped, notes="重复登记"))
    wait_until_outbox_settles(page)

    outbox(page)
    assert page.locator("#outbox-summary").inner_text().count("等待审核 2") == 1
    reason = item_of(page, twin).locator(".item-detail").inner_text()
    assert "疑似重复" in reason and "周晓燕" in reason  # whose record it may duplicate
    screenshot(page, "phone-outbox-waiting-reason")

    resolve(live_server, conflict_of(page, twin), "accept")
    resolve(live_server, conflict_of(page, again), "reject", "同一人，已有登记，无需重复")
    sync(page)
    outbox(page)
    expect(page.locator("#outbox-summary")).to_contain_text("等待审核 0")
    # An accepted duplicate lands on the record registered before.
    accepted = page.locator(f"li.outbox-item[data-record='{original}'][data-shown='reviewed']")
    expect(accepted.locator(".badge")).to_have_text("审核通过")
    assert "已采纳你的数据" in accepted.locator(".item-detail").inner_text()
    declined = page.locator("li.outbox-item[data-state='declined']")
    expect(declined.locator(".item-detail")).to_have_text("审核未通过：同一人，已有登记，无需重复")
    assert page.locator(".outbox-group.attention").count() == 0  # nothing left to act on
    screenshot(page, "phone-outbox-reviewed")

    page.goto(f"/app/#/record/{original}")
    view = page.locator(".record-view")
    expect(view.locator(".badge")).to_have_text("已同步")
    assert "13500135000" in view.inner_text() and "版本 2" in view.inner_text()
    assert page.evaluate(f"""(async () => (await (await import('/app/js/records.js'))
        .getRecord('{twin}')) === undefined)()""")  # the twin made here never became a record


def test_signing_out_warns_about_unsent_items_and_keeps_them(phone, e2e_engine, live_server):
    page = open_app(phone, e2e_engine, 402)
    phone.set_offline(True)
    person = new_record(page, "resident", resident("郑小芳", an_id_card("19880808")))
    page.click("#menu")
    page.click("dialog.account button.sign-out")
    warning = page.locator("dialog.sign-out-warning")
    expect(warning).to_contain_text("本机还有 1 条数据未上传")
    assert warning.locator("[data-choice=sync]").count() == 0  # offline: nothing to sync with
    screenshot(page, "phone-sign-out-unsent")
    warning.locator("[data-choice=stay]").click()
    expect(page.locator("nav.tabs")).to_be_visible()  # cancelled: still signed in

    page.click("#menu")
    page.click("dialog.account button.sign-out")
    page.locator("dialog.sign-out-warning [data-choice=leave]").click()
    expect(page.locator(".login .banner")).to_contain_text("1 条未上传的数据保留在本机")

    phone.set_offline(False)
    page.fill("#username", "collector403")  # another collector may not take the phone yet
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.login button[type=submit]")
    expect(page.locator(".login .banner")).to_contain_text("属于 collector402")
    page.fill("#username", "collector402")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("body[data-syncs='2']")
    wait_until_outbox_settles(page)
    with e2e_engine.connect() as connection:
        assert connection.execute(text("SELECT version FROM records WHERE id = :id"),
                                  {"id": uuid.UUID(person)}).scalar() == 1

    # A merged item leaves the outbox after a week; its record stays.
    page.evaluate("""(async () => (await import('/app/js/sync.js'))
        .pruneOutbox(Date.now() + 8 * 86400000))()""")
    outbox(page)
    expect(page.locator("li.outbox-item")).to_have_count(0)
    page.goto(f"/app/#/record/{person}")
    expect(page.locator(".record-view h2")).to_have_text("郑小芳")


def neighbour_point(engine: Any, collector: int) -> tuple[str, str, float, float]:
    """My grid's code, a neighbouring grid's code and a point well inside that neighbour."""
    mine, _, _ = grid_point(engine, collector)
    with engine.connect() as connection:
        code, lon, lat = connection.execute(text("""
            SELECT n.code, ST_X(p), ST_Y(p) FROM grids g JOIN grids n
                ON n.id <> g.id AND ST_Touches(n.boundary, g.boundary) AND n.retired_at IS NULL
             CROSS JOIN LATERAL ST_PointOnSurface(n.boundary) p
             WHERE g.code = :code
             ORDER BY ST_Distance(p::geography, g.boundary::geography) DESC LIMIT 1"""),
            {"code": mine}).one()
    return mine, code, lon, lat


def test_the_phone_warns_before_saving_outside_my_grid_and_says_why_it_waits(
        phone, e2e_engine):
    page = open_app(phone, e2e_engine, 404)
    mine, neighbour, lon, lat = neighbour_point(e2e_engine, 404)
    phone.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 150})
    page.click("a.tab[data-route='new']")
    page.click("a.form-choice[data-form='resident']")
    warning = page.locator(".position-warning")
    expect(warning).to_contain_text(f"你不在自己的网格内：当前位置在 {neighbour}")
    expect(warning).to_contain_text("定位精度差（±150 米")
    assert "ok" not in (page.locator(".gps-status").get_attribute("class") or "")
    fill(page, resident("钱立新", an_id_card("19660606")))
    page.locator(".location").scroll_into_view_if_needed()
    screenshot(page, "phone-form-outside-grid")
    page.click("button.save")
    question = page.locator("dialog.position-confirm")
    expect(question).to_contain_text("位置不在你的网格内")
    question.locator("[data-choice=save]").click()  # the collector may go on
    page.wait_for_url("**/app/#/record/*")
    record = page.url.rsplit("/", 1)[1]
    wait_until_outbox_settles(page)

    outbox(page)
    reason = item_of(page, record).locator(".item-detail").inner_text()
    assert re.search(rf"位置不在你的网格内：在 {neighbour}，距你的网格 {mine} 约 \d+ 米（允许 100 米）", reason), reason
    page.goto(f"/app/#/record/{record}")
    expect(page.locator(".banner.waiting .why")).to_contain_text(neighbour)


def test_other_roles_are_sent_to_the_console_and_download_nothing(phone):
    page = phone.new_page()
    page.goto("/app/")
    page.fill("#username", "viewer1")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.login button[type=submit]")
    banner = page.locator(".login .banner")
    expect(banner).to_contain_text("织网采集供网格采集员使用")
    expect(banner).to_contain_text("部门人员")
    assert banner.locator("a").get_attribute("href") == "/console/"
    screenshot(page, "phone-other-role")
    assert page.locator("nav.tabs").count() == 0
    held = page.evaluate("""(async () => { const db = await import('/app/js/db.js');
        return [await db.getMeta('grids'), await db.getMeta('auth'), (await db.all('forms')).length]; })()""")
    assert held == [None, None, 0]


def test_a_rental_is_picked_nearby_and_shown_by_its_title_and_codes_get_a_keypad(
        phone, e2e_engine):
    page = open_app(phone, e2e_engine, 405)
    page.click("a.tab[data-route='new']")
    page.click("a.form-choice[data-form='rental']")
    code = page.locator(".field[data-field='address_code'] input")
    assert code.get_attribute("inputmode") == "numeric"  # 4403 + 15 digits: a one-line keypad
    assert page.locator(".field[data-field='address_code'] textarea").count() == 0
    page.goto("/app/#/new/fixture")
    expect(page.locator(".field[data-field='fixture_id'] input")).to_have_attribute("inputmode", "numeric")
    house = new_record(page, "rental", rental("4403" + f"{random.randrange(10**15):015d}",
                                              an_id_card("19600101")))
    wait_until_outbox_settles(page)

    page.click("a.tab[data-route='new']")
    page.click("a.form-choice[data-form='resident']")
    picker = page.locator(".field[data-field='house'] select")
    option = picker.locator(f"option[value='{house}']")
    assert "坪山区汤坑村二巷8号" in option.inner_text() and "米" in option.inner_text()
    fill(page, resident("孙丽", an_id_card("19930303"), residence_type="rental"))
    picker.select_option(house)
    page.click("button.save")
    page.wait_for_url("**/app/#/record/*")
    row = page.locator(".kv", has_text="所住出租屋")
    expect(row.locator("dd")).to_have_text("坪山区汤坑村二巷8号")  # not the rental's UUID
    screenshot(page, "phone-record-ref")


def test_the_sync_status_is_on_screen_and_a_failure_is_said_in_chinese(phone, e2e_engine):
    page = open_app(phone, e2e_engine, 406)
    line = page.locator("#sync-status")
    expect(line).to_be_visible()
    expect(line).to_contain_text("上次同步")
    problem = {"type": "about:blank", "title": "Internal Server Error", "status": 500,
               "detail": "The server had a problem"}
    page.route("**/api/v1/records/changes*", lambda route: route.fulfill(
        status=500, content_type="application/problem+json", body=json.dumps(problem)))
    page.click("#sync")
    expect(line).to_have_text("同步失败：服务器暂时无法处理（500），稍后自动重试")
    screenshot(page, "phone-sync-failed")
    page.unroute("**/api/v1/records/changes*")
    sync(page)
    expect(line).to_contain_text("上次同步")


def seed_grid(engine: Any, collector: int, count: int) -> None:
    """``count`` residents straight into the database, in collectorN's grid."""
    code, _, _ = grid_point(engine, collector)
    with engine.begin() as connection:
        connection.execute(text("""
            INSERT INTO records (id, kind, key, form_id, form_version, grid_id, geometry, data,
                                 version, created_by_id, updated_by_id, change_xid, search_name,
                                 search_keys)
            SELECT gen_random_uuid(), 'resident', k.key, 'resident', 1, g.id,
                   ST_PointOnSurface(g.boundary),
                   jsonb_build_object('name', '批量' || n, 'id_card', k.key, 'gender', '1'),
                   1, u.id, u.id, pg_current_xact_id()::text::bigint, '批量' || n, ARRAY[k.key]
              FROM generate_series(1, :count) AS n
             CROSS JOIN grids g CROSS JOIN users u
             CROSS JOIN LATERAL (SELECT 'SEED-' || :code || '-' || n AS key) k
             WHERE g.code = :code AND u.username = :user"""),
            {"count": count, "code": code, "user": f"collector{collector}"})


def test_a_large_first_sync_shows_x_of_y_and_the_list_renders_only_what_is_in_view(
        phone, e2e_engine):
    seed_grid(e2e_engine, 407, 2400)
    phone.add_init_script(STATUS_LOG)
    page = open_app(phone, e2e_engine, 407)
    shown = page.evaluate("window.__statusTexts")
    assert any(re.fullmatch(r"下载中 1000/24\d\d", s) for s in shown), shown

    page.click("a.tab[data-route='records']")
    expect(page.locator(".count")).to_have_text(re.compile(r"共 24\d\d 条"))
    rows = page.locator("li.record-row").count()
    assert 0 < rows < 60  # the rows in view and a few more, not 2,400
    page.fill("input.search", "批量123")
    expect(page.locator(".count")).to_have_text("共 11 条")  # 123, 1230-1239
    expect(page.locator("li.record-row")).to_have_count(11)
    page.locator("li.record-row").first.click()
    expect(page.locator(".record-view h2")).to_have_text(re.compile("批量123"))


def test_an_interrupted_first_sync_says_the_list_is_not_complete(phone, e2e_engine):
    seed_grid(e2e_engine, 408, 1500)
    code, lon, lat = grid_point(e2e_engine, 408)
    phone.grant_permissions(["geolocation"])
    phone.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
    page = phone.new_page()
    page.route("**/api/v1/records/changes?*since=*", lambda route: route.abort())
    page.goto("/app/")
    page.fill("#username", "collector408")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("body[data-sync='failed']")
    page.goto("/app/#/records")
    banner = page.locator(".banner.progress")
    expect(banner).to_contain_text(re.compile(r"首次同步未完成：已下载 1,000 / 1,5\d\d 条"))
    screenshot(page, "phone-records-partial")
    page.unroute("**/api/v1/records/changes?*since=*")
    sync(page)
    page.goto("/app/#/outbox")
    page.goto("/app/#/records")
    expect(page.locator(".count")).to_have_text(re.compile(r"共 1,?5\d\d 条"))
    expect(page.locator(".banner.progress")).to_be_hidden()
