"""Configuration: defaults here, then the environment (``ZHIWANG_*`` and ``DATABASE_URL``)."""
from __future__ import annotations

import os
from typing import Any

from flask import Config

from server.domain.webhook_urls import DEFAULT_DENIED


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


def database_uri(url: str) -> str:
    """Use psycopg 3 whatever PostgreSQL scheme the URL names."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def libpq_dsn(uri: str) -> str:
    """A SQLAlchemy URL as a plain libpq connection string (for psycopg used directly)."""
    return uri.replace("postgresql+psycopg://", "postgresql://", 1)
