"""Publishing the event handling standard (time limits per category) and reading the one in force."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.event_standard import standard_errors
from server.domain.event_workflow import CATEGORY_FIELD, EVENT_KIND
from server.domain.form_definition import choices_of, definition_sha256
from server.errors import Conflict, Invalid
from server.models import EventStandard, FormVersion
from server.services.audit import record_audit


@dataclass(frozen=True)
class StandardPublication:
    """The stored version, and whether this call stored it (False: it was already there)."""

    standard: EventStandard
    created: bool


def publish_standard(session: Session, definition: Any,
                     actor_id: int | None = None) -> StandardPublication:
    """Check a standard against the latest event form and store it as an immutable version
    (the same content again: a no-op)."""
    errors = standard_errors(definition, _event_categories(session))
    if errors:
        raise Invalid("The event handling standard is not valid.",
                      errors=[e.as_dict() for e in errors])
    sha256 = definition_sha256(definition)
    existing = session.get(EventStandard, definition["version"])
    if existing is not None:
        if existing.sha256 != sha256:
            raise Conflict(f"Standard v{definition['version']} is already published with other "
                           "content; publish it under a new version number.")
        return StandardPublication(existing, created=False)
    standard = EventStandard(version=definition["version"], definition=definition,
                             sha256=sha256, published_by_id=actor_id)
    session.add(standard)
    session.flush()
    record_audit(session, "event_standard_published", actor_id=actor_id,
                 subject=f"event_standard@{standard.version}", details={"sha256": sha256})
    return StandardPublication(standard, created=True)


def standard_in_force(session: Session) -> EventStandard | None:
    """The latest version, if any is published."""
    return session.scalar(select(EventStandard).order_by(EventStandard.version.desc()).limit(1))


def current_standard(session: Session) -> EventStandard:
    """The standard in force: the latest version (409 when none is published)."""
    standard = standard_in_force(session)
    if standard is None:
        raise Conflict("No event handling standard is published; publish one with "
                       "`flask events standard FILE.json`.")
    return standard


def _event_categories(session: Session) -> set[str] | None:
    """The category values of the latest published event form, if there is one."""
    definition = session.scalar(select(FormVersion.definition).where(
        FormVersion.kind == EVENT_KIND).order_by(FormVersion.version.desc()).limit(1))
    if definition is None:
        return None
    field = next((f for f in definition["fields"] if f["name"] == CATEGORY_FIELD), {})
    return {c["value"] for c in choices_of(definition, field)}
