"""The table of an export, from the form definitions that write the kind asked for."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.export_table import ExportTable, export_table
from server.errors import Invalid
from server.models import FormVersion


def table_of(session: Session, kind: str, lang: str, choices: str) -> ExportTable:
    """Columns for every field any version (published or retired) of the kind's forms has."""
    definitions = list(session.scalars(
        select(FormVersion.definition).where(FormVersion.kind == kind)
        .order_by(FormVersion.published_at.desc(), FormVersion.version.desc())))
    if not definitions:
        raise Invalid(f"No form writes records of kind {kind!r}.",
                      errors=[{"field": "kind", "message": "no form writes this kind"}])
    return export_table(kind, definitions, lang, choices)
