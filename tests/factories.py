"""Plain factory functions for test data."""
from __future__ import annotations

import functools
import itertools
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from server.models import Role, User
from server.auth.passwords import hash_password

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


@functools.cache
def _password_hash(password: str) -> str:
    return hash_password(password)  # argon2 is slow on purpose: hash each password once


def make_user(session: Session, *, role: Role = Role.collector, password: str = PASSWORD,
              **overrides: Any) -> User:
    """A user with a known password."""
    username = overrides.pop("username", f"user{next(_serial)}")
    user = User(username=username, role=role, password_hash=_password_hash(password),
                display_name=overrides.pop("display_name", None) or username, **overrides)
    session.add(user)
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


ORIGIN = (114.30, 22.70)
CELL = 0.01


def lattice_collection(columns: int = 3, rows: int = 3, prefix: str = "T") -> dict[str, Any]:
    """A GeoJSON tiling of square grids, ``{prefix}-{row}{column}``, row 1 in the south."""
    features = []
    for row in range(rows):
        for column in range(columns):
            x, y = ORIGIN[0] + column * CELL, ORIGIN[1] + row * CELL
            ring = [[x, y], [x + CELL, y], [x + CELL, y + CELL], [x, y + CELL], [x, y]]
            code = f"{prefix}-{row + 1}{column + 1}"
            features.append({"type": "Feature",
                             "geometry": {"type": "Polygon", "coordinates": [ring]},
                             "properties": {"code": code, "name": f"测试网格{code}",
                                            "street_code": "S1", "street_name": "测试街道",
                                            "community_code": "C1", "community_name": "测试社区"}})
    return {"type": "FeatureCollection", "features": features}


def make_grids(session: Session, columns: int = 3, rows: int = 3) -> dict[str, Any]:
    """Import a lattice of grids and return them by code."""
    from sqlalchemy import select

    from server.models import Grid
    from server.services.grid_import import import_grids
    import_grids(session, lattice_collection(columns, rows))
    return {g.code: g for g in session.scalars(select(Grid))}


def make_assignment(session: Session, user: User, grid: Any, kind: str = "primary",
                    **overrides: Any) -> Any:
    """An assignment written directly, without the service's rules."""
    from server.models import Assignment, AssignmentKind
    assignment = Assignment(user_id=user.id, grid_id=grid.id, kind=AssignmentKind(kind),
                            **overrides)
    session.add(assignment)
    session.flush()
    return assignment


def make_id_card(serial: int, born: str = "19900101", region: str = "440310") -> str:
    """A valid 18-digit ID-card number (GB 11643 check character included); born is YYYYMMDD."""
    from datetime import date

    from server.domain.id_card import synthetic_id_card
    return synthetic_id_card(region, date.fromisoformat(born), serial % 1000)


def resident_data(serial: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid resident submission's data (form resident v1)."""
    data = {"name": "李晓红", "id_card": make_id_card(serial, born=f"19{60 + serial // 1000 % 40}0815"),
            "gender": "2", "birth_date": f"19{60 + serial // 1000 % 40}-08-15",
            "household_type": "registered", "ethnicity": "01", "phone": "13925481736",
            "hukou_address": "广东省深圳市坪山区", "residence_type": "own",
            "current_address": "坪山区坑梓街道秀新社区新桥围二巷8号302"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def publish_repo_forms(session: Session) -> None:
    """Publish every form in forms/."""
    import json
    from pathlib import Path

    from server.services.forms import publish_form
    for path in sorted((Path(__file__).resolve().parents[1] / "forms").glob("*.json")):
        publish_form(session, json.loads(path.read_text(encoding="utf-8")))


def sync_item(data: dict[str, Any] | None = None, *, form: str = "resident", lon: float = 114.305,
              lat: float = 22.705, **overrides: Any) -> dict[str, Any]:
    """One upload item, by default a resident created inside grid T-11 of the lattice."""
    import uuid
    from datetime import datetime, timezone
    item = {"id": str(uuid.uuid4()), "form": form, "form_version": 1,
            "captured_at": datetime.now(timezone.utc).isoformat(),
            "location": {"lon": lon, "lat": lat, "accuracy_m": 5},
            "data": data if data is not None else resident_data()}
    item.update(overrides)
    return item


def sync_batch(*items: dict[str, Any], device_id: str = "phone-1",
               batch_id: str | None = None) -> dict[str, Any]:
    """An upload batch."""
    import uuid
    return {"batch_id": batch_id or str(uuid.uuid4()), "device_id": device_id,
            "items": list(items)}
