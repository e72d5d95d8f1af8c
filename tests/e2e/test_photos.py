"""Photos end to end: a collector photographs a broken fixture offline, reloads, syncs; the
record merges at once, the photo follows by tus; the supervisor's console shows it."""
from __future__ import annotations

import io
import random
import subprocess
import sys
from typing import Any

from PIL import Image
from sqlalchemy import text

from tests.e2e.conftest import DEMO_PASSWORD, ROOT, screenshot, server_env
from tests.e2e.test_phone_app import eventually, fill, open_app, wait_until_outbox_settles

COLLECTOR = 421


def camera_jpeg() -> bytes:
    """A 2400×1800 camera picture stored sideways (EXIF orientation 6) with a GPS position."""
    rng = random.Random(17)
    image = Image.frombytes("RGB", (2400, 1800), rng.randbytes(2400 * 1800 * 3))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (22.0, 42.0, 30.0), 3: "E", 4: (114.0, 21.0, 10.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


KEPT = """(async () => {
    const { all } = await import('/app/js/db.js');
    return (await all('photos')).map(p => ({ sha256: p.sha256, width: p.width, height: p.height,
        size: p.size, uploaded: p.uploaded, type: p.blob.type }));
})()"""
BLOB_HEAD = """async (sha) => {
    const { get } = await import('/app/js/db.js');
    const photo = await get('photos', sha);
    return Array.from(new Uint8Array(await photo.blob.arrayBuffer())).slice(0, 4096);
}"""


def supervisor_of(engine: Any, collector: int) -> str:
    """The demo supervisor of collectorN's grid."""
    with engine.connect() as connection:
        return connection.execute(text("""
            SELECT s.username FROM assignments p JOIN users c ON c.id = p.user_id
              JOIN assignments a ON a.grid_id = p.grid_id AND a.kind = 'supervises'
              JOIN users s ON s.id = a.user_id
             WHERE c.username = :collector AND p.kind = 'primary' LIMIT 1"""),
            {"collector": f"collector{collector}"}).scalar_one()


def test_a_photo_taken_offline_survives_a_reload_syncs_and_shows_in_the_console(
        phone, desk, e2e_engine, e2e_database_url):
    page = open_app(phone, e2e_engine, COLLECTOR)
    phone.set_offline(True)
    page.click("a.tab[data-route='new']")
    page.click("a.form-choice[data-form='fixture']")
    page.wait_for_selector(".location .gps-status.ok")
    fixture_id = f"4403100114{random.randrange(10**6):06d}"
    fill(page, {"component_code": "0114", "fixture_id": fixture_id,
                "location_description": "坪山大道与深汕路交叉口", "state": "damaged",
                "problem_description": "消防栓漏水", "owner_department": "坪山区水务局",
                "last_inspected": "2025-01-10"})
    picker = page.locator(".field[data-field='photos'] input[type=file]")
    picture = {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}

    # A photo over the server's limit is refused at capture, with the sizes said plainly.
    page.evaluate("(async () => (await import('/app/js/db.js')).setMeta('photo_max_bytes', 50000))()")
    picker.set_input_files(files=[picture])
    message = page.locator(".field[data-field='photos'] .photo-message.error")
    assert "照片过大" in message.inner_text() and "49 KB" in message.inner_text()
    assert page.locator(".field[data-field='photos'] .photo-tile").count() == 0

    page.evaluate("(async () => (await import('/app/js/db.js')).setMeta('photo_max_bytes', 10485760))()")
    picker.set_input_files(files=[picture])
    page.wait_for_selector(".field[data-field='photos'] .photo-tile img[src]")
    screenshot(page, "phone-photo-form")
    kept = page.evaluate(KEPT)
    assert len(kept) == 1 and kept[0]["type"] == "image/jpeg"
    assert (kept[0]["width"], kept[0]["height"]) == (1200, 1600)  # upright, long edge 1600
    head = bytes(page.evaluate(BLOB_HEAD, kept[0]["sha256"]))
    assert b"Exif" not in head and head[:2] == b"\xff\xd8"  # no EXIF, so no location
    page.click("button.save")
    page.wait_for_url("**/app/#/record/*")
    record_id = page.url.rsplit("/", 1)[1]

    page.reload()  # offline: the shell from the service worker, the photo from IndexedDB
    page.wait_for_selector(".record-view .photo-tile img[src]")
    assert page.evaluate("document.querySelector('.record-view .photo-tile img').naturalWidth") > 0
    screenshot(page, "phone-photo-record-offline")

    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until_outbox_settles(page)
    page.goto("/app/#/records")
    page.goto("/app/#/outbox")
    page.wait_for_selector(f".photo-progress.done[data-photos='1/1']")
    screenshot(page, "phone-photo-outbox")
    sha = kept[0]["sha256"]
    with e2e_engine.connect() as connection:
        stored = connection.execute(text("SELECT size, width, height FROM attachments "
                                         "WHERE sha256 = :sha"), {"sha": sha}).one()
        referenced = connection.execute(text(
            "SELECT version, field FROM record_version_photos WHERE sha256 = :sha"),
            {"sha": sha}).all()
    assert (stored.size, stored.width, stored.height) == (kept[0]["size"], 1200, 1600)
    assert [tuple(r) for r in referenced] == [(1, "photos")]

    # The thumbnail is made by the job worker, off the request path.
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "work",
                             "--once", "--kind", "attachment_thumbnail"],
                            cwd=ROOT, env=server_env(e2e_database_url), capture_output=True)
    assert worker.returncode == 0, worker.stderr.decode()[-3000:]

    console = desk.new_page()
    console.goto("/console/")
    console.fill("input[name=username]", supervisor_of(e2e_engine, COLLECTOR))
    console.fill("input[name=password]", DEMO_PASSWORD)
    console.click("button[type=submit]")
    console.wait_for_selector("table.queue")
    console.goto(f"/console/records/{record_id}")
    tile = console.locator("table.fields .photo-tile[data-state='arrived'] img")
    tile.wait_for()
    eventually(console, "document.querySelector('table.fields .photo-tile img').naturalWidth")
    assert console.evaluate("document.querySelector('table.fields .photo-tile img').naturalWidth") == 240
    screenshot(console, "console-record-photo")
    tile.click()
    console.wait_for_selector(".photo-overlay img[src]")
    assert eventually(console, "document.querySelector('.photo-overlay img').naturalWidth") == 1200
