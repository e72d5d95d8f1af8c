"""The decision-support dashboards in the console: warnings per month and level, the map by
grid, an enterprise's eight series with its signals marked, the economy per area; department
staff see them only when their grant includes enterprises. Charts by the vendored ECharts: no
request leaves the server."""
from __future__ import annotations

import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.conftest import DEMO_PASSWORD, ROOT, screenshot, server_env

SYNTHETIC = "坪山合成企业%"


@pytest.fixture(scope="module")
def district(e2e_database_url: str, e2e_engine: Any, live_server: str) -> Any:
    """A small synthetic district loaded and run through the CLI; removed afterwards, so the
    other browser tests find the demo district as it was."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "warnings", "demo",
                    "--enterprises", "120", "--months", "14", "--seed", "11"], cwd=ROOT,
                   env=server_env(e2e_database_url), check=True, capture_output=True)
    yield e2e_engine
    with e2e_engine.begin() as connection:
        connection.execute(text("""
            DELETE FROM records WHERE (kind = 'enterprise' AND data->>'name' LIKE :synthetic)
               OR (kind = 'event' AND data->>'description' LIKE '劳资纠纷预警%')"""),
            {"synthetic": SYNTHETIC})
        connection.execute(text("DELETE FROM economy_months; DELETE FROM warning_runs; "
                                "DELETE FROM indicator_history"))


def sign_in(page: Any, username: str) -> None:
    page.goto("/console/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")


def only_this_server(page: Any, live_server: str) -> list[str]:
    """Every request the page makes elsewhere than the server (there must be none)."""
    elsewhere: list[str] = []
    host = urlsplit(live_server).netloc
    page.on("request", lambda r: elsewhere.append(r.url)
            if urlsplit(r.url).netloc not in (host, "") and not r.url.startswith("data:") else None)
    return elsewhere


def test_an_administrator_reads_the_warnings_the_enterprise_and_the_economy(
        desk, live_server, district):
    page = desk.new_page()
    elsewhere = only_this_server(page, live_server)
    sign_in(page, "admin")
    page.get_by_role("link", name="劳资预警").click()
    page.wait_for_url("**/console/warnings")
    expect(page.locator("#warnings-by-month svg")).to_have_count(1)      # ECharts drew the bars
    rows = page.locator("table.data tbody tr")
    expect(rows.first).to_be_visible()
    with district.connect() as connection:
        top = connection.execute(text("""
            SELECT r.key, w.level, w.signals->0->>'reason' FROM warnings w
              JOIN records r ON r.id = w.enterprise_id
             WHERE w.month = '2026-10-01' ORDER BY w.score DESC, w.enterprise_id LIMIT 1""")).one()
    first = rows.first.inner_text()
    assert top[0] in first and top[2] in first
    assert page.locator(".map path.grid").count() == 450
    screenshot(page, "console-warnings")

    rows.first.get_by_role("link").click()
    page.wait_for_url(f"**/console/warnings/enterprises/{top[0]}")
    expect(page.locator(".chart.small svg")).to_have_count(8)            # the eight series
    expect(page.locator("ul.warning-history li").last).to_contain_text(top[2])  # months in order
    screenshot(page, "console-warnings-enterprise")

    page.get_by_role("link", name="经济运行").click()
    page.wait_for_url("**/console/economy")
    expect(page.locator("#economy-growth_index svg")).to_have_count(1)
    page.select_option("select", label="街道 坑梓街道")
    page.wait_for_url("**/console/economy?area=*")
    expect(page.locator("#economy-energy svg")).to_have_count(1)
    screenshot(page, "console-economy")
    assert elsewhere == []


def test_department_staff_see_the_dashboards_only_with_enterprises_granted(
        desk, live_server, district):
    page = desk.new_page()
    sign_in(page, "police1")                      # police: residents and rentals only
    expect(page.get_by_role("link", name="劳资预警")).to_have_count(0)
    page.goto("/console/warnings")
    expect(page.locator("[role=alert]")).to_contain_text("granted enterprises")
    page.get_by_role("button", name="退出").click()
    page.wait_for_selector("input[name=username]")
    sign_in(page, "labour1")                      # labour: enterprises of the whole district
    page.get_by_role("link", name="劳资预警").click()
    expect(page.locator("table.data tbody tr").first).to_be_visible()
