"""Commands over the resource database and what it is shared with: departments and grants,
imports, events, photos, webhooks."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from server.cli.common import publish_file
from server.extensions import db
from server.models import Role, User

departments_cli = AppGroup("departments", help="Departments and what they are granted.")
records_cli = AppGroup("records", help="The resource database.")
events_cli = AppGroup("events", help="The event workflow.")
attachments_cli = AppGroup("attachments", help="Photos.")
webhooks_cli = AppGroup("webhooks", help="Webhook subscriptions.")


@departments_cli.command("create")
@click.argument("code")
@click.argument("name")
def create_department_command(code: str, name: str) -> None:
    """Add a department."""
    from server.errors import DomainError
    from server.services.departments import create_department
    try:
        create_department(db.session, None, code, name)
    except DomainError as error:
        raise click.ClickException(error.detail) from None
    db.session.commit()
    click.echo(f"department {code} created")


@departments_cli.command("grant")
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def grant_command(code: str, file: str) -> None:
    """Replace a department's grant with FILE: {kinds, grids, fields} as in the API."""
    from marshmallow import ValidationError

    from server.api.departments import GrantSchema
    from server.errors import DomainError
    from server.services.departments import put_grant
    admin = db.session.scalar(select(User).where(User.role == Role.admin).order_by(User.id))
    try:
        with open(file, encoding="utf-8") as handle:
            body = GrantSchema().load(json.load(handle))
        put_grant(db.session, admin.id if admin else None, code, body["kinds"], body["grids"],
                  body["fields"])
    except (ValueError, ValidationError, DomainError) as error:
        raise click.ClickException(f"{file}: {getattr(error, 'detail', error)}") from None
    db.session.commit()
    click.echo(f"grant of {code} replaced")


@records_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--form", "form_id", required=True, help="The form (latest published version).")
@click.option("--dry-run", is_flag=True, help="Only report what the import would do.")
@click.option("--user", "username", default=None,
              help="The user the history names (default: the command line).")
@click.option("--report", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the whole report, every rejected row included, as JSON here.")
def import_records_command(file: str, form_id: str, dry_run: bool, username: str | None,
                           report: str | None) -> None:
    """Import records from a CSV or XLSX file (first row: field names), as a resumable job."""
    from pathlib import Path

    from server.errors import DomainError
    from server.services.imports import start_import
    from server.services.jobs.worker import run_here
    from server.services.imports.report import full_report, report_lines
    user = None
    if username is not None:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username!r}")
    try:
        job = start_import(db.session, form_id, Path(file), file, dry_run, user)
    except DomainError as error:
        db.session.rollback()
        for problem in error.errors or []:
            where = f" (column {problem['column']})" if problem.get("column") else ""
            click.echo(f"  {problem['field']}{where}: {problem['message']}", err=True)
        raise click.ClickException(error.detail) from None
    click.echo(f"job {job.id}: {'dry run of ' if dry_run else ''}{file} into {form_id}", err=True)
    result = run_here(db.session, job, lambda p: click.echo(
        f"  {p['done']:,} rows: {p['created']:,} created, {p['updated']:,} updated, "
        f"{p['unchanged']:,} unchanged, {p['rejected']:,} rejected", err=True))
    for line in report_lines(result):
        click.echo(line)
    if report:
        Path(report).write_text(json.dumps(full_report(db.session, job.id, result),
                                           ensure_ascii=False, indent=1), encoding="utf-8")


@events_cli.command("standard")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def publish_standard_command(file: str) -> None:
    """Check an event handling standard (time limits per category) and publish it."""
    from server.services.events.standard import publish_standard
    publication = publish_file(file, lambda d: publish_standard(db.session, d))
    db.session.commit()
    state = "published" if publication.created else "already published, unchanged"
    click.echo(f"event standard v{publication.standard.version} {state}")


@attachments_cli.command("gc")
@click.option("--days", type=float, default=None,
              help="Remove unreferenced photos stored longer ago than this "
                   "(default ZHIWANG_ATTACHMENTS_GC_DAYS).")
@click.option("--every-hours", type=float, default=None,
              help="Instead of collecting now, queue a job that collects every N hours.")
def attachments_gc_command(days: float | None, every_hours: float | None) -> None:
    """Remove photos that no record version or item references, and abandoned uploads."""
    from flask import current_app

    from server.services.attachments.maintenance import collect_garbage, delete_bytes
    from server.services.attachments.store import store_of
    from server.services.jobs import enqueue
    days = current_app.config["ATTACHMENTS_GC_DAYS"] if days is None else days
    if every_hours:
        job = enqueue(db.session, "attachments_gc", {"days": days, "every_hours": every_hours})
        db.session.commit()
        click.echo(f"job {job.id} queued: collects every {every_hours:g} h")
        return
    photos, uploads = collect_garbage(db.session, days)
    db.session.commit()
    delete_bytes(store_of(current_app), photos, uploads)
    click.echo(f"removed {len(photos)} unreferenced photos and {len(uploads)} abandoned uploads "
               f"older than {days:g} days")


@webhooks_cli.command("reseal")
def reseal_webhooks_command() -> None:
    """Seal every signing secret under the active key (after adding a key), so older keys can
    be removed from ZHIWANG_WEBHOOK_SECRET_KEYS."""
    from flask import current_app

    from server.errors import DomainError
    from server.services.webhooks.secrets import reseal_secrets
    from server.services.webhooks.settings import WebhookSettings
    try:
        count = reseal_secrets(db.session, WebhookSettings.from_config(current_app.config))
    except (KeyError, ValueError, DomainError) as error:
        raise click.ClickException(str(getattr(error, "detail", error))) from None
    db.session.commit()
    click.echo(f"{count} webhook secrets sealed under the active key")

GROUPS = (departments_cli, records_cli, events_cli, attachments_cli, webhooks_cli)
