"""Each test runs in its own transaction: nothing it writes is seen by the next."""
from __future__ import annotations

from sqlalchemy import select

from server.models import User
from tests.factories import make_user

PROBE = "isolation-probe"


def _probe_absent_then_create(session) -> None:
    assert session.scalar(select(User).where(User.username == PROBE)) is None
    make_user(session, username=PROBE)
    session.commit()  # even a commit inside a test only releases a savepoint


def test_first_writer_leaves_nothing_behind(session):
    _probe_absent_then_create(session)


def test_second_writer_sees_nothing_of_the_first(session):
    _probe_absent_then_create(session)
