"""A district with events: the lattice district, the handling standard, two departments, and a
user of every role that touches events. Import ``world`` into a test module to use it."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from server.extensions import db
from server.models import Role
from server.services.departments import create_department
from server.services.events.standard import publish_standard
from server.services.events.workflow import take_action
from tests.api.conftest import MONTH_AGO, District, _district
from tests.factories import bearer, make_assignment, make_user, sign_in, sync_batch, sync_item

STANDARD = Path(__file__).resolve().parents[2] / "standards" / "event.v1.json"
T11 = (114.305, 22.705)   # inside T-11 (li.na's grid, supervised by "sup")
T33 = (114.325, 22.725)   # inside T-33 (wang's grid, supervised by "sup33")


def event_data(**overrides: Any) -> dict[str, Any]:
    """A valid event report (form event v1): exposed garbage (4 hours to handle)."""
    data = {"category": "env.exposed_garbage", "description": "路口堆放生活垃圾约两立方",
            "location_description": "坪山大道与龙翔路交叉口东北角", "source": "patrol"}
    return {k: v for k, v in {**data, **overrides}.items() if v is not None}


@dataclass
class World:
    """Tokens by role name, and helpers to report and move events."""

    district: District
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    @property
    def client(self) -> Any:
        return self.district.client

    @property
    def session(self) -> Any:
        return self.district.session

    def report(self, where: tuple[float, float] = T11, token: str | None = None,
               **data: Any) -> str:
        """A collector reports an event through a sync batch; returns its record id."""
        item = sync_item(event_data(**data), form="event", lon=where[0], lat=where[1])
        [result] = self.district.results(sync_batch(item), token or self.tokens["collector"])
        assert result["status"] == "merged", result
        return result["record_id"]

    def act(self, role: str, event_id: str, action: str, **body: Any) -> Any:
        """POST a transition as the user of ``role``."""
        return self.client.post(f"/api/v1/events/{event_id}/transitions",
                                json={"action": action, **body}, headers=bearer(self.tokens[role]))

    def get(self, role: str, path: str, **query: Any) -> Any:
        """GET an events path as the user of ``role``."""
        return self.client.get(f"/api/v1/events{path}", query_string=query,
                               headers=bearer(self.tokens[role]))

    def event_in(self, state: str) -> str:
        """A new event of T-11 brought to ``state`` (dispatched to urban on the way)."""
        event_id = self.report()
        for role, action, body in PATHS[state]:
            response = self.act(role, event_id, action, **body)
            assert response.status_code == 200, response.get_json()
        return event_id

    def move_at(self, event_id: str, role: str, action: str, at: datetime, **options: Any) -> None:
        """Take an action as if at another moment (the service, to set the clock)."""
        take_action(self.session, self.users[role], uuid.UUID(event_id), action, now=at,
                    **options)


_REGISTER = [("supervisor", "register", {})]
_DISPATCH = _REGISTER + [("supervisor", "dispatch", {"department": "urban"})]
_HANDLE = _DISPATCH + [("urban", "handle", {"note": "已清运"})]
_VERIFY = _HANDLE + [("collector", "verify", {"result": "fixed"})]
PATHS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "reported": [], "registered": _REGISTER, "dispatched": _DISPATCH,
    "returned": _DISPATCH + [("urban", "return", {"note": "不属于城管职责"})],
    "handled": _HANDLE, "verified": _VERIFY, "closed": _VERIFY + [("supervisor", "close", {})],
    "rejected": [("supervisor", "reject", {"note": "不属于城市管理问题"})],
}


@pytest.fixture
def world(client, session) -> World:
    return _world(client, session)


@pytest.fixture
def committed_world(committing_app) -> Iterator[World]:
    """The same world really committed: for the change feed, which shows committed changes."""
    with committing_app.app_context():
        made = _world(committing_app.test_client(), db.session)
        db.session.commit()
        yield made
        db.session.rollback()


def _world(client: Any, session: Any) -> World:
    district = _district(client, session)
    publish_standard(session, json.loads(STANDARD.read_text(encoding="utf-8")))
    for code, name in (("urban", "城市管理局"), ("police", "公安分局")):
        create_department(session, None, code, name)
    w = World(district)
    w.users["collector"] = district.collector
    people = [("supervisor", Role.supervisor, None, ("T-11", "supervises")),
              ("other_supervisor", Role.supervisor, None, ("T-33", "supervises")),
              ("admin", Role.admin, None, None),
              ("urban", Role.viewer, "urban", None), ("police", Role.viewer, "police", None),
              ("viewer", Role.viewer, None, None),
              ("other_collector", Role.collector, None, ("T-33", "primary"))]
    for name, role, department, assignment in people:
        user = make_user(session, role=role, username=f"{name}.user", department_code=department)
        if assignment:
            make_assignment(session, user, district.grids[assignment[0]], assignment[1],
                            valid_from=MONTH_AGO)
        w.users[name] = user
        w.tokens[name] = sign_in(client, user.username)["access_token"]
    w.tokens["collector"] = district.token
    return w


def hours_ago(hours: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(hours=hours)
