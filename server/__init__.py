"""Zhiwang (织网): field data collection for grid-based city management."""
from __future__ import annotations

from typing import Any

from flask import Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from server.api import ProblemApi, declare_security, register_blueprints
from server import compression
from server.api.reads import register_read_logging
from server.auth.access_tokens import SigningKeys
from server.basemap.settings import SettingsError, basemap_settings
from server.config import load_config
from server.errors import register_error_handlers
from server.extensions import db, migrate
from server.http_limits import RequestLimits, apply_body_limit
from server.json_strict import StrictJSONProvider
from server.request_guard import register_request_guard
from server.url_converters import register_converters
from server.web import register_web_clients


class ZhiwangFlask(Flask):
    """Flask with strict JSON parsing of request bodies."""

    json_provider_class = StrictJSONProvider


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application: config, extensions, blueprints, errors, CLI."""
    app = ZhiwangFlask(__name__)
    load_config(app.config, config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        raise RuntimeError("Set DATABASE_URL to the PostGIS database, "
                           "e.g. postgresql://user@/zhiwang?host=/path/to/socket")
    app.extensions["zhiwang_keys"] = SigningKeys.from_config(app.config)
    try:
        app.extensions["zhiwang_basemap"] = basemap_settings(app.config)
    except SettingsError as error:
        raise RuntimeError(f"Base map settings: {error}") from None

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(app))
    register_converters(app)
    app.before_request(apply_body_limit)  # before the guard reads a form body
    register_request_guard(app)
    api = ProblemApi(app)
    declare_security(api)
    register_blueprints(api)
    register_read_logging(app)
    register_error_handlers(app)
    compression.init_app(app)
    _serve_docs_assets(app)
    register_web_clients(app)
    _wrap_wsgi(app)

    from server.cli import register_commands
    register_commands(app)
    return app


def _wrap_wsgi(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, read the client's address from
    X-Forwarded-For (login throttling keys on it); enforce the app's own HTTP limits."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.wsgi_app = RequestLimits(app, app.wsgi_app)  # type: ignore[method-assign]


def _migrations_dir(app: Flask) -> str:
    from pathlib import Path
    return str(Path(app.root_path).parent / "migrations")


def _serve_docs_assets(app: Flask) -> None:
    """Serve Swagger UI's files from the installed package: nothing is loaded from a CDN."""
    @app.route("/api/docs/static/<path:filename>")
    def swagger_ui_static(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(swagger_ui_path, filename, max_age=86400)
