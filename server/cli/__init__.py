"""Command-line interface: ``flask --app wsgi users|demo|grids|forms|jobs|departments|warnings|emergencies|…``."""
from __future__ import annotations

from flask import Flask

from server.cli import setup, sharing
from server.cli.emergencies import emergencies_cli
from server.cli.warnings import warnings_cli


def register_commands(app: Flask) -> None:
    """Attach every command group to the app."""
    for group in (*setup.GROUPS, *sharing.GROUPS, warnings_cli, emergencies_cli):
        app.cli.add_command(group)
