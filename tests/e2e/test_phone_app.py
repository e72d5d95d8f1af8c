"""The collector's phone app (/app/) in a real Chromium on a phone screen: a day offline.

Each test signs in as its own collector, so the tests share the seeded database safely.
"""
from __future__ import annotations

import json
import random
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlalchemy import text

from server.domain.id_card import check_character
from tests.e2e.conftest import DEMO_PASSWORD, screenshot



def an_id_card(birth: str = "19850312") -> str:
    """A valid GB 11643 number with a random sequence (unique enough per test run)."""
    body = f"440310{birth}{random.randrange(1000):03d}"
    return body + check_character(body)


def grid_point(engine: Any, collector: int) -> tuple[str, float, float]:
    """The code of collectorN's grid (the N-th by code) and a point inside it."""
    with engine.connect() as connection:
        code, lon, lat = connection.execute(text(
            "SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(boundary) p "
            "FROM grids WHERE retired_at IS NULL ORDER BY code OFFSET :n LIMIT 1) g"),
            {"n": collector - 1}).one()
    return code, lon, lat


def open_app(context: Any, engine: Any, collector: int) -> Any:
    """A page of the app signed in as collectorN standing in their grid, first sync done."""
    _, lon, lat = grid_point(engine, collector)
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
    page = context.new_page()
    page.goto("/app/")
    page.fill("#username", f"collector{collector}")
    page.fill("#password", DEMO_PASSWORD)
    screenshot(page, "phone-login")
    page.click("form.login button[type=submit]")
    page.wait_for_selector("body[data-syncs='1']")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_selector("path.grid-mine")
    return page


def fill(page: Any, values: dict[str, Any]) -> None:
    """Answer form fields in order, whatever their control (text, radio, select, checkbox)."""
    for name, value in values.items():
        field = page.locator(f".field[data-field='{name}']")
        field.locator("input, textarea, select").first.wait_for()  # counts below do not wait
        if field.locator("input[type=radio]").count():
            field.locator(f"input[value='{value}']").check()
        elif field.locator("input[type=checkbox]").count():
            for choice in value:
                field.locator(f"input[value='{choice}']").check()
        elif field.locator("select").count():
            field.locator("select").select_option(value)
        else:
            field.locator("input, textarea").fill(str(value))


def walk(context: Any, engine: Any, collector: int, east_m: float, north_m: float) -> None:
    """Move the phone a few metres from the middle of collectorN's grid."""
    _, lon, lat = grid_point(engine, collector)
    context.set_geolocation({"longitude": lon + east_m / 102_000, "latitude": lat + north_m / 111_000,
                             "accuracy": 8})


def new_record(page: Any, form: str, values: dict[str, Any], shot: str | None = None) -> str:
    """Capture a new record with the form; returns the record id the phone made."""
    page.click("a.tab[data-route='new']")
    page.click(f"a.form-choice[data-form='{form}']")
    page.wait_for_selector(".location .gps-status.ok")
    fill(page, values)
    if shot:
        page.locator(".field[data-field='household_type']").scroll_into_view_if_needed()
        screenshot(page, shot)
    page.click("button.save")
    page.wait_for_url("**/app/#/record/*")
    return page.url.rsplit("/", 1)[1]


def edit_record(page: Any, record_id: str, values: dict[str, Any]) -> None:
    """Open a record, change some answers, save."""
    page.goto(f"/app/#/record/{record_id}")
    page.click(".record-view button.primary")
    page.wait_for_selector(".location .gps-status.ok")
    fill(page, values)
    page.click("button.save")
    page.wait_for_url(f"**/app/#/record/{record_id}")


def resident(name: str, id_card: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "id_card": id_card, "gender": "2", "birth_date": "1985-03-12",
            "household_type": "registered", "ethnicity": "01",
            "hukou_address": "广东省深圳市坪山区坪山街道六和社区", "residence_type": "own",
            "current_address": "坪山区六和路12号3栋501", **more}


