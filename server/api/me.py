"""The signed-in user."""
from __future__ import annotations

from typing import Any

from server.api.blueprint import Blueprint

from server.api.schemas import MeResponse
from server.auth.current import current_user, login_required
from server.extensions import db
from server.models import Department
from server.services.assignments import current_assignments
from server.services.warnings.dashboards import reads_decisions

blp = Blueprint("me", __name__, url_prefix="/api/v1", description="The signed-in user")


@blp.route("/me")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, MeResponse)
@login_required()
def me() -> dict[str, Any]:
    """Who I am, my role and the grids I am assigned to."""
    user = current_user()
    grids = [{"code": a.grid.code, "name": a.grid.name, "kind": a.kind.value,
              "valid_from": a.valid_from, "valid_to": a.valid_to}
             for a in current_assignments(db.session, user.id)]
    department = db.session.get(Department, user.department_code) if user.department_code else None
    return {"username": user.username, "display_name": user.display_name,
            "role": user.role.value, "grids": grids,
            "decision_support": reads_decisions(db.session, user),
            "department": {"code": department.code, "name": department.name} if department
            else None}
