"""What the command groups share: publishing a checked JSON definition the same way."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from server.errors import DomainError
from server.extensions import db


def publish_file(file: str, publish: Callable[[dict[str, Any]], Any]) -> Any:
    """Read a JSON definition and publish it; a problem ends the command naming file and field."""
    try:
        with open(file, encoding="utf-8") as handle:
            return publish(json.load(handle))
    except ValueError as error:
        raise click.ClickException(f"{file}: not valid JSON: {error}") from None
    except DomainError as error:
        db.session.rollback()
        for problem in error.errors or []:
            click.echo(f"  {file}: {problem['field']}: {problem['message']}", err=True)
        raise click.ClickException(f"{file}: {error.detail}") from None
