"""The base map on the phone: tiles online and from the offline map pack, records on the map,
and grids and records drawn where a GCJ-02 tile source draws them (to the pixel).

The GCJ-02 source is a tiny tile server started here on loopback: it draws, in each tile, the
collector's grid outline and a record's point shifted to GCJ-02 by the server's own
conversion; the app must put its outline and marker exactly on them.
"""
from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from sqlalchemy import text

from server.basemap.tiles import TILE_SIZE, tile_range, world_pixels
from server.domain.coordinates import wgs84_to_gcj02
from tests.e2e.conftest import DEMO_PASSWORD, OFFLINE_TILES, screenshot, serve, server_env
from tests.e2e.test_console_review import call, inside, person, token, upload
from tests.e2e.test_phone_app import eventually, grid_point, open_app

LOADED_TILES = "img.leaflet-tile-loaded"
RED, MAGENTA = (255, 0, 0), (255, 0, 255)


def tile_zooms(page: Any) -> set[int]:
    """The zooms of the tiles the map shows now (from their URLs)."""
    sources = page.locator(LOADED_TILES).evaluate_all("tiles => tiles.map(t => t.src)")
    return {int(re.search(r"/(\d+)/\d+/\d+\.png", src).group(1)) for src in sources}


TILE_STATES = r"""() => ({
    animating: Boolean(document.querySelector('.leaflet-zoom-anim')),
    tiles: [...document.querySelectorAll('img.leaflet-tile')].map(t => ({
        zoom: (t.src.match(/\/(\d+)\/\d+\/\d+\.png/) || [])[1] || null,
        complete: t.complete, loaded: t.classList.contains('leaflet-tile-loaded') })) })"""


def settle_tiles(page: Any, minimum: int = 1, timeout: float = 60) -> None:
    """Wait until the map shows tiles of one zoom only, none still loading, `minimum` loaded."""
    deadline = time.monotonic() + timeout
    while True:
        state = page.evaluate(TILE_STATES)
        tiles = state["tiles"]
        if (not state["animating"] and len({t["zoom"] for t in tiles}) == 1
                and all(t["complete"] for t in tiles) and sum(t["loaded"] for t in tiles) >= minimum):
            return
        assert time.monotonic() < deadline, f"the map's tiles never settled: {state}"
        page.wait_for_timeout(200)


def test_the_phone_map_shows_tiles_and_keeps_its_grids_tiles_offline(phone, e2e_engine,
                                                                      live_server):
    page = open_app(phone, e2e_engine, 421)
    settle_tiles(page, 4)
    sources = page.locator(LOADED_TILES).evaluate_all("tiles => tiles.map(t => t.src)")
    assert all(src.startswith(f"{live_server}/tiles/") for src in sources)
    opened_at = tile_zooms(page)
    assert len(opened_at) == 1 and OFFLINE_TILES["min_zoom"] <= min(opened_at) < OFFLINE_TILES["max_zoom"]
    pack = page.locator("#tile-pack[data-state=done]")
    pack.wait_for(timeout=60_000)
    assert re.fullmatch(r"地图离线包 \d+(\.\d)?/50 MB · 已完成", pack.inner_text()), pack.inner_text()
    screenshot(page, "phone-map")

    phone.set_offline(True)
    page.reload()
    page.wait_for_selector("path.grid-mine")
    settle_tiles(page, 4)
    assert tile_zooms(page) == opened_at
    page.get_by_role("button", name="+").click()  # tiles never shown before: from the pack
    # The zoom starts a moment after the click: wait for its tiles before waiting them settled.
    page.wait_for_selector(f"img.leaflet-tile[src*='/tiles/{min(opened_at) + 1}/']",
                           state="attached")
    settle_tiles(page, 4)
    assert tile_zooms(page) == {min(opened_at) + 1}
    for _ in range(min(opened_at) + 1 - OFFLINE_TILES["min_zoom"] + 1):
        page.get_by_role("button", name="−").click()
        page.wait_for_timeout(400)
    page.wait_for_timeout(1000)  # below the pack's zooms, offline: no tile can load
    below = OFFLINE_TILES["min_zoom"] - 1
    assert page.locator(f"img.leaflet-tile[src*='/tiles/{below}/']").count() > 0
    assert page.locator(f"img.leaflet-tile-loaded[src*='/tiles/{below}/']").count() == 0


