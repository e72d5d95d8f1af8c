"""Turning stored raw items into checked ones: envelope, form version, data, location."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server.domain.form_validation import FormValidator
from server.domain.item_result import ItemResult, error
from server.domain.sync_item import SyncItem, read_item
from server.models import FormStatus
from server.services.emergencies.checks import refused_checks
from server.services.events.verification import refused_verifications
from server.services.forms import FormRef, form_refs, validator_of_ref
from server.services.sync.location import LocationCheck, check_locations
from server.services.sync.refs import refused_refs

RawItems = dict[uuid.UUID, tuple[int, dict[str, Any]]]  # item id -> (position, raw item)


@dataclass(frozen=True)
class ReadyItem:
    """An item whose envelope, data and location have been checked."""

    item: SyncItem
    collector_id: int
    form: FormValidator
    data: dict[str, Any]
    check: LocationCheck

    @property
    def key(self) -> str:
        """The record's natural key in this item's data (for a form without a key, the item's
        own record id, or the item id: unique, so never a duplicate)."""
        return self.form.natural_key(self.data, self.item.record_id or self.item.id)


@dataclass
class Prepared:
    """Items ready to merge, and the results of those refused on the way."""

    ready: list[ReadyItem] = field(default_factory=list)
    rejected: dict[uuid.UUID, ItemResult] = field(default_factory=dict)
    parsed: dict[uuid.UUID, SyncItem] = field(default_factory=dict)


def prepare_items(session: Session, collector_id: int, device_id: str, raw_items: RawItems,
                  now: datetime, forms: dict[tuple[str, int], FormRef] | None = None
                  ) -> Prepared:
    """Check every raw item of one collector; refusals carry field-level errors. ``forms``:
    the form versions the items name, when already looked up."""
    prepared = Prepared()
    for item_id, (position, raw) in raw_items.items():
        item, errors = read_item(raw, position, device_id, now)
        if item is None:
            prepared.rejected[item_id] = ItemResult.rejected(item_id, errors)
        else:
            prepared.parsed[item_id] = item
    if forms is None:
        forms = form_refs(session, {(i.form_id, i.form_version) for i in prepared.parsed.values()})
    valid: list[tuple[SyncItem, FormValidator, dict[str, Any]]] = []
    for item in prepared.parsed.values():
        form, errors = _form_for(session, item, forms)
        cleaned: dict[str, Any] = {}
        if form is not None:
            cleaned, errors = form.validate(item.data)
        if errors:
            prepared.rejected[item.id] = ItemResult.rejected(item.id, list(errors))
        else:
            valid.append((item, form, cleaned))  # type: ignore[arg-type]
    valid = _refuse(prepared, valid, refused_refs(session, valid))
    valid = _refuse(prepared, valid, refused_verifications(session, collector_id, valid))
    valid = _refuse(prepared, valid, refused_checks(session, collector_id, valid))
    checks = check_locations(session, collector_id, [v[0] for v in valid])
    prepared.ready = [ReadyItem(item, collector_id, form, data, checks[item.id])
                      for item, form, data in valid]
    return prepared


def _refuse(prepared: Prepared, valid: list[tuple[SyncItem, FormValidator, dict[str, Any]]],
            refusals: dict[uuid.UUID, list[dict[str, str]]]
            ) -> list[tuple[SyncItem, FormValidator, dict[str, Any]]]:
    """Reject the refused items (checks that need the database: refs, verifications, warning
    checks)."""
    for item_id, errors in refusals.items():
        prepared.rejected[item_id] = ItemResult.rejected(item_id, errors)
    return [v for v in valid if v[0].id not in refusals]


def _form_for(session: Session, item: SyncItem, forms: dict[tuple[str, int], FormRef]
              ) -> tuple[FormValidator | None, list[dict[str, str]]]:
    form = forms.get((item.form_id, item.form_version))
    if form is None:
        return None, [error("form_version", "unknown_form",
                            f"form {item.form_id!r} has no published version {item.form_version}",
                            f"表单 {item.form_id} 没有已发布的第 {item.form_version} 版")]
    if form.status == FormStatus.retired and form.retired_at and item.captured_at >= form.retired_at:
        return None, [error("form_version", "retired_form",
                            "this form version was retired before the item was captured; "
                            "update the forms on the phone",
                            "采集时该表单版本已停用，请更新手机上的表单")]
    return validator_of_ref(session, form), []
