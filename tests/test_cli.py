"""The command line: users and demo data."""
from __future__ import annotations

from sqlalchemy import select

from server.models import User


def test_users_create_reads_the_password_from_stdin(app, session):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "zhao.lei", "--role", "supervisor", "--password-stdin",
              "--display-name", "赵磊"], input="a long password\n")
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "zhao.lei"))
    assert (user.role.value, user.display_name) == ("supervisor", "赵磊")


def test_users_create_refuses_an_unknown_role(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "x", "--role", "emperor", "--password-stdin"], input="pw\n")
    assert result.exit_code != 0


def test_users_create_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "x", "--role", "viewer", "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "8 characters" in result.output


def test_demo_seed_is_idempotent(app, session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    count = len(session.scalars(select(User)).all())
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert len(session.scalars(select(User)).all()) == count >= 3


def test_departments_grants_and_their_staff_from_the_command_line(app, session, tmp_path):
    from server.models import Grant
    from tests.factories import publish_repo_forms
    publish_repo_forms(session)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["departments", "create", "civil", "民政局"]).exit_code == 0
    grant = tmp_path / "grant.json"
    grant.write_text('{"kinds": ["resident"], "grids": "all", '
                     '"fields": {"resident": {"phone": "visible"}}}', encoding="utf-8")
    result = runner.invoke(args=["departments", "grant", "civil", str(grant)])
    assert result.exit_code == 0, result.output
    assert session.get(Grant, "civil").fields == {"resident": {"phone": "visible"}}
    result = runner.invoke(args=["users", "create", "clerk.li", "--role", "viewer",
                                 "--department", "civil", "--password-stdin"],
                           input="a long password\n")
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "clerk.li"))
    assert user.department_code == "civil"


def test_a_grant_file_naming_unknown_things_is_refused(app, session, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["departments", "create", "civil", "民政局"])
    grant = tmp_path / "grant.json"
    grant.write_text('{"kinds": ["spaceship"], "grids": "all"}', encoding="utf-8")
    result = runner.invoke(args=["departments", "grant", "civil", str(grant)])
    assert result.exit_code != 0 and "do not exist" in result.output
def test_attachments_gc_runs_now_or_queues_a_periodic_job(app, session):
    from server.models import Job
    runner = app.test_cli_runner()
    now = runner.invoke(args=["attachments", "gc", "--days", "14"])
    assert now.exit_code == 0 and "removed 0 unreferenced photos" in now.output, now.output
    queued = runner.invoke(args=["attachments", "gc", "--every-hours", "24"])
    assert queued.exit_code == 0, queued.output
    job = session.scalar(select(Job).where(Job.kind == "attachments_gc"))
    assert job.payload == {"days": 14, "every_hours": 24.0}
