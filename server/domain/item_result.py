"""The result of one uploaded item, as the phone sees it: the one shape every writer returns.

Statuses: ``merged`` (a record version), ``conflict`` (queued for review), ``rejected``
(field-level errors), ``held`` (an update waiting for its record), ``duplicate`` (an item id seen
in an earlier batch: ``first`` is its first result), ``received`` (stored, never processed).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace
from functools import cached_property
from typing import Any

FieldError = dict[str, str]


def error(field: str, code: str, message: str, message_zh: str) -> FieldError:
    """One field-level error."""
    return {"field": field, "code": code, "message": message, "message_zh": message_zh}


ID_REUSED = error("id", "id_reused", "this item id was already used for other content",
                  "该条目编号已用于其他内容")


@dataclass(frozen=True)
class ItemResult:
    """One item's outcome; ``as_dict`` is what the API returns and what is stored."""

    id: uuid.UUID
    status: str
    record_id: uuid.UUID | None = None
    version: int | None = None
    conflict_id: int | None = None
    conflict_kind: str | None = None
    record_version: int | None = None
    auto_merged_fields: list[str] | None = None
    errors: list[FieldError] | None = None
    note: str | None = None
    reason: dict[str, Any] | None = None  # why a conflict waits for review, for the collector
    first: dict[str, Any] | None = None

    @classmethod
    def merged(cls, item_id: uuid.UUID, record_id: uuid.UUID, version: int,
               auto_merged: list[str] | None = None, conflict_id: int | None = None
               ) -> ItemResult:
        """A new record version."""
        return cls(item_id, "merged", record_id, version, conflict_id=conflict_id,
                   auto_merged_fields=auto_merged or None)

    @classmethod
    def rejected(cls, item_id: uuid.UUID, errors: list[FieldError],
                 conflict_id: int | None = None, note: str | None = None) -> ItemResult:
        """Refused with field-level errors the collector can fix."""
        return cls(item_id, "rejected", errors=list(errors), conflict_id=conflict_id, note=note)

    @classmethod
    def held(cls, item_id: uuid.UUID, record_id: uuid.UUID) -> ItemResult:
        """An update kept until its record arrives."""
        return cls(item_id, "held", record_id)

    @classmethod
    def conflict(cls, item_id: uuid.UUID, kind: str, record_id: uuid.UUID | None,
                 record_version: int | None) -> ItemResult:
        """Queued for review (the conflict id is known once it is written)."""
        return cls(item_id, "conflict", record_id, conflict_kind=kind,
                   record_version=record_version)

    @classmethod
    def stored(cls, item_id: uuid.UUID, status: str, result: dict[str, Any] | None
               ) -> dict[str, Any]:
        """The stored result of an item (still 'received' only if processing never finished)."""
        return result or cls(item_id, status).as_dict()

    def with_conflict(self, conflict_id: int, reason: dict[str, Any]) -> ItemResult:
        """The same result once its conflict is written, with the reason shown to the phone."""
        return replace(self, conflict_id=conflict_id, reason=reason)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape: absent members left out, ids as strings."""
        return self._shape

    @cached_property
    def _shape(self) -> dict[str, Any]:  # stored, then answered: built once
        shown: dict[str, Any] = {"id": str(self.id), "status": self.status}
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is not None:
                shown[name] = value
        if self.record_id is not None:
            shown["record_id"] = str(self.record_id)
        return shown


_OPTIONAL = tuple(f.name for f in fields(ItemResult) if f.name not in ("id", "status"))


def duplicate_of(first: dict[str, Any]) -> dict[str, Any]:
    """An item id seen in an earlier batch: its first result, marked as a duplicate."""
    return {**{k: v for k, v in first.items() if k != "status"}, "status": "duplicate",
            "first": first}