def test_records_at_one_spot_open_as_a_list_and_a_record_can_be_walked_to(phone, e2e_engine,
                                                                          live_server):
    _, lon, lat = grid_point(e2e_engine, 422)
    names = []
    for _ in range(2):  # two households registered at the same door
        data = person()
        names.append(data["name"])
        assert upload(live_server, "collector422", data, (lon, lat))["status"] == "merged"
    page = open_app(phone, e2e_engine, 422)
    phone.set_geolocation({"longitude": lon + 0.0015, "latitude": lat, "accuracy": 8})  # 154 m E
    cluster = page.locator(".record-cluster")
    expect(cluster).to_have_count(1)
    assert cluster.inner_text() == "2"
    cluster.click()
    card = page.locator(".map-card")
    expect(card.locator("li.card-record")).to_have_count(2)
    assert "此处 2 条记录" in card.inner_text()
    assert set(names) <= set(re.findall(r"测试\d+", card.inner_text()))

    first = card.locator("li.card-record").first
    first.locator("button[data-action=navigate]").click()
    expect(page.locator("path.route")).to_have_count(1)
    guide = first.locator(".guide").inner_text()
    metres = int(re.search(r"距离 (\d+) m", guide).group(1))
    assert 140 <= metres <= 170 and "方向西" in guide, guide
    href = first.locator("a[data-action=maps-app]").get_attribute("href")
    assert href.startswith(f"geo:{lat:.6f},{lon:.6f}?q=")
    screenshot(page, "phone-map-navigate")
    first.get_by_role("button", name="查看").click()
    page.wait_for_url("**/app/#/record/*")
    assert page.locator(".record-view h2").inner_text() in names


@contextmanager
def gcj02_tile_server(rings: list[list[tuple[float, float]]],
                      point: tuple[float, float]) -> Iterator[str]:
    """Tiles that show a grid outline (red) and a point (magenta), given in GCJ-02."""

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            z, x, y = (int(v) for v in re.findall(r"\d+", self.path)[:3])
            image = Image.new("RGB", (TILE_SIZE, TILE_SIZE), (236, 234, 226))
            draw = ImageDraw.Draw(image)
            for ring in [*rings, [point]]:
                px, py = world_pixels(np.array([p[0] for p in ring]),
                                      np.array([p[1] for p in ring]), z)
                xy = list(zip(px - x * TILE_SIZE, py - y * TILE_SIZE))
                if len(xy) > 1:
                    draw.line(xy, fill=RED, width=2)
                else:
                    (cx, cy), = xy
                    draw.ellipse((cx - 3, cy - 3, cx + 3, cy + 3), fill=MAGENTA)
            body = io.BytesIO()
            image.save(body, "PNG")
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(body.getvalue())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def pixels_of(shot: bytes, colour: tuple[int, int, int], scale: int) -> tuple[np.ndarray, np.ndarray]:
    """CSS-pixel positions (x, y) of the screenshot's pixels close to a colour."""
    rgb = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)
    near = (np.abs(rgb - np.array(colour)).sum(axis=2) < 90)
    ys, xs = np.nonzero(near)
    return (xs + 0.5) / scale, (ys + 0.5) / scale


HIDE_OVERLAYS = """.leaflet-overlay-pane, .leaflet-marker-pane, .leaflet-tooltip-pane, .leaflet-gridLabels-pane,
    .leaflet-control-container, .map-legend, .map-controls { visibility: hidden !important; }"""


