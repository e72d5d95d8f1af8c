"""The schema comes from Alembic alone, and the migrations match the models exactly."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from server.config import database_uri
from server.extensions import db
from server.models.migration_filter import include_object


def test_upgrade_from_empty_database_matches_the_models(migrated_app, database_url):
    engine = create_engine(database_uri(database_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True})
        differences = compare_metadata(context, db.metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_installs_postgis(session):
    assert session.execute(text("SELECT extname FROM pg_extension WHERE extname='postgis'")
                           ).scalar() == "postgis"
