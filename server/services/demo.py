"""The demo data set: users now; grids, assignments and forms as they arrive."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Role, User
from server.services.auth import create_user

DEMO_USERS: tuple[tuple[str, Role, str], ...] = (
    ("admin", Role.admin, "系统管理员"),
    ("supervisor1", Role.supervisor, "坪山街道督导员"),
    ("viewer1", Role.viewer, "公安分局民警"),
    *((f"collector{n}", Role.collector, f"网格员{n:02d}") for n in range(1, 11)),
    ("roving1", Role.collector, "机动网格员01"),
)


def seed_demo(session: Session, password: str) -> Iterator[str]:
    """Create whatever of the demo data is missing; yield a line per thing done."""
    existing = set(session.scalars(select(User.username)))
    for username, role, display_name in DEMO_USERS:
        if username not in existing:
            create_user(session, username, role, password, display_name)
            yield f"user {username} ({role.value})"
    yield "demo data is in place"