def test_grid_and_record_sit_where_a_gcj02_tile_source_draws_them(browser, e2e_database_url,
                                                                  e2e_engine):
    code, lon, lat = grid_point(e2e_engine, 423)
    with e2e_engine.connect() as connection:
        geometry = connection.execute(text(
            "SELECT ST_AsGeoJSON(boundary)::json FROM grids WHERE code = :code"),
            {"code": code}).scalar()
    rings = [[wgs84_to_gcj02(*p) for p in ring] for polygon in geometry["coordinates"]
             for ring in polygon]
    with gcj02_tile_server(rings, wgs84_to_gcj02(lon, lat)) as tiles, serve(server_env(
            e2e_database_url, OFFLINE_TILES={"max_mb": 0}, BASEMAP={
                "url": tiles + "/{z}/{x}/{y}.png", "crs": "GCJ02", "min_zoom": 10,
                "max_zoom": 19, "attribution": "GCJ-02 test tiles"})) as base:
        assert upload(base, "collector423", person(), (lon, lat))["status"] == "merged"
        context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                      has_touch=True, device_scale_factor=2, base_url=base,
                                      locale="zh-CN")
        try:
            page = open_app(context, e2e_engine, 423)
            marker = page.locator(".leaflet-marker-icon.record")
            marker.wait_for()
            settle_tiles(page, 4)
            dot, outline = marker.bounding_box(), page.locator("path.grid-mine").bounding_box()
            frame = page.locator("#map").bounding_box()
            page.add_style_tag(content=HIDE_OVERLAYS)
            shot = page.locator("#map").screenshot()
            zoom = max(tile_zooms(page))
        finally:
            context.close()
    xs, ys = pixels_of(shot, MAGENTA, 2)
    assert len(xs), "the record's point is not on the tiles in view"
    assert abs(frame["x"] + xs.mean() - (dot["x"] + dot["width"] / 2)) <= 1.5
    assert abs(frame["y"] + ys.mean() - (dot["y"] + dot["height"] / 2)) <= 1.5
    xs, ys = pixels_of(shot, RED, 2)
    drawn = (frame["x"] + xs.min(), frame["y"] + ys.min(), frame["x"] + xs.max(),
             frame["y"] + ys.max())
    mine = (outline["x"], outline["y"], outline["x"] + outline["width"],
            outline["y"] + outline["height"])
    assert all(abs(a - b) <= 2.5 for a, b in zip(drawn, mine)), (drawn, mine)
    # Undrawn in GCJ-02, the same point would be this many pixels away: the test can fail.
    shift = np.hypot(*(np.subtract(world_pixels(*map(np.array, wgs84_to_gcj02(lon, lat)), zoom),
                                   world_pixels(np.array(lon), np.array(lat), zoom))))
    assert shift > 50


PACKED_URLS = """(async () => (await (await caches.open('zhiwang-tiles')).keys())
    .map(r => r.url).sort())()"""
PACK_STATE = "(async () => (await import('/app/js/db.js')).getMeta('tile_pack'))()"


def test_the_offline_pack_follows_the_collectors_grids(phone, e2e_engine, live_server):
    old_grid, new_grid = "PS-03-01-004", "PS-05-02-006"  # far apart: no tile in common
    admin = token(live_server, "admin")
    call(live_server, "POST", "/api/v1/assignments",
         {"username": "roving4", "grid": old_grid, "kind": "roving"}, admin)
    phone.grant_permissions(["geolocation"])
    phone.set_geolocation({"longitude": inside(e2e_engine, old_grid)[0],
                           "latitude": inside(e2e_engine, old_grid)[1], "accuracy": 8})
    page = phone.new_page()
    page.goto("/app/")
    page.fill("#username", "roving4")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.login button[type=submit]")
    page.locator("#tile-pack[data-state=done]").wait_for(timeout=60_000)
    before = page.evaluate(PACKED_URLS)
    first = page.evaluate(PACK_STATE)
    assert before and first["kept"] == len(before)

    call(live_server, "POST", "/api/v1/assignments",  # the supervisor sends them elsewhere
         {"username": "roving4", "grid": new_grid, "kind": "roving"}, admin)
    page.click("#sync")
    eventually(page, f"""(async () => {{
        const pack = await (await import('/app/js/db.js')).getMeta('tile_pack');
        return pack.key !== {json.dumps(first["key"])} && pack.state === 'done'; }})()""", 60)
    after = page.evaluate(PACKED_URLS)
    assert after and not set(before) & set(after)  # the old grid's tiles are gone
    lon, lat = inside(e2e_engine, new_grid)
    x, y, _, _ = tile_range((lon, lat, lon, lat), 16)
    assert f"{live_server}/tiles/16/{x}/{y}.png" in after
