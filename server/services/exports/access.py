"""Who may export records, and what is recorded each time someone does.

Administrators export the whole district, supervisors their grids, viewers (department staff)
what their department's grant allows (kinds, grids and fields: the one scope rule).
Collectors do not export: their phone already holds their grids' records for their work, and a
bulk copy of personal data is not part of collecting it (the 织网 shares data with departments
through this channel, not with the field).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from server.errors import Forbidden
from server.models import Role, User
from server.services.access_log import log_query_reads
from server.services.audit import record_audit
from server.services.exports.request import ExportRequest
from server.services.exports.selection import Selection

EXPORTING_ROLES = frozenset({Role.admin, Role.supervisor, Role.viewer})


def ensure_may_export(user: User) -> None:
    """Refuse users whose role may not export."""
    if user.role not in EXPORTING_ROLES:
        raise Forbidden("Collectors do not export records; ask your supervisor.")


def exported(session: Session, user: User, request: ExportRequest, selection: Selection,
             rows: int, complete: bool = True) -> None:
    """Called once at the end of every export (streamed or a job): the access log names every
    record selected (set-based, by ``selection.ids_query()``), why (``request.purpose``), in what
    format, and how many rows were written (``complete`` False: the download was cut off after
    ``rows``); the audit trail keeps the filter."""
    details = {"filter": request.filter(), "format": request.format, "rows": rows,
               "complete": complete}
    log_query_reads(session, user.id, "export", selection.ids_query(), selection.params,
                    {"kind": request.kind, **details}, purpose=request.purpose)
    record_audit(session, "records_exported", actor_id=user.id, subject=request.kind,
                 details={**details, "purpose": request.purpose})
    session.flush()
