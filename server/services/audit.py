"""Writing the audit log."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from server.models import AuditEntry


def record_audit(session: Session, action: str, *, actor_id: int | None = None,
                 subject: str | None = None, details: dict[str, Any] | None = None,
                 remote_addr: str | None = None) -> AuditEntry:
    """Add one audit entry to the session."""
    entry = AuditEntry(action=action, actor_id=actor_id, subject=subject,
                       details=details or {}, remote_addr=remote_addr)
    session.add(entry)
    return entry


# The same entry written inside another set-based statement (as a data-modifying CTE), when a
# round trip of its own would cost more than the entry: see sync/outcomes.py.
AUDIT_CTE = """audit AS (
    INSERT INTO audit_log (action, actor_id, subject, details)
    VALUES (:audit_action, :audit_actor, :audit_subject, CAST(:audit_details AS jsonb)))"""


def audit_params(action: str, *, actor_id: int | None, subject: str | None,
                 details: dict[str, Any]) -> dict[str, Any]:
    """The parameters of AUDIT_CTE."""
    return {"audit_action": action, "audit_actor": actor_id, "audit_subject": subject,
            "audit_details": json.dumps(details, ensure_ascii=False, default=str)}
