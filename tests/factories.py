"""Plain factory functions for test data."""
from __future__ import annotations

import itertools
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from server.models import Role, User
from server.services.auth import create_user

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


def make_user(session: Session, *, role: Role = Role.collector, password: str = PASSWORD,
              **overrides: Any) -> User:
    """A user with a known password."""
    username = overrides.pop("username", f"user{next(_serial)}")
    user = create_user(session, username, role, password, overrides.pop("display_name", None))
    for name, value in overrides.items():
        setattr(user, name, value)
    session.flush()
    return user


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign in through the API and return the token response."""
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for an access token."""
    return {"Authorization": f"Bearer {token}"}
