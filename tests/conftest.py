"""Fixtures: one migrated PostGIS database per session, one rolled-back transaction per test."""
from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from server import create_app
from server.config import database_uri
from server.extensions import db

TEST_DB = "zhiwang_test"


def app_config(url: str, **overrides: Any) -> dict[str, Any]:
    """The config of a test app on ``url``."""
    return {"TESTING": True, "DATABASE_URL": url,
            "JWT_KEYS": {"test-1": secrets.token_urlsafe(48)}, "JWT_ACTIVE_KID": "test-1",
            "ATTACHMENTS_DIR": tempfile.mkdtemp(prefix="zhiwang-photos-"), **overrides}


def fresh_database(name: str) -> str:
    """Create (or re-create) an empty database in the throwaway cluster of ``make test``."""
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        raise RuntimeError("TEST_DATABASE_URL is not set: run the tests with `make test`")
    admin = create_engine(database_uri(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(database_uri(admin_url)).set(database=name).render_as_string(
        hide_password=False)


@pytest.fixture(scope="session")
def database_url() -> str:
    """A fresh, empty database for the migrated app."""
    return fresh_database(TEST_DB)


@pytest.fixture(scope="session")
def migrated_app(database_url: str) -> Flask:
    """The app, on a database built by the Alembic migrations (never create_all)."""
    from flask_migrate import upgrade
    app = create_app(app_config(database_url))
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def app(migrated_app: Flask) -> Iterator[Flask]:
    """The app with its engine swapped for one connection inside a transaction rolled back after."""
    with migrated_app.app_context():
        engines = db._app_engines[migrated_app]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection  # the session joins it through savepoints
        try:
            yield migrated_app
        finally:
            db.session.remove()
            outer.rollback()
            connection.close()
            engines[None] = engine


@pytest.fixture
def session(app: Flask) -> Session:
    """The app's session, inside the test's transaction."""
    return db.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client on the app."""
    return app.test_client()


@pytest.fixture
def committing_app(migrated_app: Flask) -> Iterator[Flask]:
    """For concurrency tests: real commits, every table emptied afterwards."""
    yield migrated_app
    with migrated_app.app_context():
        db.session.remove()
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
