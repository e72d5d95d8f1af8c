"""Command-line interface: ``flask --app wsgi users|demo …``."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from server.extensions import db
from server.models import Role, User
from server.services.auth import create_user

users_cli = AppGroup("users", help="Manage users.")
demo_cli = AppGroup("demo", help="Demo data for a first look.")

DEMO_PASSWORD_ENV = "ZHIWANG_DEMO_PASSWORD"
DEFAULT_DEMO_PASSWORD = "zhiwang-demo"


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--display-name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(username: str, role: str, display_name: str | None,
                        password_stdin: bool) -> None:
    """Create a user; the password is read from stdin or prompted for."""
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} already exists")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    create_user(db.session, username, Role(role), password, display_name)
    db.session.commit()
    click.echo(f"created {role} {username}")


@users_cli.command("disable")
@click.argument("username")
def disable_user_command(username: str) -> None:
    """Disable a user: their tokens stop working at once."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    user.is_active = False
    db.session.commit()
    click.echo(f"disabled {username}")


@demo_cli.command("seed")
def demo_seed_command() -> None:
    """Load the demo data; running it again changes nothing."""
    from server.services.demo import seed_demo
    import os
    password = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD)
    for line in seed_demo(db.session, password):
        click.echo(line)
    db.session.commit()


def register_commands(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
