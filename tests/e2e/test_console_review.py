"""The supervisor's console: resolving each kind of conflict, and two reviewers racing to claim.

Conflicts are made the way phones make them, by uploading batches over HTTP as collectors;
the supervisor then works in a real Chromium through the console at /console/.
"""
from __future__ import annotations

import functools
import itertools
import json
import random
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.conftest import DEMO_PASSWORD, screenshot
from tests.factories import make_id_card, resident_data

GRID = "PS-01-01-001"         # collector1's grid, supervised by supervisor1 (street PS-01)
NEIGHBOUR = "PS-01-01-002"    # collector2's grid, same street
FAR_AWAY = (114.10, 22.50)    # outside every grid of the district
_serials = itertools.count(random.randrange(100, 900))


def call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    """One JSON call to the live API; returns the decoded body (raises on an HTTP error)."""
    request = urllib.request.Request(base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"}
                                                 if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


@functools.cache
def token(base: str, username: str) -> str:
    """An access token (valid for longer than the e2e run) for a demo user."""
    return call(base, "POST", "/api/v1/auth/token",
                {"username": username, "password": DEMO_PASSWORD})["access_token"]


def inside(engine: Any, code: str) -> tuple[float, float]:
    """A point surely inside a grid."""
    with engine.connect() as connection:
        return tuple(connection.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(boundary) p FROM grids "
            "WHERE code = :code) s"), {"code": code}).one())


def upload(base: str, who: str, data: dict[str, Any], where: tuple[float, float], *,
           device: str = "phone-a", **item: Any) -> dict[str, Any]:
    """Upload one resident item as a collector; returns its result."""
    body = {"batch_id": str(uuid.uuid4()), "device_id": device, "items": [{
        "id": str(uuid.uuid4()), "form": "resident", "form_version": 1,
        "captured_at": datetime.now(timezone.utc).isoformat(),
        "location": {"lon": where[0], "lat": where[1], "accuracy_m": 8}, "data": data, **item}]}
    return call(base, "POST", "/api/v1/sync/batches", body, token(base, who))["results"][0]


def person(**overrides: Any) -> dict[str, Any]:
    """A resident with an ID-card number not used before in this session."""
    serial = next(_serials)
    number = make_id_card(serial, born=f"19{50 + serial % 40}0{1 + serial % 9}1{serial % 10}")
    return resident_data(serial, id_card=number, birth_date=f"{number[6:10]}-{number[10:12]}-"
                         f"{number[12:14]}", name=f"测试{serial}", **overrides)


def conflict_of(kind: str, base: str, engine: Any) -> dict[str, Any]:
    """Make one conflict of a kind in GRID the way phones do; returns its upload result."""
    home = inside(engine, GRID)
    data = person()
    if kind == "stale_edit":
        created = upload(base, "collector1", data, home)
        record = {"record_id": created["record_id"], "base_version": 1}
        upload(base, "collector1", {**data, "phone": "13700137000"}, home, device="phone-b",
               **record)
        result = upload(base, "collector1", {**data, "phone": "13800138000", "notes": "搬到三楼"},
                        home, device="phone-c", **record)
    elif kind == "possible_duplicate":
        upload(base, "collector1", data, home)
        result = upload(base, "collector1", {**data, "phone": "13600136000"}, home)
    elif kind == "outside_assigned_grid":
        result = upload(base, "collector1", data, inside(engine, NEIGHBOUR))
    else:
        result = upload(base, "collector1", data, FAR_AWAY)
    assert result["status"] == "conflict" and result["conflict_kind"] == kind, result
    return result


