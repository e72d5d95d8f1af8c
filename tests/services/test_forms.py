"""Publishing form versions: checked, immutable, idempotent, retirable."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from server.errors import Conflict, Invalid
from server.models import AuditEntry, FormStatus
from server.services.forms import (
    find_form_version, latest_forms, publish_form, retire_form, validator_of)

FORMS = Path(__file__).resolve().parents[2] / "forms"


def resident(version: int = 1) -> dict:
    definition = json.loads((FORMS / "resident.v1.json").read_text(encoding="utf-8"))
    definition["version"] = version
    return definition


def test_publishing_stores_the_version_with_its_sha256(session):
    publication = publish_form(session, resident())
    assert publication.created and len(publication.form.sha256) == 64
    assert session.scalars(select(AuditEntry.action)).all() == ["form_published"]


def test_publishing_the_same_content_again_changes_nothing(session):
    first = publish_form(session, resident()).form
    again = publish_form(session, resident())
    assert not again.created and again.form.id == first.id


def test_other_content_under_a_published_version_number_is_refused(session):
    publish_form(session, resident())
    changed = resident()
    changed["title"]["en"] = "Residents (edited)"
    with pytest.raises(Conflict):
        publish_form(session, changed)


def test_a_bad_definition_is_refused_naming_the_place(session):
    bad = resident()
    bad["fields"][1]["type"] = "telephone"
    with pytest.raises(Invalid) as refused:
        publish_form(session, bad)
    assert refused.value.errors[0]["field"].startswith("fields[1]")


def test_the_list_offers_the_newest_published_version(session):
    publish_form(session, resident(1))
    publish_form(session, resident(2))
    assert [(f.form_id, f.version) for f in latest_forms(session)] == [("resident", 2)]


def test_a_retired_version_leaves_the_list_but_stays_readable(session):
    publish_form(session, resident(1))
    publish_form(session, resident(2))
    retire_form(session, "resident", 2)
    assert [(f.form_id, f.version) for f in latest_forms(session)] == [("resident", 1)]
    assert find_form_version(session, "resident", 2).status == FormStatus.retired


def test_an_old_version_keeps_validating_after_a_new_one(session):
    old = publish_form(session, resident(1)).form
    newer = copy.deepcopy(resident(2))
    newer["fields"] = [f for f in newer["fields"] if f["name"] != "notes"]
    new = publish_form(session, newer).form
    data = {"name": "张伟", "id_card": "11010519491231002X", "gender": "male",
            "notes": "周末在家"}
    assert not [e for e in validator_of(old).validate(data)[1] if e["field"] == "data.notes"]
    assert {"field": "data.notes", "code": "unknown_field"}.items() <= (
        [e for e in validator_of(new).validate(data)[1] if e["field"] == "data.notes"][0].items())
