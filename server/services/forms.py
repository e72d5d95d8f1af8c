"""Publishing and retiring form versions; finding the validator of a version."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from server.domain.definition_checks import ensure_valid_definition
from server.domain.form_definition import InvalidDefinition, definition_sha256
from server.domain.form_validation import FormValidator, compile_form, compiled_form
from server.errors import Conflict, Invalid, NotFound
from server.models import FormStatus, FormVersion
from server.services.audit import record_audit


@dataclass(frozen=True)
class FormRef:
    """What a batch needs to know of a form version it names, without its definition."""

    id: int
    form_id: str
    version: int
    sha256: str
    status: FormStatus
    retired_at: datetime | None

    @classmethod
    def of(cls, form: FormVersion) -> FormRef:
        """The reference of a loaded version."""
        return cls(form.id, form.form_id, form.version, form.sha256, form.status,
                   form.retired_at)


@dataclass(frozen=True)
class Publication:
    """The stored version, and whether this call stored it (False: it was already there)."""

    form: FormVersion
    created: bool


def publish_form(session: Session, definition: Any, actor_id: int | None = None) -> Publication:
    """Check a definition and store it as an immutable version (same content again: a no-op)."""
    try:
        ensure_valid_definition(definition)
    except InvalidDefinition as error:
        raise Invalid("The form definition is not valid.",
                      errors=[e.as_dict() for e in error.errors]) from None
    sha256 = definition_sha256(definition)
    existing = session.scalar(select(FormVersion).where(
        FormVersion.form_id == definition["id"], FormVersion.version == definition["version"]))
    if existing is not None:
        if existing.sha256 != sha256:
            raise Conflict(f"{definition['id']} v{definition['version']} is already published "
                           "with other content; publish it under a new version number.")
        return Publication(existing, created=False)
    form = FormVersion(form_id=definition["id"], version=definition["version"],
                       kind=definition["kind"], title=definition["title"], definition=definition,
                       sha256=sha256, status=FormStatus.published, published_by_id=actor_id)
    session.add(form)
    session.flush()
    record_audit(session, "form_published", actor_id=actor_id,
                 subject=f"{form.form_id}@{form.version}", details={"sha256": sha256})
    return Publication(form, created=True)


def retire_form(session: Session, form_id: str, version: int,
                actor_id: int | None = None) -> FormVersion:
    """Retire a version: phones stop getting it; captures made before now still validate."""
    form = find_form_version(session, form_id, version)
    if form.status == FormStatus.retired:
        raise Conflict(f"{form_id} v{version} is already retired.")
    form.status, form.retired_at = FormStatus.retired, datetime.now(timezone.utc)
    record_audit(session, "form_retired", actor_id=actor_id, subject=f"{form_id}@{version}")
    session.flush()
    return form


def latest_forms(session: Session) -> list[FormVersion]:
    """The newest published version of each form."""
    return list(session.scalars(
        select(FormVersion).distinct(FormVersion.form_id)
        .where(FormVersion.status == FormStatus.published)
        .order_by(FormVersion.form_id, FormVersion.version.desc())))


def find_form_version(session: Session, form_id: str, version: int) -> FormVersion:
    """One version of a form, published or retired."""
    form = session.scalar(select(FormVersion).where(FormVersion.form_id == form_id,
                                                    FormVersion.version == version))
    if form is None:
        raise NotFound(f"No form {form_id!r} version {version}.")
    return form


def validator_of(form: FormVersion) -> FormValidator:
    """The compiled validator of a stored version (compiled once per process)."""
    return compile_form(form.definition, form.sha256)


def validator_of_ref(session: Session, ref: FormRef) -> FormValidator:
    """The validator of a referenced version: compiled once per process, its definition read
    only the first time."""
    return compiled_form(ref.sha256) or validator_of(session.get(FormVersion, ref.id))  # type: ignore[arg-type]


def form_refs(session: Session, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], FormRef]:
    """The references of these (form, version) pairs that exist."""
    if not wanted:
        return {}
    rows = session.execute(select(FormVersion.id, FormVersion.form_id, FormVersion.version,
                                  FormVersion.sha256, FormVersion.status, FormVersion.retired_at)
                           .where(tuple_(FormVersion.form_id, FormVersion.version).in_(wanted)))
    return {(r.form_id, r.version): FormRef(*r) for r in rows}
