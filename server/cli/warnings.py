"""``flask warnings …``: the warning model, department indicator files, the monthly run."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from server.extensions import db

warnings_cli = AppGroup("warnings", help="Labour-dispute warnings and the economic run.")


def _fail(file: str, error: Exception) -> click.ClickException:
    db.session.rollback()
    for problem in getattr(error, "errors", None) or []:
        click.echo(f"  {file}: {problem['field']}: {problem['message']}", err=True)
    return click.ClickException(f"{file}: {getattr(error, 'detail', error)}")


@warnings_cli.command("model")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def publish_model_command(file: str) -> None:
    """Check a warning model (signals, weights, level bands) and publish it."""
    from server.errors import DomainError
    from server.services.warnings.model import publish_model
    try:
        with open(file, encoding="utf-8") as handle:
            publication = publish_model(db.session, json.load(handle))
    except ValueError as error:
        raise click.ClickException(f"{file}: not valid JSON: {error}") from None
    except DomainError as error:
        raise _fail(file, error) from None
    db.session.commit()
    state = "published" if publication.created else "already published, unchanged"
    click.echo(f"warning model v{publication.model.version} {state}")


@warnings_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--department", default=None, help="The department that delivered the file.")
def import_indicators_command(file: str, department: str | None) -> None:
    """Import a department's indicator file (credit_code,month,indicator,value) as a job."""
    from server.errors import DomainError
    from server.services.indicators import start_indicator_import
    from server.services.jobs.worker import run_here
    try:
        job = start_indicator_import(db.session, Path(file), file, department, None)
    except DomainError as error:
        raise _fail(file, error) from None
    result = run_here(db.session, job, lambda p: click.echo(
        f"  {p['rows']:,} rows: {p['written']:,} written, {p['rejected']:,} rejected", err=True))
    click.echo(f"{result['written']:,} values written, {result['rejected']:,} rows rejected")
    for rejection in result["rejections"][:20]:
        reasons = "; ".join(f"{e['field']}: {e['message']}" for e in rejection["errors"])
        click.echo(f"  row {rejection['row']}: {reasons}")


@warnings_cli.command("run")
@click.option("--month", required=True, help="The month to run, YYYY-MM.")
def run_command(month: str) -> None:
    """Run a month: warnings (orange/red dispatched to the labour department), then the
    economic indicators. Running a month again is harmless."""
    from server.domain.indicators import parse_month
    from server.errors import DomainError
    from server.services.jobs.worker import run_here
    from server.services.warnings.job import enqueue_run
    first_day = parse_month(month)
    if first_day is None:
        raise click.BadParameter("not a month YYYY-MM", param_hint="--month")
    job = enqueue_run(db.session, first_day, None)
    try:
        result = run_here(db.session, job, lambda p: None)
    except DomainError as error:
        raise click.ClickException(error.detail) from None
    levels = ", ".join(f"{k} {v:,}" for k, v in sorted(result["levels"].items())) or "none"
    d = result["dispatch"]
    click.echo(f"{result['month']} (model v{result['model_version']}): warnings {levels}; "
               f"events {d['dispatched']} dispatched, {d['escalated']} escalated, "
               f"{d['under_handling']} already under handling; "
               f"economy: {result['economy_areas']} areas")
    if d.get("skipped"):
        click.echo(f"  dispatch skipped: {d['skipped']}", err=True)


@warnings_cli.command("demo")
@click.option("--enterprises", type=click.IntRange(10, 100_000), default=2000)
@click.option("--months", type=click.IntRange(13, 60), default=36)
@click.option("--end", default="2026-10", help="The last month, YYYY-MM.")
@click.option("--seed", type=int, default=7)
def demo_command(enterprises: int, months: int, end: str, seed: int) -> None:
    """Load a synthetic district (server/services/warnings/synthetic.py) into an empty
    indicator store and run every month from the seventh on: for a first look and screenshots."""
    from sqlalchemy import text

    from server.domain.indicators import parse_month
    from server.services.warnings.economy import run_economy
    from server.services.warnings.run import run_warnings
    from server.services.warnings.synthetic import copy_values, generate, load_enterprises
    last = parse_month(end)
    if last is None:
        raise click.BadParameter("not a month YYYY-MM", param_hint="--end")
    if db.session.scalar(text("SELECT count(*) FROM indicator_values")):
        raise click.ClickException("the indicator store is not empty: demo data goes into an "
                                   "empty one only")
    district = generate(enterprises, months, last, seed)
    click.echo(f"{load_enterprises(db.session, district):,} enterprises created", err=True)
    click.echo(f"{copy_values(db.session, district):,} indicator values loaded", err=True)
    db.session.commit()
    for month in district.months[6:]:
        summary = run_warnings(db.session, month)
        run_economy(db.session, month)
        db.session.commit()
        click.echo(f"{month:%Y-%m}: {summary.levels} {summary.dispatch}", err=True)
    click.echo(f"synthetic district loaded ({len(district.truth)} planted disputes, not stored)")
