"""End-to-end fixtures: the real server under gunicorn on a seeded database, and Chromium.

The server runs on its own database (``zhiwang_e2e``) with real commits; tests make the data
they need with unique names, so they do not depend on each other.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from server.config import database_uri
from tests.conftest import fresh_database

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "zhiwang-demo"
E2E_DB = "zhiwang_e2e"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flask(env: dict[str, str], *command: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command], cwd=ROOT,
                   env=env, check=True, capture_output=True)


@pytest.fixture(scope="session")
def e2e_database_url() -> str:
    """A fresh database migrated and seeded with the demo district through the CLI."""
    url = fresh_database(E2E_DB)
    for command in (["db", "upgrade"], ["demo", "seed"]):
        _flask(server_env(url), *command)
    return url


@pytest.fixture(scope="session")
def demo_basemap(e2e_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's synthetic base map package (its tiles are drawn as the tests ask for them)."""
    path = tmp_path_factory.mktemp("basemap") / "demo-basemap.mbtiles"
    _flask(server_env(e2e_database_url), "demo", "basemap", str(path))
    return path


_KEYS = {"e2e": secrets.token_urlsafe(48)}
_PHOTOS_DIR = tempfile.mkdtemp(prefix="zhiwang-e2e-photos-")
# Phones keep zooms 15–17 of their grids offline: the map opens at about 16, so the pack
# holds tiles on either side of it (a smaller pack than the default, for speed).
OFFLINE_TILES = {"min_zoom": 15, "max_zoom": 17, "max_mb": 50}


def server_env(url: str, **settings: Any) -> dict[str, str]:
    """The environment of a server (or a flask command) on database ``url``."""
    return {**os.environ, "DATABASE_URL": url, "ZHIWANG_JWT_KEYS": json.dumps(_KEYS),
            "ZHIWANG_JWT_ACTIVE_KID": "e2e", "ZHIWANG_DEMO_PASSWORD": DEMO_PASSWORD,
            "ZHIWANG_ATTACHMENTS_DIR": _PHOTOS_DIR,
            **{f"ZHIWANG_{k}": v if isinstance(v, str) else json.dumps(v)
               for k, v in settings.items()}}


@contextmanager
def serve(env: dict[str, str]) -> Iterator[str]:
    """Zhiwang under gunicorn on a free loopback port; yields its base URL."""
    port = _free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "--config", "gunicorn.conf.py", "--workers", "2", "--threads", "4",
         "--graceful-timeout", "3", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)  # graceful: workers finish what they serve
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def live_server(e2e_database_url: str, demo_basemap: Path) -> Iterator[str]:
    """The server with the demo's base map, as `make run` serves it; yields its base URL."""
    with serve(server_env(e2e_database_url, TILE_PACKAGE=str(demo_basemap),
                          OFFLINE_TILES=OFFLINE_TILES)) as base:
        yield base


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90  # a loaded 2-core machine boots gunicorn slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited: " + (process.stderr.read() or b"").decode()[-2000:])
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not become healthy in 90 s")


@pytest.fixture(scope="session")
def e2e_engine(e2e_database_url: str) -> Iterator[Any]:
    """Direct access to the e2e database, for setting up and checking what the server holds."""
    engine = create_engine(database_uri(e2e_database_url))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking",
                  "--disable-component-update", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-sync"])
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Any, live_server: str) -> Iterator[Any]:
    """A phone-sized browser context (360×740, touch) on the live server."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2, base_url=live_server,
                                  locale="zh-CN")
    yield context
    context.close()


@pytest.fixture
def desk(browser: Any, live_server: str) -> Iterator[Any]:
    """A laptop-sized browser context on the live server."""
    context = browser.new_context(viewport={"width": 1366, "height": 860}, base_url=live_server,
                                  locale="zh-CN")
    yield context
    context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot as a test artefact under artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
