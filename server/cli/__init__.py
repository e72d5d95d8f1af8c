"""Command-line interface: ``flask --app wsgi users|demo|grids|forms|jobs|departments|…``."""
from __future__ import annotations

from flask import Flask

from server.cli import setup, sharing


def register_commands(app: Flask) -> None:
    """Attach every command group to the app."""
    for group in setup.GROUPS + sharing.GROUPS:
        app.cli.add_command(group)
