"""Publishing versioned data — the event standard, the warning model, emergency plans: one rule.

A definition is stored once per version and never changed: the same content again is a no-op,
other content under a published version number is a 409. Each publication is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from server.domain.form_definition import definition_sha256
from server.errors import Conflict
from server.services.audit import record_audit

Row = TypeVar("Row")


@dataclass(frozen=True)
class Published(Generic[Row]):
    """The stored version, and whether this call stored it (False: it was already there)."""

    row: Row
    created: bool


def publish_version(session: Session, model: type[Row], key: Any, definition: dict[str, Any],
                    actor_id: int | None, *, name: str, audit: str, subject: str,
                    **columns: Any) -> Published[Row]:
    """Store ``definition`` as the version ``key`` of ``model`` (checked by the caller before)."""
    sha256 = definition_sha256(definition)
    existing = session.get(model, key)
    if existing is not None:
        if existing.sha256 != sha256:  # type: ignore[attr-defined]
            raise Conflict(f"{name} is already published with other content; publish it under "
                           "a new version number.")
        return Published(existing, created=False)
    row = model(definition=definition, sha256=sha256, published_by_id=actor_id, **columns)
    session.add(row)
    session.flush()
    record_audit(session, audit, actor_id=actor_id, subject=subject, details={"sha256": sha256})
    return Published(row, created=True)
