"""Writing the audit log."""
from __future__ import annotations

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
