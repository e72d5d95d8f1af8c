"""Versioned data (event standard, warning model, emergency plans) is published one way."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.errors import Conflict
from server.models import AuditEntry
from server.services.warnings.model import publish_model

MODEL = json.loads((Path(__file__).parents[2] / "standards" / "warning.v1.json")
                   .read_text(encoding="utf-8"))


def audited(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "warning_model_published"))


def test_a_version_is_stored_once_and_the_same_content_again_changes_nothing(session):
    first = publish_model(session, MODEL)
    again = publish_model(session, copy.deepcopy(MODEL))
    assert first.created and not again.created and again.model is first.model
    assert audited(session) == 1


def test_other_content_under_a_published_version_is_a_conflict(session):
    publish_model(session, MODEL)
    changed = copy.deepcopy(MODEL)
    changed["signals"][0]["weight"] += 1  # a valid model, other content
    with pytest.raises(Conflict, match="v1 is already published with other content"):
        publish_model(session, changed)
    assert audited(session) == 1