def sign_in(page: Any, username: str) -> None:
    page.goto("/console/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("table.queue")


# kind → how the supervisor resolves it in the console (every one leaves a record version)
RESOLUTIONS = {"stale_edit": "merge", "possible_duplicate": "accept",
               "outside_assigned_grid": "accept", "outside_district": "accept"}


@pytest.fixture(scope="module")
def open_conflicts(live_server, e2e_engine) -> dict[str, int]:
    """One open conflict of each kind in GRID, made before the queue is first looked at."""
    return {kind: conflict_of(kind, live_server, e2e_engine)["conflict_id"]
            for kind in RESOLUTIONS}


@pytest.mark.parametrize("kind", list(RESOLUTIONS))
def test_a_supervisor_resolves_each_kind_of_conflict_and_the_history_shows_it(
        desk, e2e_engine, open_conflicts, kind):
    conflict_id = open_conflicts[kind]
    page = desk.new_page()
    sign_in(page, "supervisor1")
    expect(page.locator(f"tr[data-conflict='{conflict_id}'] .state.free")).to_have_count(1)
    if kind == "stale_edit":  # the first: every kind is still waiting
        screenshot(page, "console-queue")
    page.select_option("select[name=kind]", kind)
    page.wait_for_url(f"**/console/review?kind={kind}")
    row = page.locator(f"tr[data-conflict='{conflict_id}']")
    row.get_by_role("link", name=f"#{conflict_id}").click()
    page.wait_for_selector("table.compare")
    if kind in ("outside_assigned_grid", "outside_district"):
        location = page.locator("section.location .map.leaflet-container")
        expect(location.locator("path.map-accuracy.incoming")).to_have_count(1)
        expect(location.locator("path.map-point.incoming")).to_have_count(1)
        expect(location.locator("path.grid.assigned")).to_have_count(1)
        expect(location.locator("img.leaflet-tile-loaded").first).to_be_visible()
    if kind == "stale_edit":
        expect(page.locator("tr.conflicting[data-field=phone] td.differs")).to_have_count(2)
    assert page.locator("button[data-action=accept]").is_disabled()  # claim first

    page.get_by_role("button", name="认领").click()
    page.wait_for_selector(".claim.mine")
    if kind == "stale_edit":
        page.check("tr[data-field=phone] input[value=current]")  # keep the other editor's phone
    page.fill("textarea[name=note]", f"电话核实 {kind}")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"console-conflict-{kind}")
    page.click(f"button[data-action={RESOLUTIONS[kind]}]")
    page.wait_for_selector(".success")
    expect(page.locator(".claim")).to_have_count(0)

    page.get_by_role("link", name="查看记录历史").first.click()
    latest = page.locator("ol.history > li").first
    latest.wait_for()
    assert "supervisor1" in latest.inner_text() and f"#{conflict_id}" in latest.inner_text()
    assert f"电话核实 {kind}" in latest.locator("blockquote.note").inner_text()
    if kind == "stale_edit":
        fields = page.locator("table.fields").inner_text()
        assert "13700137000" in fields and "搬到三楼" in fields
    screenshot(page, f"console-record-after-{kind}")
    with e2e_engine.connect() as connection:
        status = connection.execute(text("SELECT status, resolution FROM conflicts WHERE id = :id"),
                                    {"id": conflict_id}).one()
    assert tuple(status) == ("resolved", RESOLUTIONS[kind])


def test_two_reviewers_race_to_claim_and_the_loser_is_told_who_holds_it(
        browser, live_server, e2e_engine):
    conflict_id = conflict_of("possible_duplicate", live_server, e2e_engine)["conflict_id"]
    contexts = [browser.new_context(viewport={"width": 1366, "height": 860}, base_url=live_server,
                                    locale="zh-CN") for _ in range(2)]
    try:
        pages = []
        for context, who in zip(contexts, ("supervisor1", "admin")):
            page = context.new_page()
            sign_in(page, who)
            page.goto(f"/console/review/{conflict_id}")
            page.wait_for_selector(".claim.free")
            pages.append(page)
        # Both click before either answer comes back: the requests are in flight together.
        for page in pages:
            page.get_by_role("button", name="认领").click(no_wait_after=True)
        for page in pages:
            page.wait_for_selector(".claim.mine, .claim.held")
        winners = [p for p in pages if p.locator(".claim.mine").count()]
        losers = [p for p in pages if p.locator(".claim.held").count()]
        assert len(winners) == 1 and len(losers) == 1
        winner_name = "supervisor1" if winners[0] is pages[0] else "admin"
        refused = losers[0].locator(".error").inner_text()
        assert "认领失败" in refused and winner_name in refused
        assert winner_name in losers[0].locator(".claim.held").inner_text()
        assert losers[0].locator("button[data-action=accept]").is_disabled()
        screenshot(losers[0], "console-claim-race-loser")

        losers[0].goto("/console/review")  # the queue names the holder too
        held = losers[0].locator(f"tr[data-conflict='{conflict_id}'] .state.held")
        assert winner_name in held.inner_text()

        winners[0].fill("textarea[name=note]", "同一人重复登记，保留原记录")
        winners[0].click("button[data-action=reject]")
        winners[0].wait_for_selector(".success")
    finally:
        for context in contexts:
            context.close()
    with e2e_engine.connect() as connection:
        assert connection.execute(text(
            "SELECT s.status FROM conflicts c JOIN submissions s ON s.id = c.submission_id "
            "WHERE c.id = :id"), {"id": conflict_id}).scalar() == "rejected"


def test_the_console_speaks_english_on_request_and_filters_by_collector(desk, live_server,
                                                                        e2e_engine):
    conflict_of("outside_district", live_server, e2e_engine)
    page = desk.new_page()
    sign_in(page, "supervisor1")
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Review queue").wait_for()
    page.fill("input[name=collector]", "collector2")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/console/review?collector=collector2")
    page.get_by_text("No conflicts match.").wait_for()
    page.get_by_role("button", name="中文").click()
    page.get_by_role("heading", name="审核队列").wait_for()


def test_an_expired_access_token_is_refreshed_without_signing_out(desk, live_server):
    page = desk.new_page()
    sign_in(page, "supervisor1")
    key = "zhiwang.console.session"
    before = page.evaluate(f"JSON.parse(localStorage.getItem('{key}'))")
    page.evaluate(f"localStorage.setItem('{key}', JSON.stringify({{...JSON.parse("
                  f"localStorage.getItem('{key}')), access: 'expired.token.here'}}))")
    page.get_by_role("link", name="网格覆盖").click()
    page.wait_for_selector("table.data tbody tr")
    after = page.evaluate(f"JSON.parse(localStorage.getItem('{key}'))")
    assert after["refresh"] != before["refresh"] and after["access"] != "expired.token.here"