def rental(address_code: str, landlord_id: str) -> dict[str, Any]:
    return {"address_code": address_code, "address": "坪山区汤坑村二巷8号", "house_type": "urban_village",
            "floors": 6, "rooms": 12, "tenants": 20, "use": "residential", "landlord_type": "person",
            "landlord_name": "陈国强", "landlord_id_card": landlord_id, "landlord_phone": "13812345678",
            "rental_registration": "unregistered", "fire_check": "passed", "checked_on": "2025-01-10"}


def outbox_states(page: Any) -> list[str]:
    """The states shown on the outbox screen, newest first."""
    page.goto("/app/#/records")
    page.goto("/app/#/outbox")
    page.wait_for_selector("ul.outbox")
    return page.locator("li.outbox-item").evaluate_all("items => items.map(i => i.dataset.state)")


def eventually(page: Any, script: str, timeout: float = 15) -> Any:
    """Evaluate an (async) expression in the page until it is truthy."""
    deadline = time.monotonic() + timeout
    while (value := page.evaluate(script)) in (None, False, [], 0):
        assert time.monotonic() < deadline, f"never true: {script}"
        page.wait_for_timeout(100)
    return value


def show_every_record(page: Any) -> None:
    """Tap the map's clusters (each zooms in to its records) until none is left."""
    page.locator(".leaflet-marker-icon").first.wait_for()
    for _ in range(8):
        page.wait_for_timeout(800)  # a zoom animation, or records redrawn after a sync
        clusters = page.locator(".record-cluster")
        if not clusters.count():
            return
        try:
            clusters.first.click(timeout=3000)
        except PlaywrightTimeout:
            pass  # it came apart meanwhile
    raise AssertionError("the records never came apart")


def wait_until_outbox_settles(page: Any) -> None:
    eventually(page, """(async () => {
        const { outboxItems } = await import('/app/js/records.js');
        return (await outboxItems()).every(i => i.state !== 'pending');
    })()""")
    page.wait_for_selector("body[data-sync='done']")


def test_a_day_offline_syncs_into_exactly_the_expected_records(phone, e2e_engine):
    page = open_app(phone, e2e_engine, 411)
    screenshot(page, "phone-map")
    phone.set_offline(True)

    first_id = an_id_card()
    walk(phone, e2e_engine, 411, -40, 30)
    person = new_record(page, "resident", resident("李晓红", first_id), shot="phone-form")
    screenshot(page, "phone-record")
    walk(phone, e2e_engine, 411, 35, -20)
    house = new_record(page, "rental", rental("4403" + f"{random.randrange(10**15):015d}", an_id_card("19600101")))
    walk(phone, e2e_engine, 411, 10, 60)
    other = new_record(page, "resident", resident("王建国", an_id_card("19721130"), gender="1"))
    walk(phone, e2e_engine, 411, 0, 0)
    edit_record(page, person, {"phone": "13800138000"})
    edit_record(page, person, {"notes": "复核：租住六和路"})

    page.reload()  # offline: the service worker serves the shell, IndexedDB the data
    page.wait_for_selector("nav.tabs")
    page.click("a.tab[data-route='records']")
    page.wait_for_selector("li.record-row")
    expect(page.locator("li.record-row")).to_have_count(3)
    screenshot(page, "phone-records")
    assert outbox_states(page) == ["pending"] * 5
    screenshot(page, "phone-outbox-offline")

    phone.set_offline(False)  # the app syncs by itself when the network returns
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until_outbox_settles(page)
    assert outbox_states(page) == ["merged"] * 5
    screenshot(page, "phone-outbox-synced")
    page.click("a.tab[data-route='map']")
    show_every_record(page)
    expect(page.locator(".leaflet-marker-icon.record.state-synced")).to_have_count(3)
    for _ in range(2):  # back out a little, for a picture with the streets around
        page.get_by_role("button", name="−").click()
        page.wait_for_timeout(500)
    screenshot(page, "phone-map-records")

    with e2e_engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT r.id::text, r.kind, r.version, r.data FROM records r JOIN users u "
            "ON u.id = r.created_by_id WHERE u.username = 'collector411' ORDER BY r.created_at")).all()
        versions = connection.execute(text(
            "SELECT record_id::text, count(*) FROM record_versions WHERE record_id = ANY(:ids) "
            "GROUP BY record_id"), {"ids": [uuid.UUID(i) for i in (person, house, other)]}).all()
    found = {row.id: row for row in rows}
    assert set(found) == {person, house, other}
    assert (found[person].version, found[house].version, found[other].version) == (3, 1, 1)
    assert dict(versions) == {person: 3, house: 1, other: 1}
    assert found[person].data["phone"] == "13800138000"
    assert found[person].data["notes"] == "复核：租住六和路"
    assert found[person].data["id_card"] == first_id
    assert found[house].kind == "rental" and found[house].data["floors"] == 6


