"""The web clients served by Zhiwang: the collector's phone app and the supervisor's console,
and what both use: the vendored map library (/vendor/) and our own shared modules (/shared/)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, redirect, send_from_directory

WEB_ROOT = Path(__file__).resolve().parent
CLIENTS = ("app", "console")
LIBRARIES = ("vendor", "shared")


def _client_blueprint(name: str) -> Blueprint:
    folder = WEB_ROOT / name
    blueprint = Blueprint(f"web_{name}", __name__)

    @blueprint.route(f"/{name}")
    def bare() -> Response:
        return redirect(f"/{name}/", code=308)  # type: ignore[return-value]

    # Two rules rather than one with defaults: /app/index.html must answer itself, not redirect
    # to /app/ (a service worker cannot serve a page load from a redirected response).
    @blueprint.route(f"/{name}/")
    def shell() -> Response:
        return asset("index.html")

    @blueprint.route(f"/{name}/<path:path>")
    def asset(path: str) -> Response:
        """A file of the client; unknown paths get the app shell (client-side routing)."""
        target = path if (folder / path).is_file() else "index.html"
        response = send_from_directory(folder, target, max_age=0)
        # Always revalidate: the service worker owns offline caching, not the HTTP cache.
        response.headers["Cache-Control"] = "no-cache"
        if target == "sw.js":
            response.headers["Service-Worker-Allowed"] = f"/{name}/"
        return response

    return blueprint


def _library_blueprint(name: str) -> Blueprint:
    folder = WEB_ROOT / name
    blueprint = Blueprint(f"web_{name}", __name__)

    @blueprint.route(f"/{name}/<path:path>")
    def library_file(path: str) -> Response:
        """A file both clients load; no fallback page (a missing file is a 404)."""
        if not (folder / path).is_file():
            abort(404)
        response = send_from_directory(folder, path, max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response

    return blueprint


def register_web_clients(app: Flask) -> None:
    """Serve /app/ and /console/, /vendor/ and /shared/ from server/web/."""
    for name in CLIENTS:
        app.register_blueprint(_client_blueprint(name))
    for name in LIBRARIES:
        app.register_blueprint(_library_blueprint(name))
