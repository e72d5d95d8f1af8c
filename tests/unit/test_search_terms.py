"""Search recognises as a number exactly what the forms accept as one."""
from __future__ import annotations

import pytest

from server.domain.form_validation import FormValidator
from server.domain.search_terms import recognised_number, search_term
from tests.factories import make_id_card

FORM = FormValidator({
    "id": "probe", "version": 1, "title": {"zh": "探针", "en": "Probe"}, "kind": "probe",
    "key": "number",
    "fields": [{"name": "number", "type": "text", "label": {"zh": "号", "en": "No."},
                "required": True},
               {"name": "phone", "type": "phone", "label": {"zh": "电话", "en": "Phone"}},
               {"name": "id_card", "type": "id_card", "label": {"zh": "证", "en": "ID"}}]})

CASES = ["13812345678", "010-87654321-123", "01087654321-123", "0755-12345678", "075512345678",
         "0755-12345678-801", "0755-01234567", "12812345678", "1381234567", "138123456789",
         "0755-1234567-", "+8613812345678", make_id_card(7), make_id_card(7)[:17] + "0",
         make_id_card(8).lower(), "440310199002301234", "晓红", "0", "0755"]


def accepted_by_the_form(value: str) -> bool:
    as_phone = FORM.validate({"number": "x", "phone": value})[1]
    as_id_card = FORM.validate({"number": "x", "id_card": value})[1]
    return not as_phone or not as_id_card


@pytest.mark.parametrize("value", CASES)
def test_search_takes_as_a_number_what_the_form_accepts_as_one(value):
    assert (recognised_number(value) is not None) == accepted_by_the_form(value)


def test_a_landline_with_an_extension_is_a_number():
    assert recognised_number("010-87654321-123") == "01087654321123"


def test_a_landline_whose_local_number_starts_with_zero_is_not():
    assert recognised_number("0755-01234567") is None


def test_numbers_are_indexed_and_looked_up_in_one_written_form():
    assert search_term("0755-1234 5678") == recognised_number("0755-12345678")
    assert recognised_number(" 138 1234 5678 ") == "13812345678"
    assert recognised_number(make_id_card(8).lower()) == make_id_card(8)


def test_a_credit_code_is_a_number_in_capitals_or_not():
    assert recognised_number("91440300708461136T") == "91440300708461136T"
    assert recognised_number(" 91440300708461136t ") == "91440300708461136T"


def test_a_credit_code_with_a_wrong_check_character_is_searched_as_a_name():
    assert recognised_number("91440300708461136X") is None
