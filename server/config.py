"""Configuration: defaults here, then the environment (``ZHIWANG_*`` and ``DATABASE_URL``)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Config

from server.domain.webhook_urls import DEFAULT_DENIED

ROOT = Path(__file__).resolve().parents[1]


class Defaults:
    """Defaults for every setting; each can be overridden by ``ZHIWANG_<NAME>``."""

    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    JWT_ISSUER = "zhiwang"
    JWT_AUDIENCE = "zhiwang-api"
    JWT_ALGORITHMS = ["HS256"]
    # {kid: secret}; the active kid signs, every listed kid verifies (key rotation).
    JWT_KEYS: dict[str, str] = {}
    JWT_ACTIVE_KID: str | None = None
    ACCESS_TOKEN_SECONDS = 15 * 60
    REFRESH_TOKEN_DAYS = 30
    REVIEW_CLAIM_MINUTES = 15
    # Reverse proxies in front of the app that set X-Forwarded-For (nginx: 1). The client's
    # address is what login throttling keys on; 0 takes the peer address as it is.
    TRUSTED_PROXIES = 0
    # Where files live while a job works on them (uploaded imports, export results); relative
    # to the checkout.
    # Workers on other machines need the same directory (a shared mount).
    DATA_DIR = "var"
    MAX_IMPORT_BYTES = 256 * 1024 * 1024  # an uploaded import file (other bodies: MAX_CONTENT_LENGTH)
    # An export of up to this many records is streamed; a larger one runs as a job.
    EXPORT_STREAM_ROWS = 20_000
    EXPORT_KEEP_HOURS = 72  # a finished export's file is deleted after this long

    # The base map (server/basemap/settings.py): "none", "package" or an XYZ source object;
    # unset: the tile package when one is set, else none.
    BASEMAP: str | dict[str, Any] | None = None
    TILE_PACKAGE: str | None = None  # an MBTiles file the server serves at /tiles/
    TILE_MAX_AGE = 86400  # seconds browsers may keep a tile
    OFFLINE_TILES: dict[str, Any] = {}  # {min_zoom, max_zoom, max_mb}; defaults 15, 18, 120

    # Photos: "fs" keeps blobs under ATTACHMENTS_DIR (default var/attachments of the checkout);
    # "s3" in the bucket of ATTACHMENTS_S3 = {"bucket", "endpoint_url"?, "region_name"?,
    # "access_key_id"?, "secret_access_key"?, "prefix"?} (any S3-compatible store).
    ATTACHMENTS_STORE = "fs"
    ATTACHMENTS_DIR: str | None = None
    ATTACHMENTS_S3: dict[str, str] = {}
    ATTACHMENTS_MAX_BYTES = 10 * 1024 * 1024      # Tus-Max-Size: the largest photo accepted
    ATTACHMENTS_GC_DAYS = 14                      # unreferenced blobs older than this are removed
    ATTACHMENTS_THUMB_EDGE = 320                  # long edge of thumbnails, in pixels

    # Webhooks (services/webhooks): {kid: key} sealing the signing secrets at rest (the active
    # kid seals new ones); where deliveries may go (domain/webhook_urls.py); timing.
    WEBHOOK_SECRET_KEYS: dict[str, str] = {}
    WEBHOOK_SECRET_ACTIVE_KID: str | None = None
    WEBHOOK_SCHEMES = ["https", "http"]
    WEBHOOK_ALLOWED_HOSTS: list[str] = []
    WEBHOOK_DENIED_NETWORKS = list(DEFAULT_DENIED)
    WEBHOOK_TIMEOUT_SECONDS = 10
    WEBHOOK_RETRY_HOURS = 24

    API_TITLE = "Zhiwang API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "v1/openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/docs/static/"


def load_config(config: Config, overrides: dict[str, Any] | None) -> None:
    """Fill ``config`` from the defaults, then the environment, then explicit overrides."""
    config.from_object(Defaults)
    config.from_prefixed_env("ZHIWANG")
    if "DATABASE_URL" in os.environ:
        config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    config.update(overrides or {})
    if config.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = database_uri(config["DATABASE_URL"])


def data_dir(config: Config | dict[str, Any]) -> Path:
    """The data directory (``ZHIWANG_DATA_DIR``) as an absolute path."""
    return ROOT / str(config.get("DATA_DIR") or "var")


def database_uri(url: str) -> str:
    """Use psycopg 3 whatever PostgreSQL scheme the URL names."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def libpq_dsn(uri: str) -> str:
    """A SQLAlchemy URL as a plain libpq connection string (for psycopg used directly)."""
    return uri.replace("postgresql+psycopg://", "postgresql://", 1)
