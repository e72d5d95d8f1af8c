"""``flask emergencies …``: publish plans, declare, change and stand down warnings."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from server.domain.emergency_plan import HAZARD_LEVELS
from server.errors import DomainError
from server.extensions import db
from server.models import User

emergencies_cli = AppGroup("emergencies", help="Typhoon and rainstorm warnings and their plans.")
_USER = click.option("--user", "username", required=True,
                     help="Who declares (an administrator or duty officer; audited).")
LEVELS = sorted({level for levels in HAZARD_LEVELS.values() for level in levels})


@emergencies_cli.command("plan")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def publish_plan_command(files: tuple[str, ...]) -> None:
    """Check emergency plans (plans/*.json) and publish them as immutable versions."""
    from server.services.emergencies.plans import publish_plan
    for file in files:
        try:
            with open(file, encoding="utf-8") as handle:
                definition = json.load(handle)
        except ValueError as error:
            raise click.ClickException(f"{file}: not valid JSON: {error}") from None
        publication = _run(lambda: publish_plan(db.session, definition), file)
        state = "published" if publication.created else "already published, unchanged"
        click.echo(f"{publication.plan.hazard} plan v{publication.plan.version} {state}")


@emergencies_cli.command("declare")
@click.argument("hazard", type=click.Choice(list(HAZARD_LEVELS)))
@click.argument("level", type=click.Choice(LEVELS))
@click.option("--area", default=None, help="A street or community code (default: the district).")
@_USER
def declare_command(hazard: str, level: str, area: str | None, username: str) -> None:
    """Declare a warning: activate facilities, write check tasks, tell the departments."""
    from server.services.emergencies.declaration import declare
    done = _run(lambda: declare(db.session, _user(username), hazard, level, area), "declare")
    counts = done.counts
    click.echo(f"warning {done.emergency.id}: {hazard} {level} over {done.emergency.area_name}: "
               f"{counts.facilities if counts else 0} facilities, "
               f"{counts.created if counts else 0} tasks; told {', '.join(done.departments)}")


@emergencies_cli.command("level")
@click.argument("emergency_id", type=int)
@click.argument("level", type=click.Choice(LEVELS))
@_USER
def level_command(emergency_id: int, level: str, username: str) -> None:
    """Raise or lower a warning in force."""
    from server.services.emergencies.declaration import change_level
    done = _run(lambda: change_level(db.session, _user(username), emergency_id, level), "level")
    counts = done.counts
    click.echo(f"warning {emergency_id} now {level}: "
               + (f"{counts.created} tasks added, {counts.extended} extended"
                  if counts else "no new tasks"))


@emergencies_cli.command("stand-down")
@click.argument("emergency_id", type=int)
@_USER
def stand_down_command(emergency_id: int, username: str) -> None:
    """End a warning: close its open tasks."""
    from server.services.emergencies.declaration import stand_down
    _, closed = _run(lambda: stand_down(db.session, _user(username), emergency_id), "stand-down")
    click.echo(f"warning {emergency_id} stood down: {closed} open tasks closed")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username}")
    return user


def _run(action: Callable[[], Any], what: str) -> Any:
    """Run a use case and commit, or roll back and explain."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        for problem in error.errors or []:
            click.echo(f"  {what}: {problem['field']}: {problem['message']}", err=True)
        raise click.ClickException(f"{what}: {error.detail}") from None
    db.session.commit()
    return result