def call(base: str, path: str, body: Any, token: str | None = None) -> Any:
    """A JSON request to the live server."""
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def register_elsewhere(base: str, engine: Any, collector: int, data: dict[str, Any]) -> None:
    """Another collector registers a resident in their own grid, straight through the API."""
    _, lon, lat = grid_point(engine, collector)
    token = call(base, "/api/v1/auth/token", {"username": f"collector{collector}",
                                              "password": DEMO_PASSWORD})["access_token"]
    item = {"id": str(uuid.uuid4()), "form": "resident", "form_version": 1,
            "captured_at": datetime.now(timezone.utc).isoformat(),
            "location": {"lon": lon, "lat": lat, "accuracy_m": 5}, "data": data}
    result = call(base, "/api/v1/sync/batches", {"batch_id": str(uuid.uuid4()), "device_id": "other",
                                                 "items": [item]}, token)["results"][0]
    assert result["status"] == "merged", result


SAVE_UNCHECKED = """async ([data, lon, lat]) => {
    const { saveCapture } = await import('/app/js/records.js');
    const { definitionOf } = await import('/app/js/forms.js');
    const form = await definitionOf('resident', 1);
    const location = { lon, lat, accuracy_m: 8, crs: 'WGS84' };
    return (await saveCapture({ form, data, location })).record.id;
}"""
AUTH = "(async () => (await import('/app/js/db.js')).getMeta('auth'))()"


