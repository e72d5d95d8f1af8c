"""The phone checks a form exactly as the server does: forms.js rules against FormValidator.

Every case runs through server.domain.form_validation in Python and through the app's
js/validate.js in Chromium, with the same `today`; cleaned values and errors must be equal.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from server.domain.definition_checks import definition_errors
from server.domain.form_validation import FormValidator
from datetime import date

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2025-06-15"

# A form that uses what the shipped forms do not: datetime, decimals, min_length, astral
# characters, every kind of condition, nested.
SYNTHETIC = {
    "id": "parity", "version": 1, "title": {"zh": "对照", "en": "Parity"}, "kind": "parity",
    "key": "code",
    "choice_lists": {"colour": [{"value": v, "label": {"zh": v, "en": v}} for v in
                                ("red", "green", "blue", "01", "a.b-c")]},
    "fields": [
        {"name": "code", "type": "text", "required": True, "min_length": 2, "max_length": 5,
         "label": {"zh": "码", "en": "Code"}},
        {"name": "when", "type": "datetime", "min": "2020-01-01T00:00+08:00",
         "max": "2030-12-31T23:59:59.999999Z", "label": {"zh": "时", "en": "When"}},
        {"name": "ratio", "type": "decimal", "min": -1.5, "max": 2.25,
         "label": {"zh": "比", "en": "Ratio"}},
        {"name": "count", "type": "integer", "label": {"zh": "数", "en": "Count"}},
        {"name": "colour", "type": "select_one", "choices": "colour",
         "label": {"zh": "色", "en": "Colour"}},
        {"name": "colours", "type": "select_multiple", "choices": "colour",
         "label": {"zh": "色们", "en": "Colours"}},
        {"name": "why", "type": "text", "required": True, "pattern": "[a-z]+(?:-[a-z]+)*",
         "relevant": {"all": [{"field": "colour", "in": ["red", "01"]},
                              {"not": {"field": "count", "equals": 3}}]},
         "label": {"zh": "因", "en": "Why"}},
        {"name": "more", "type": "text", "required": True,
         "relevant": {"any": [{"field": "why", "filled": True},
                              {"field": "colours", "includes": "blue"},
                              {"field": "ratio", "equals": 1}]},
         "label": {"zh": "多", "en": "More"}},
        {"name": "empty_only", "type": "date", "relevant": {"field": "more", "filled": False},
         "min": "2000-02-29", "max": "today", "label": {"zh": "空", "en": "Empty"}},
        {"name": "who", "type": "ref", "ref_kind": "resident", "label": {"zh": "谁", "en": "Who"}},
        {"name": "tel", "type": "phone", "label": {"zh": "电", "en": "Tel"}},
        {"name": "card", "type": "id_card", "label": {"zh": "证", "en": "Card"}},
        {"name": "snaps", "type": "photo", "max_count": 3, "label": {"zh": "照", "en": "Snaps"}},
        {"name": "snap_note", "type": "text", "relevant": {"field": "snaps", "filled": True},
         "label": {"zh": "注", "en": "Note"}},
        {"name": "one_snap", "type": "photo", "required": True, "label": {"zh": "单", "en": "One"}},
        {"name": "uscc", "type": "credit_code", "label": {"zh": "代码", "en": "Code"}},
    ],
}

WHITESPACE_SAMPLES = ["", " ", "\u3000", "\t\n", "\u00a0\u2007", "\ufeff", "\u200b", "\u180e", "\x1c"]
# Not here: integral numbers written as floats (3.0, 1e300). JSON.parse cannot tell them from
# integers, so the phone cannot see what Python sees (the server refuses them for integer
# fields). The phone never sends them: JSON.stringify writes integers in its safe range as
# plain digits, and outside that range both sides refuse the value (max/min vs type).
ODD_VALUES = [None, True, False, 0, 1, -1, 2.5, -1.5e-7, "", "x", [], ["x"], {}, {"a": 1},
              10**20, 9007199254740991, 9007199254740992]


def _forms() -> list[dict[str, Any]]:
    forms = [json.loads(path.read_text("utf-8"))
             for path in sorted((ROOT / "forms").glob("*.v*.json"))]
    assert definition_errors(SYNTHETIC) == []
    return forms + [SYNTHETIC]


def _photo(n: int, **overrides: Any) -> dict[str, Any]:
    return {"sha256": f"{n:064x}", "content_type": "image/jpeg", "size": 300_000 + n, **overrides}


def _generated(form: dict[str, Any]) -> dict[str, Any]:
    """A valid capture of a form without a hand-written one: its required fields, each given
    the simplest value its type, pattern and limits allow (conditional fields left out)."""
    def value(field: dict[str, Any]) -> Any:
        pattern, kind = field.get("pattern"), field["type"]
        if kind == "select_one":
            choices = field["choices"]
            return (form["choice_lists"][choices] if isinstance(choices, str) else choices)[0]["value"]
        if kind in ("integer", "decimal"):
            return max(field.get("min", 1), 1) if field.get("max", 1) >= 1 else field["min"]
        if kind == "phone":
            return "13812345678"
        if pattern == "[A-Z]{2}[0-9]{8}":
            return "PS00000001"
        return "0f8fad5b-d9cb-469f-a165-70867728950e" if pattern else "某设施"
    return {f["name"]: value(f) for f in form["fields"] if f.get("required") and "relevant" not in f}


def _valid(form: dict[str, Any]) -> dict[str, Any]:
    data = _VALID[form["id"]] if form["id"] in _VALID else _generated(form)
    # Later versions add photo fields: give each one (where it applies) one photo.
    photos = {f["name"]: [_photo(i + 1)] for i, f in enumerate(form["fields"])
              if f["type"] == "photo" and (f["name"] in ("house_photos", "hazard_photos",
                                                          "overview_photo", "photos", "snaps",
                                                          "one_snap"))}
    return {**data, **(photos if form["version"] > 1 or form["id"] == "parity" else {})}


_VALID: dict[str, dict[str, Any]] = {
        "resident": {"name": "李晓红", "id_card": "11010519491231002X", "gender": "2",
                     "birth_date": "1949-12-31", "household_type": "floating", "ethnicity": "01",
                     "hukou_address": "湖南省长沙市", "residence_type": "rental",
                     "house": "0F8FAD5B-D9CB-469F-A165-70867728950E",
                     "current_address": "坪山区", "residence_permit_no": "ABC123",
                     "residence_permit_valid_to": "2027-01-01", "care_groups": ["disabled"],
                     "disability_cert_no": "11010519491231002X11"},
        "rental": {"address_code": "4403101234567890123", "address": "坪山区", "house_type": "other",
                   "floors": 6, "rooms": 12, "tenants": 0, "use": "mixed",
                   "landlord_type": "organisation", "landlord_name": "某公司",
                   "landlord_credit_code": "91440300MA5F0XXX1X", "landlord_phone": "0755-12345678-801",
                   "rental_registration": "expired", "registration_no": "AB-1234",
                   "fire_check": "hazards", "checked_on": TODAY, "fire_hazards": ["other", "single_exit"],
                   "hazard_other": "堆放杂物", "area_m2": 88.5},
        "fixture": {"component_code": "0114", "fixture_id": "4403100114000001",
                    "location_description": "路口", "state": "damaged", "problem_description": "漏水",
                    "owner_department": "水务局", "last_inspected": "2000-01-01",
                    "maintainer_phone": "13912345678"},
        "enterprise": {"credit_code": "91440300708461136T", "name": "某科技有限公司",
                       "legal_representative": "马某", "address": "坪山区", "industry": "I",
                       "employees": 300, "contact_phone": "0755-86013388",
                       "premises": "0F8FAD5B-D9CB-469F-A165-70867728950E",
                       "operating_status": "operating"},
        "event": {"category": "env.exposed_garbage", "description": "路口堆放垃圾",
                  "location_description": "路口", "source": "resident",
                  "reporter_phone": "13812345678"},
        "event_verification": {"event": "0f8fad5b-d9cb-469f-a165-70867728950e",
                               "result": "not_fixed", "note": "仍未清理"},
        "parity": {"code": "ab", "when": "2024-02-29T23:59:59.5-00:30", "ratio": 1, "count": 7,
                   "colour": "red", "colours": ["blue", "01"], "why": "a-b", "more": "x",
                   "who": "0f8fad5b-d9cb-469f-a165-70867728950e", "tel": "010-87654321",
                   "card": "11010519491231002x", "snap_note": "x",
                   "uscc": "91350100M000100Y43"},
    }


FIELD_SAMPLES: dict[str, list[Any]] = {
    "text": ["𠀀𠀀", "𠀀" * 5, "𠀀" * 6, "a\u0000b", "a\u007fb", "tab\tok", "\ud800", "abc",
             "a" * 201, "4403" + "1" * 15, "4403" + "1" * 14, "91440300MA5F0XXX1O", "a-", "A"],
    "integer": [0, 1, 3, 120, 121, -5, 2000, 2001, 5000, 5001, "12", 1.5],
    "decimal": [0.99, 1, 1.0001, 100000, 100000.5, -1.5, -1.6, 2.25, 2.26, "1.5"],
    "date": ["2024-02-29", "2023-02-29", "1899-12-31", "1900-01-01", "1989-12-31", "1990-01-01",
             "2025-06-15", "2025-06-16", "0000-01-01", "2024-1-01", "2024-13-01", "20240101",
             " 2024-01-01", "1949-12-31"],
    "datetime": ["2020-01-01T00:00+08:00", "2019-12-31T16:00Z", "2019-12-31T15:59:59.999999Z",
                 "2024-01-01T10:00", "2024-01-01T24:00Z", "2024-01-01T23:59:60Z",
                 "2024-01-01T10:00+24:00", "2024-01-01T10:00+00:99", "2024-01-01T10:00+23:99",
                 "2024-01-01T10:00:00.1234567Z", "2030-12-31T23:59:59.999999Z",
                 "2031-01-01T00:00:00.000001+00:01", "2031-01-01T00:00:00+00:01",
                 "2024-02-30T00:00Z", "2024-01-01t10:00Z"],
    "select_one": ["red", "RED", "01", "1", "a.b-c", "other", "hazards", "person", "organisation",
                   "registered", "foreign", "rental", "own", "passed", "intact"],
    "select_multiple": [["red", "red"], ["nope"], ["other"], ["disabled"], ["blue"], [1],
                        ["single_exit"], "red"],
    "id_card": ["11010519491231002X", "11010519491231002x", "110105194912310021",
                "01010519491231002X", "110105190002290023", "110105189912310024",
                "110105202506160010", "1101051949123100", "11010519491231002Y", "１1010519491231002X"],
    "phone": ["13812345678", "12812345678", "0755-12345678", "075512345678", "0755-02345678",
              "010-1234567", "021-12345678-123456", "021-12345678-1234567", "+8613812345678",
              "138 1234 5678", "0755-12345678-"],
    # GB 32100: valid, wrong check character, lower case, wrong lengths, I/O/S/V/Z, a letter
    # among the region digits, full-width, padded.
    "credit_code": ["91350100M000100Y43", "914403001922038216", "91440300708461136T",
                    "91350100M000100Y44", "91440300708461136A", "91440300708461136t",
                    "91350100m000100y43", "91350100M000100Y4", "91350100M000100Y433", "9",
                    "91350100M000100O43", "9135010IM000100Y43", "9144A300708461136T",
                    "９1440300708461136T", " 91440300708461136T", "91440300708461136T "],
    "ref": ["0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950E",
            "0f8fad5bd9cb469fa16570867728950e", "{0f8fad5b-d9cb-469f-a165-70867728950e}"],
    "photo": [[_photo(1)], [_photo(1), _photo(2)], [_photo(1), _photo(2), _photo(3)],
              [_photo(i) for i in range(1, 6)], [_photo(1), _photo(1)],
              [_photo(1, sha256="A" * 64)], [_photo(1, sha256="a" * 63)],
              [_photo(1, content_type="image/gif")], [_photo(1, content_type="IMAGE/JPEG")],
              [_photo(1, size=0)], [_photo(1, size=-3)], [_photo(1, size="300")],
              [_photo(1, size=True)], [_photo(1, size=2**53)], [_photo(1, size=2**53 - 1)],
              [{**_photo(1), "extra": 1}], [{"sha256": "a" * 64, "size": 1}], ["a" * 64],
              [None], [[]], _photo(1), "a" * 64],
}


def _cases() -> list[dict[str, Any]]:
    cases = []
    for form in _forms():
        valid, key = _valid(form), f'{form["id"]}@{form["version"]}'
        cases.append({"form": key, "data": valid})
        cases.append({"form": key, "data": {}})
        for bad in (None, [], "x", 1):
            cases.append({"form": key, "data": bad})
        cases.append({"form": key, "data": {**valid, "unknown": 1, "12": 2}})
        for field in form["fields"]:
            name = field["name"]
            samples = FIELD_SAMPLES.get(field["type"], []) + WHITESPACE_SAMPLES + ODD_VALUES
            for value in samples:
                data = copy.deepcopy(valid)
                data[name] = value
                cases.append({"form": key, "data": data})
            without = {k: v for k, v in valid.items() if k != name}
            cases.append({"form": key, "data": without})
    return cases


def _python_results(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    validators = {f'{form["id"]}@{form["version"]}': FormValidator(form) for form in _forms()}
    today = date.fromisoformat(TODAY)
    results = []
    for case in cases:
        # Through JSON, as the server sees a submission.
        data = json.loads(json.dumps(case["data"]))
        cleaned, errors = validators[case["form"]].validate(data, today)
        results.append({"cleaned": cleaned, "errors": errors})
    return results


RUN_IN_PAGE = """async ([formsJson, casesJson, today]) => {
    const { FormValidator } = await import('/app/js/validate.js');
    const validators = Object.fromEntries(JSON.parse(formsJson).map(f => [`${f.id}@${f.version}`, new FormValidator(f)]));
    return JSON.stringify(JSON.parse(casesJson).map(c => {
        const { cleaned, errors } = validators[c.form].validate(c.data, today);
        return { cleaned, errors };
    }));
}"""


def test_the_phone_validates_every_case_exactly_as_the_server(phone):
    cases = _cases()
    page = phone.new_page()
    page.goto("/app/manifest.webmanifest")  # any page of the origin, without the app running
    # ensure_ascii keeps lone surrogates as \\ud800 escapes, so both sides parse the same string.
    phone_results = json.loads(page.evaluate(RUN_IN_PAGE, [
        json.dumps(_forms()), json.dumps(cases), TODAY]))
    server_results = _python_results(cases)
    differences = [(case, mine, theirs) for case, mine, theirs
                   in zip(cases, phone_results, server_results)
                   if _comparable(mine) != _comparable(theirs)]
    assert len(cases) > 1000
    codes = {e["code"] for result in server_results for e in result["errors"]}
    assert codes >= {"required", "not_relevant", "unknown_field", "type", "max_length",
                     "min_length", "pattern", "characters", "min", "max", "date", "datetime",
                     "choice", "duplicate_choice", "id_card.format", "id_card.region",
                     "id_card.birth_date", "id_card.check_digit", "phone", "ref",
                     "max_count", "photo", "duplicate_photo",
                     "credit_code.format", "credit_code.check_character"}
    assert not differences, "\n".join(
        f"{json.dumps(c, ensure_ascii=False)}\n  phone:  {m}\n  server: {s}"
        for c, m, s in differences[:10])


def _comparable(result: dict[str, Any]) -> str:
    # Unknown fields are listed in the data's key order, which JavaScript objects do not keep
    # for integer-like keys ("12"): compare those errors as a set.
    errors = result["errors"]
    known = [e for e in errors if e["code"] != "unknown_field"]
    unknown = sorted(json.dumps(e, sort_keys=True) for e in errors if e["code"] == "unknown_field")
    return json.dumps([result["cleaned"], known, unknown], sort_keys=True, ensure_ascii=False)
