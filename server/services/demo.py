"""The demo data set: grids, users, assignments (and forms as they arrive). Idempotent."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from server.auth.passwords import hash_password
from server.domain.emergency_plan import FACILITY_KINDS
from server.models import Assignment, AssignmentKind, Grid, Role, User
from server.services.forms import publish_form
from server.services.grid_import import import_grids

ROOT = Path(__file__).resolve().parents[2]
DEMO_GRIDS = ROOT / "grids" / "pingshan-demo.geojson"
FORMS_DIR = ROOT / "forms"
STANDARDS_DIR = ROOT / "standards"
PLANS_DIR = ROOT / "plans"
ROVING_COLLECTORS = 5
STREET_SUPERVISORS = 6
# Departments of the demo district, each with a user and a grant (see README: departments).
DEPARTMENTS: list[dict[str, Any]] = [
    {"code": "police", "name": "公安分局", "user": ("police1", "公安分局民警"),
     "kinds": ["resident", "rental"], "grids": "all",
     "fields": {"resident": {"id_card": "visible", "phone": "visible", "care_groups": "hidden",
                             "disability_cert_no": "hidden"},
                "rental": {"landlord_id_card": "visible", "landlord_phone": "visible"}}},
    {"code": "civil", "name": "民政局", "user": ("civil1", "民政局窗口接待员"),
     "kinds": ["resident"], "grids": "all",
     "fields": {"resident": {"care_groups": "visible", "disability_cert_no": "visible",
                             "phone": "visible"}}},
    {"code": "labour", "name": "人力资源局（劳动）", "user": ("labour1", "劳动监察员"),
     "kinds": ["resident", "enterprise"], "grids": "all",
     "fields": {"resident": {"care_groups": "hidden", "disability_cert_no": "hidden",
                             "marital_status": "hidden"}}},
    {"code": "urban", "name": "城市管理局", "user": ("urban1", "城管执法员"),
     "kinds": ["fixture"], "grids": "all", "fields": {}},
    {"code": "kengzi", "name": "坑梓街道办", "user": ("kengzi1", "坑梓街道窗口接待员"),
     "kinds": ["resident", "rental", "fixture"], "grids": ["PS-05"], "fields": {}},
    # Typhoon and rainstorm prevention: the duty officers, and the departments the plans name.
    {"code": "emergency", "name": "应急管理局", "user": ("duty1", "应急值班员"),
     "kinds": list(FACILITY_KINDS), "grids": "all", "fields": {}},
    {"code": "water", "name": "水务局", "user": ("water1", "水务局值班员"),
     "kinds": ["reservoir", "pond", "river", "waterlogging_point"], "grids": "all", "fields": {}},
    {"code": "housing", "name": "住房和建设局", "user": ("housing1", "住建局值班员"),
     "kinds": ["construction_site", "dangerous_house", "underground_space", "temporary_shed"],
     "grids": "all", "fields": {}},
    {"code": "planning", "name": "规划和自然资源局", "user": ("planning1", "规自局值班员"),
     "kinds": ["geohazard"], "grids": "all", "fields": {}},
    {"code": "education", "name": "教育局", "user": ("education1", "教育局值班员"),
     "kinds": ["protected_target"], "grids": "all", "fields": {}},
    {"code": "health", "name": "卫生健康局", "user": ("health1", "卫健局值班员"),
     "kinds": ["protected_target"], "grids": "all", "fields": {}},
]


def demo_users(grid_count: int) -> list[tuple[str, Role, str]]:
    """Every demo user: one collector per grid, a supervisor per street, roving staff, staff."""
    return [
        ("admin", Role.admin, "系统管理员"),
        ("viewer1", Role.viewer, "公安分局民警"),
        *((f"supervisor{n}", Role.supervisor, f"街道督导员{n:02d}")
          for n in range(1, STREET_SUPERVISORS + 1)),
        *((f"collector{n}", Role.collector, f"网格员{n:03d}") for n in range(1, grid_count + 1)),
        *((f"roving{n}", Role.collector, f"机动网格员{n:02d}")
          for n in range(1, ROVING_COLLECTORS + 1)),
    ]


def seed_demo(session: Session, password: str) -> Iterator[str]:
    """Create whatever of the demo data is missing; yield a line per thing done."""
    if session.scalar(select(func.count(Grid.id))) == 0:
        report = import_grids(session, json.loads(DEMO_GRIDS.read_text(encoding="utf-8")))
        yield f"grids: {len(report.added)} imported from {DEMO_GRIDS.name}"
    grids = session.scalars(select(Grid).where(Grid.retired_at.is_(None)).order_by(Grid.code)).all()
    added = _add_missing_users(session, demo_users(len(grids)), password)
    if added:
        yield f"users: {added} created (password as documented)"
    if session.scalar(select(func.count(Assignment.id))) == 0:
        yield f"assignments: {_assign_demo(session, grids)} created"
    for path in sorted(FORMS_DIR.glob("*.json")):
        publication = publish_form(session, json.loads(path.read_text(encoding="utf-8")))
        if publication.created:
            yield f"form {publication.form.form_id} v{publication.form.version} published"
    added = _add_departments(session, password)
    if added:
        yield f"departments: {added} created with their grants and users"
    for path in sorted(STANDARDS_DIR.glob("event.v*.json")):
        from server.services.events.standard import publish_standard
        if publish_standard(session, json.loads(path.read_text(encoding="utf-8"))).created:
            yield f"event standard {path.name} published"
    for path in sorted(STANDARDS_DIR.glob("warning.v*.json")):
        from server.services.warnings.model import publish_model
        if publish_model(session, json.loads(path.read_text(encoding="utf-8"))).created:
            yield f"warning model {path.name} published"
    for path in sorted(PLANS_DIR.glob("*.json")):
        from server.services.emergencies.plans import publish_plan
        if publish_plan(session, json.loads(path.read_text(encoding="utf-8"))).created:
            yield f"emergency plan {path.name} published"
    yield "demo data is in place"


def _add_departments(session: Session, password: str) -> int:
    """The demo departments, their grants and one user each (after the forms: grants name them)."""
    from server.models import Department
    from server.services.departments import create_department, put_grant
    missing = [d for d in DEPARTMENTS if session.get(Department, d["code"]) is None]
    for department in missing:
        create_department(session, None, department["code"], department["name"])
        put_grant(session, None, department["code"], department["kinds"], department["grids"],
                  department["fields"])
    users = [(d["user"][0], Role.viewer, d["user"][1]) for d in missing]
    _add_missing_users(session, users, password)
    for department in missing:
        session.execute(update(User).where(User.username == department["user"][0])
                        .values(department_code=department["code"]))
    return len(missing)


def _add_missing_users(session: Session, users: list[tuple[str, Role, str]], password: str) -> int:
    existing = set(session.scalars(select(User.username)))
    # One hash for the shared demo password keeps seeding 450 collectors fast.
    shared_hash = hash_password(password)
    rows = [{"username": u, "role": r, "display_name": d, "password_hash": shared_hash}
            for u, r, d in users if u not in existing]
    if rows:
        session.execute(insert(User), rows)
    return len(rows)


def _assign_demo(session: Session, grids: list[Grid]) -> int:
    """collectorN is the primary of the N-th grid by code; supervisorN supervises street N."""
    user_ids = dict(session.execute(select(User.username, User.id)).tuples().all())
    streets = sorted({g.street_code for g in grids})
    rows = [{"user_id": user_ids[f"collector{n}"], "grid_id": g.id, "kind": AssignmentKind.primary}
            for n, g in enumerate(grids, start=1)]
    rows += [{"user_id": user_ids[f"supervisor{streets.index(g.street_code) % STREET_SUPERVISORS + 1}"],
              "grid_id": g.id, "kind": AssignmentKind.supervises} for g in grids]
    rows += [{"user_id": user_ids[f"roving{n}"], "grid_id": grids[(n * 37) % len(grids)].id,
              "kind": AssignmentKind.roving} for n in range(1, ROVING_COLLECTORS + 1)]
    session.execute(insert(Assignment), rows)
    return len(rows)
