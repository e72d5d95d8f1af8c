"""Refs made real: an item whose ref points to no record, or to a record of another kind, is
refused with that field named. One query per batch looks every target up.

A ref may also point to a record that another item of the same batch creates (a rental and
its tenant captured together offline): that record comes into being in the same transaction.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.form_validation import FormValidator
from server.domain.item_result import FieldError, error
from server.domain.sync_item import SyncItem

Checked = tuple[SyncItem, FormValidator, dict[str, Any]]

_KINDS = text("SELECT id, kind FROM records WHERE id = ANY(CAST(:ids AS uuid[]))")


def refused_refs(session: Session, items: list[Checked]) -> dict[uuid.UUID, list[FieldError]]:
    """The field errors of every item with a ref to no record, or to a record of another kind."""
    wanted = {item.id: [(name, uuid.UUID(data[name]), kind)
                        for name, kind in form.ref_kinds.items() if name in data]
              for item, form, data in items if form.ref_kinds}
    targets = {target for refs in wanted.values() for _, target, _ in refs}
    if not targets:
        return {}
    created_here = {item.record_id: form.kind for item, form, _ in items
                    if not item.is_update and item.record_id is not None}
    missing = sorted(targets - set(created_here))
    kinds = {**dict(session.execute(_KINDS, {"ids": missing}).tuples().all()), **created_here}
    refused: dict[uuid.UUID, list[FieldError]] = {}
    for item_id, refs in wanted.items():
        errors = [_ref_error(name, kinds.get(target), kind) for name, target, kind in refs
                  if kinds.get(target) != kind]
        if errors:
            refused[item_id] = errors
    return refused


def _ref_error(name: str, found: str | None, wanted: str) -> FieldError:
    if found is None:
        return error(f"data.{name}", "ref.missing", "points to no record",
                     "指向的记录不存在")
    return error(f"data.{name}", "ref.kind", f"points to a {found} record, not a {wanted}",
                 f"指向的是 {found} 记录，而不是 {wanted} 记录")
