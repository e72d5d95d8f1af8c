"""Who sees sensitive fields in clear: the one place every record-bearing response goes through.

Policy: administrators, supervisors and collectors see sensitive fields (ID-card and phone
numbers…) in clear: they work with the people concerned, and scoping already limits supervisors
and collectors to their own grids. Viewers (department staff, window clerks) search the whole
district, so they see them masked (``440307********1234``, ``138****5678``); a viewer who types a
full ID-card number still finds the person, but the answer does not repeat the number.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.form_validation import FormValidator
from server.models import FormVersion, Role, User
from server.services.forms import validator_of

ROLES_SEEING_SENSITIVE = frozenset({Role.admin, Role.supervisor, Role.collector})
_validators: dict[tuple[str, int], FormValidator] = {}


def sees_sensitive(user: User) -> bool:
    """Whether this user's role may see sensitive fields in clear."""
    return user.role in ROLES_SEEING_SENSITIVE


def shown_data(session: Session, user: User, form_id: str | None, form_version: int | None,
               data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Record data as this user may see it."""
    if data is None or sees_sensitive(user) or form_id is None or form_version is None:
        return data
    validator = _validator(session, form_id, form_version)
    return validator.masked(data) if validator else {k: "***" for k in data}


def shown_key(session: Session, user: User, form_id: str, form_version: int, key: str) -> str:
    """A record's natural key, masked like the field it comes from."""
    if sees_sensitive(user):
        return key
    validator = _validator(session, form_id, form_version)
    if validator is None:
        return "***"
    return str(validator.masked({validator.key: key})[validator.key])


def _validator(session: Session, form_id: str, version: int) -> FormValidator | None:
    """Published versions never change, so their validators are cached for good."""
    key = (form_id, version)
    if key not in _validators:
        form = session.scalar(select(FormVersion).where(FormVersion.form_id == form_id,
                                                        FormVersion.version == version))
        if form is None:
            return None
        _validators[key] = validator_of(form)
    return _validators[key]
