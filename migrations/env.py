"""Alembic environment: the app's engine and metadata, PostGIS-aware via GeoAlchemy2."""
from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from geoalchemy2 import alembic_helpers

from server.models.migration_filter import include_object

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name)

target_metadata = current_app.extensions["migrate"].db.metadata


def run_migrations_online() -> None:
    """Run the migrations on the app's database."""
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
