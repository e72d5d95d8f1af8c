"""A district ready for warnings: the lattice (T-1x, T-2x in street S1; T-3x in street S2), the
forms, the plans, the departments they name, a duty officer, collectors and facilities.
Import ``eworld`` into a test module to use it."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from server.models import Role
from server.services.departments import create_department, put_grant
from server.services.disclosure import validator
from server.services.emergencies.plans import publish_plan
from server.services.record_store import VersionWrite, create_records
from tests.api.conftest import MONTH_AGO, District, _district
from tests.factories import bearer, make_assignment, make_user, sign_in

PLANS = Path(__file__).resolve().parents[2] / "plans"
CENTRE = {"T-11": (114.305, 22.705), "T-12": (114.315, 22.705), "T-33": (114.325, 22.725),
          "T-31": (114.305, 22.725)}
_serial = iter(range(1, 10**6))

FACILITY_DATA: dict[str, dict[str, Any]] = {
    "construction_site": {"tower_cranes": 2, "work_at_height": "yes", "workers": 80},
    "billboard": {"mounting": "rooftop", "height_m": 12.5},
    "reservoir": {"scale": "small_1", "capacity_10k_m3": 120.0, "flood_limit_level_m": 45.2},
    "shelter": {"shelter_type": "indoor", "capacity": 500},
    "emergency_depot": {"depot_type": "warehouse", "sandbags": 2000},
    "underground_space": {"space_type": "garage", "flood_barriers": "yes"},
    "waterlogging_point": {"max_depth_cm": 40},
}
PREFIX = {"construction_site": "CS", "billboard": "BB", "reservoir": "RV", "shelter": "SH",
          "emergency_depot": "ED", "underground_space": "UG", "waterlogging_point": "WL"}


@dataclass
class EWorld:
    """Tokens by name, and helpers to add facilities and call the API."""

    district: District
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    @property
    def client(self) -> Any:
        return self.district.client

    @property
    def session(self) -> Any:
        return self.district.session

    def facility(self, kind: str, grid: str, offset: tuple[float, float] = (0, 0),
                 **data: Any) -> str:
        """A facility record of ``kind`` in ``grid`` (near its centre); returns its id."""
        serial = next(_serial)
        values = {"facility_code": f"{PREFIX[kind]}{serial:08d}", "name": f"{kind} {serial}",
                  "address": "坪山区测试路1号", "responsible_person": "张三",
                  "responsible_phone": "13800000000", **FACILITY_DATA[kind], **data}
        form = validator(self.session, kind, 1)
        cleaned, errors = form.validate(values)
        assert not errors, errors
        record_id = uuid.uuid4()
        lon, lat = CENTRE[grid]
        create_records(self.session, [VersionWrite(
            record_id, 1, form, cleaned, self.district.grids[grid].id, lon + offset[0],
            lat + offset[1], None, sorted(cleaned))])
        return str(record_id)

    def post(self, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"/api/v1/emergencies{path}", json=body or {},
                                headers=bearer(self.tokens[who]))

    def get(self, who: str, path: str, **query: Any) -> Any:
        return self.client.get(f"/api/v1/emergencies{path}", query_string=query,
                               headers=bearer(self.tokens[who]))

    def declare(self, hazard: str, level: str, area: str | None = None) -> dict[str, Any]:
        body = {"hazard": hazard, "level": level} | ({"area": area} if area else {})
        response = self.post("duty", "", body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def tasks(self, emergency_id: int) -> dict[str, dict[str, Any]]:
        """The warning's tasks by facility id, read from the table."""
        rows = self.session.execute(text(
            "SELECT * FROM emergency_tasks WHERE emergency_id = :e"), {"e": emergency_id})
        return {str(r.record_id): r._asdict() for r in rows}


@pytest.fixture
def eworld(client, session) -> EWorld:
    district = _district(client, session)
    session.execute(text("UPDATE grids SET street_code = 'S2', street_name = '第二街道' "
                         "WHERE code LIKE 'T-3%'"))
    for path in sorted(PLANS.glob("*.json")):
        publish_plan(session, json.loads(path.read_text(encoding="utf-8")))
    for code, name in (("emergency", "应急管理局"), ("water", "水务局"), ("housing", "住建局"),
                       ("urban", "城管局")):
        create_department(session, None, code, name)
    put_grant(session, None, "water", ["reservoir", "pond", "river", "waterlogging_point"],
              "all", {})
    w = EWorld(district)
    people = [("duty", Role.viewer, "emergency", None), ("admin", Role.admin, None, None),
              ("water", Role.viewer, "water", None),
              ("supervisor", Role.supervisor, None, ("T-11", "supervises")),
              ("collector33", Role.collector, None, ("T-33", "primary")),
              ("roving", Role.collector, None, ("T-11", "roving"))]
    for name, role, department, assignment in people:
        user = make_user(session, role=role, username=f"{name}.e", department_code=department)
        if assignment:
            make_assignment(session, user, district.grids[assignment[0]], assignment[1],
                            valid_from=MONTH_AGO)
        w.users[name] = user
        w.tokens[name] = sign_in(client, user.username)["access_token"]
    w.users["collector"], w.tokens["collector"] = district.collector, district.token
    return w
