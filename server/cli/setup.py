"""Commands that set the district up and keep it running: users, demo data, grids, forms, jobs."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from server.cli.common import publish_file
from server.extensions import db
from server.models import Role, User
from server.services.auth import create_user

DEMO_PASSWORD_ENV = "ZHIWANG_DEMO_PASSWORD"
DEFAULT_DEMO_PASSWORD = "zhiwang-demo"

users_cli = AppGroup("users", help="Manage users.")
demo_cli = AppGroup("demo", help="Demo data for a first look.")
grids_cli = AppGroup("grids", help="Grid boundaries.")
forms_cli = AppGroup("forms", help="Form definitions.")
jobs_cli = AppGroup("jobs", help="Background jobs.")


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
    from server.services.forms import publish_form
    for file in files:
        publication = publish_file(file, lambda d: publish_form(db.session, d))
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

GROUPS = (users_cli, demo_cli, grids_cli, forms_cli, jobs_cli)