def test_a_conflict_waits_for_review_and_a_returned_item_is_fixed_and_resent(
        phone, e2e_engine, live_server):
    taken = an_id_card("19900101")
    register_elsewhere(live_server, e2e_engine, 412, resident("张伟", taken))
    page = open_app(phone, e2e_engine, 413)
    _, lon, lat = grid_point(e2e_engine, 413)
    phone.set_offline(True)
    twin = new_record(page, "resident", resident("张伟", taken))  # the same ID number: a duplicate?
    # An item the phone's own checks would have stopped (say, queued by an older build of the
    # app): the server is the judge, and the phone must carry its verdict back to the form.
    bad = taken[:17] + ("1" if taken[17] != "1" else "2")
    returned = page.evaluate(SAVE_UNCHECKED, [resident("刘洋", bad), lon, lat])
    # The access token expires while the phone is offline: sync refreshes it first.
    page.evaluate("""(async () => { const db = await import('/app/js/db.js');
        const auth = await db.getMeta('auth'); await db.setMeta('auth', { ...auth, expires_at: 0 }); })()""")
    before = page.evaluate(AUTH)

    phone.set_offline(False)
    page.goto("/app/#/outbox")
    page.click("#sync-now")
    wait_until_outbox_settles(page)
    after = page.evaluate(AUTH)
    assert after["refresh_token"] != before["refresh_token"] and after["expires_at"] > 0
    states = dict(zip(*page.locator("li.outbox-item").evaluate_all(
        "items => [items.map(i => i.dataset.record), items.map(i => i.dataset.state)]")))
    assert states == {twin: "conflict", returned: "rejected"}
    assert "等待审核" in page.locator(f"li.outbox-item[data-record='{twin}']").inner_text()
    screenshot(page, "phone-outbox-conflict-rejected")

    page.locator(f"li.outbox-item[data-record='{returned}'] .item-errors button").click()
    field = page.locator(".field[data-field='id_card']")
    field.wait_for()
    assert "invalid" in field.get_attribute("class")
    assert "校验码错误" in field.inner_text()
    screenshot(page, "phone-form-returned")
    fixed = an_id_card("19920202")
    field.locator("input").fill(fixed)
    page.click("button.save")
    page.wait_for_url(f"**/app/#/record/{returned}")
    wait_until_outbox_settles(page)
    assert outbox_states(page) == ["conflict", "merged", "fixed"]  # what needs a look first

    page.goto(f"/app/#/record/{twin}")
    page.wait_for_selector(".banner.waiting")
    assert page.locator(".record-view .badge").inner_text() == "等待审核"
    screenshot(page, "phone-record-waiting")
    conflict_id = page.evaluate(f"""(async () => (await (await import('/app/js/records.js'))
        .itemsOf('{twin}'))[0].conflict_id)()""")
    with e2e_engine.connect() as connection:
        record = connection.execute(text("SELECT version, data FROM records WHERE id = :id"),
                                    {"id": uuid.UUID(returned)}).one()
        conflict = connection.execute(text("SELECT kind, status FROM conflicts WHERE id = :id"),
                                      {"id": conflict_id}).one()
        twins = connection.execute(text("SELECT count(*) FROM records WHERE key = :key"),
                                   {"key": taken}).scalar()
    assert record.version == 1 and record.data["id_card"] == fixed
    assert (conflict.kind, conflict.status) == ("possible_duplicate", "open")
    assert twins == 1


def get(base: str, path: str, token: str) -> Any:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_changes_made_elsewhere_come_down_and_merge_with_unsent_edits(phone, e2e_engine, live_server):
    page = open_app(phone, e2e_engine, 414)
    person = new_record(page, "resident", resident("赵敏", an_id_card("19800808")))
    wait_until_outbox_settles(page)  # saved online: sent at once, version 1
    phone.set_offline(True)
    edit_record(page, person, {"phone": "13700137000"})

    # Meanwhile the same collector's other device notes something on the same record.
    _, lon, lat = grid_point(e2e_engine, 414)
    token = call(live_server, "/api/v1/auth/token", {"username": "collector414",
                                                     "password": DEMO_PASSWORD})["access_token"]
    record = get(live_server, f"/api/v1/records/{person}", token)
    item = {"id": str(uuid.uuid4()), "form": "resident", "form_version": 1, "record_id": person,
            "base_version": 1, "branch_id": "tablet", "captured_at": datetime.now(timezone.utc).isoformat(),
            "location": {"lon": lon, "lat": lat}, "data": {**record["data"], "notes": "楼下便利店老板"}}
    assert call(live_server, "/api/v1/sync/batches", {"batch_id": str(uuid.uuid4()), "device_id": "tablet",
                                                      "items": [item]}, token)["results"][0]["version"] == 2

    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until_outbox_settles(page)
    page.goto("/app/#/records")
    page.goto(f"/app/#/record/{person}")
    view = page.locator(".record-view")
    view.wait_for()
    assert "13700137000" in view.inner_text() and "楼下便利店老板" in view.inner_text()
    assert "版本 3" in view.inner_text() and view.locator(".badge").inner_text() == "已同步"

    page.click("#menu")  # English on request, from the account sheet
    page.click("dialog.account button.lang")
    page.goto("/app/#/map")
    page.wait_for_selector(".leaflet-marker-icon.record, .record-cluster")
    assert page.locator("a.tab[data-route='records']").inner_text().strip().endswith("Records")
    screenshot(page, "phone-map-en")
