"""Publishing the event handling standard (time limits per category) and reading the one in force."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.event_standard import standard_errors
from server.domain.event_workflow import CATEGORY_FIELD, EVENT_KIND
from server.domain.form_definition import choices_of
from server.errors import Conflict, Invalid
from server.models import EventStandard, FormVersion
from server.services.versioned import publish_version


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
    version = definition["version"]
    published = publish_version(
        session, EventStandard, version, definition, actor_id, name=f"Standard v{version}",
        audit="event_standard_published", subject=f"event_standard@{version}", version=version)
    return StandardPublication(published.row, published.created)


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
