"""Command-line interface: ``flask --app wsgi users|demo …``."""
from __future__ import annotations

import json
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
grids_cli = AppGroup("grids", help="Grid boundaries.")
forms_cli = AppGroup("forms", help="Form definitions.")
jobs_cli = AppGroup("jobs", help="Background jobs.")
departments_cli = AppGroup("departments", help="Departments and what they are granted.")
records_cli = AppGroup("records", help="The resource database.")
events_cli = AppGroup("events", help="The event workflow.")
attachments_cli = AppGroup("attachments", help="Photos.")
webhooks_cli = AppGroup("webhooks", help="Webhook subscriptions.")

DEMO_PASSWORD_ENV = "ZHIWANG_DEMO_PASSWORD"
DEFAULT_DEMO_PASSWORD = "zhiwang-demo"


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--display-name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--department", default=None, help="The department of a viewer (department staff).")
def create_user_command(username: str, role: str, display_name: str | None,
                        password_stdin: bool, department: str | None) -> None:
    """Create a user; the password is read from stdin or prompted for."""
    from server.models import Department
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} already exists")
    if department and db.session.get(Department, department) is None:
        raise click.ClickException(f"no department {department!r}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    user = create_user(db.session, username, Role(role), password, display_name)
    user.department_code = department
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


@demo_cli.command("basemap")
@click.argument("file", type=click.Path(dir_okay=False))
def demo_basemap_command(file: str) -> None:
    """Write the synthetic base map of the demo grids to an MBTiles FILE (unless up to date)."""
    from pathlib import Path
    from server.basemap.demo import build_demo_package
    from server.services.demo import DEMO_GRIDS
    click.echo(build_demo_package(Path(file), DEMO_GRIDS))


@grids_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--replace", is_flag=True, help="Retire active grids that the file lacks.")
@click.option("--repair", is_flag=True, help="Repair invalid geometries instead of refusing them.")
def import_grids_command(file: str, replace: bool, repair: bool) -> None:
    """Check a GeoJSON file of grids and import it in one transaction."""
    from server.errors import Invalid
    from server.services.grid_import import import_grids
    try:
        with open(file, encoding="utf-8") as handle:
            collection = json.load(handle)
    except (OSError, ValueError) as error:
        raise click.ClickException(f"{file}: not a readable GeoJSON file: {error}") from None
    try:
        report = import_grids(db.session, collection, replace=replace, repair=repair)
    except Invalid as error:
        db.session.rollback()
        for problem in error.errors or []:
            click.echo(f"  {problem['field']}: {problem['message']}", err=True)
        raise click.ClickException(error.detail) from None
    db.session.commit()
    for warning in report.warnings:
        click.echo(f"  warning: {warning}")
    click.echo(f"added {len(report.added)}, changed {len(report.changed)}, "
               f"unchanged {len(report.unchanged)}, retired {len(report.retired)}")


@forms_cli.command("publish")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def publish_forms_command(files: tuple[str, ...]) -> None:
    """Check form definitions and store each as an immutable version."""
    from server.errors import DomainError
    from server.services.forms import publish_form
    for file in files:
        try:
            with open(file, encoding="utf-8") as handle:
                definition = json.load(handle)
            publication = publish_form(db.session, definition)
        except ValueError as error:
            raise click.ClickException(f"{file}: not valid JSON: {error}") from None
        except DomainError as error:
            db.session.rollback()
            for problem in error.errors or []:
                click.echo(f"  {file}: {problem['field']}: {problem['message']}", err=True)
            raise click.ClickException(f"{file}: {error.detail}") from None
        form = publication.form
        state = "published" if publication.created else "already published, unchanged"
        click.echo(f"{form.form_id} v{form.version} {state} (sha256 {form.sha256[:12]}…)")
    db.session.commit()


@forms_cli.command("retire")
@click.argument("form_id")
@click.argument("version", type=int)
def retire_form_command(form_id: str, version: int) -> None:
    """Retire a form version: captures made before now still validate."""
    from server.errors import DomainError
    from server.services.forms import retire_form
    try:
        retire_form(db.session, form_id, version)
    except DomainError as error:
        raise click.ClickException(error.detail) from None
    db.session.commit()
    click.echo(f"{form_id} v{version} retired")


@jobs_cli.command("work")
@click.option("--once", is_flag=True, help="Run the jobs that are due, then stop.")
@click.option("--kind", "kinds", multiple=True, help="Only jobs of this kind (repeatable).")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks for work.")
def work_command(once: bool, kinds: tuple[str, ...], poll: float) -> None:
    """Run background jobs (exports, imports, deliveries…) until stopped."""
    from flask import current_app

    from server.config import libpq_dsn
    from server.services.jobs.worker import work, worker_name
    click.echo(f"job worker {worker_name()} started")
    # db.session() is the Session itself: the scoped proxy is not a context manager.
    work(lambda: db.session(), libpq_dsn(current_app.config["SQLALCHEMY_DATABASE_URI"]),
         list(kinds) or None, once=once, poll_seconds=poll)


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
def retry_job_command(job_id: int) -> None:
    """Queue a failed job again, with its attempts reset."""
    from server.models import Job, JobState
    job = db.session.get(Job, job_id)
    if job is None or job.state != JobState.failed:
        raise click.ClickException(f"no failed job {job_id}")
    job.state, job.attempts, job.error = JobState.queued, 0, None
    db.session.commit()
    click.echo(f"job {job_id} queued again")


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
    from server.services.imports.job import run_here
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
    from server.errors import DomainError
    from server.services.events.standard import publish_standard
    try:
        with open(file, encoding="utf-8") as handle:
            publication = publish_standard(db.session, json.load(handle))
    except ValueError as error:
        raise click.ClickException(f"{file}: not valid JSON: {error}") from None
    except DomainError as error:
        db.session.rollback()
        for problem in error.errors or []:
            click.echo(f"  {file}: {problem['field']}: {problem['message']}", err=True)
        raise click.ClickException(f"{file}: {error.detail}") from None
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


def register_commands(app: Flask) -> None:
    """Attach the command groups to the app."""
    from server.emergency_cli import emergencies_cli
    app.cli.add_command(emergencies_cli)
    app.cli.add_command(events_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(departments_cli)
    app.cli.add_command(records_cli)
    app.cli.add_command(attachments_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(forms_cli)
    app.cli.add_command(grids_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
