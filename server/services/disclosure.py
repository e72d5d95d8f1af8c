"""What a reader may see of records: the one place every record-bearing response goes through.

Policy. Administrators, supervisors and collectors see sensitive fields (ID-card and phone
numbers, care groups…) in clear: they work with the people concerned, and scoping already limits
supervisors and collectors to their own grids. Department staff (viewers) read what their
department is granted (``grants``): which record kinds, which grids (all, or streets,
communities, grids), and per form each field's level — ``visible``, ``masked`` or ``hidden``.
Fields a grant does not name take the default grant, which is also what a viewer without a
department gets: sensitive fields masked (``440307********1234``, ``138****5678``), the rest
visible. A masked ID number also coarsens the birth date it encodes (see domain/masking.py).
A department's webhooks receive what its staff would see (``department_reader``).
Every response that shows a sensitive field in clear is logged in the access log
(services/access_log.py): the functions here note what they revealed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.form_validation import FormValidator
from server.domain.masking import HIDDEN, MASKED, VISIBLE, shown_data as masked_data
from server.models import FormVersion, Grant, Role, User
from server.services.forms import validator_of

ROLES_SEEING_SENSITIVE = frozenset({Role.admin, Role.supervisor, Role.collector})
_validators: dict[tuple[str, int], FormValidator] = {}


@dataclass
class Reader:
    """One user's view of the records, decided once per session from role and grant."""

    user_id: int | None                       # None: a department without a user (a webhook)
    sensitive_level: str                      # the level of sensitive fields a grant does not name
    fields: dict[str, dict[str, str]]         # form id -> field -> level, from the grant
    revealed: set[Any] = field(default_factory=set)  # record ids (or subjects) shown in clear

    def level(self, form: FormValidator, name: str) -> str:
        """The level at which this reader sees one field of a form."""
        named = self.fields.get(form.form_id, {}).get(name)
        if named is not None:
            return named
        return self.sensitive_level if name in form.sensitive_fields else VISIBLE

    def show(self, form: FormValidator, data: dict[str, Any], subject: Any) -> dict[str, Any]:
        """Data as this reader may see it; note ``subject`` when a sensitive value shows."""
        shown = masked_data(form.field_types, lambda name: self.level(form, name), data)
        if subject is not None and any(
                shown.get(name) == data[name] and data[name] is not None
                for name in form.sensitive_fields & data.keys()):
            self.revealed.add(subject)
        return shown


def reader_for(session: Session, user: User) -> Reader:
    """The user's reader, made once per session (a request, a job)."""
    key = ("disclosure.reader", user.id)
    if key not in session.info:
        session.info[key] = _make_reader(session, user)
    return session.info[key]


def _make_reader(session: Session, user: User) -> Reader:
    if user.role in ROLES_SEEING_SENSITIVE:
        return Reader(user.id, VISIBLE, {})
    return department_reader(session, user.department_code, user.id)


def department_reader(session: Session, code: str | None, user_id: int | None = None) -> Reader:
    """What a department's staff see — also what is delivered to the department's webhooks,
    where no user reads (no department: the default grant)."""
    grant = session.get(Grant, code) if code else None
    return Reader(user_id, MASKED, dict(grant.fields) if grant else {})


def shown_data(session: Session, user: User, form_id: str | None, form_version: int | None,
               data: dict[str, Any] | None, subject: Any = None) -> dict[str, Any] | None:
    """Record data as this user may see it (``subject``: the record it belongs to)."""
    return reader_shows(session, reader_for(session, user), form_id, form_version, data, subject)


def reader_shows(session: Session, reader: Reader, form_id: str | None,
                 form_version: int | None, data: dict[str, Any] | None,
                 subject: Any = None) -> dict[str, Any] | None:
    """Record data as this reader may see it (``subject``: the record it belongs to)."""
    if data is None or form_id is None or form_version is None:
        return data
    form = validator(session, form_id, form_version)
    if form is None:
        return {k: "***" for k in data}
    return reader.show(form, data, subject)


def shown_key(session: Session, user: User, form_id: str, form_version: int, key: str) -> str:
    """A record's natural key, shown like the field it comes from."""
    return reader_shows_key(session, reader_for(session, user), form_id, form_version, key)


def reader_shows_key(session: Session, reader: Reader, form_id: str, form_version: int,
                     key: str) -> str:
    """A record's natural key as this reader may see it, shown like the field it comes from."""
    form = validator(session, form_id, form_version)
    if form is None:
        return "***"
    if form.key is None:
        return key  # a record id, not a value of the record
    shown = reader.show(form, {form.key: key}, None)
    return str(shown.get(form.key, "***"))


def reader_sees_field(session: Session, reader: Reader, form_id: str, form_version: int,
                      name: str) -> bool:
    """Whether the reader sees a field at all (a hidden field's name is not shown either)."""
    form = validator(session, form_id, form_version)
    return form is not None and reader.level(form, name) != HIDDEN


def take_revealed(session: Session, user_id: int) -> set[Any]:
    """What this session has shown the user in clear (for the access log); the reader is
    forgotten, so the next request decides afresh."""
    reader = session.info.pop(("disclosure.reader", user_id), None)
    return set(reader.revealed) if reader else set()


def validator(session: Session, form_id: str, version: int) -> FormValidator | None:
    """Published versions never change, so their validators are cached for good."""
    key = (form_id, version)
    if key not in _validators:
        form = session.scalar(select(FormVersion).where(FormVersion.form_id == form_id,
                                                        FormVersion.version == version))
        if form is None:
            return None
        _validators[key] = validator_of(form)
    return _validators[key]
