"""How values are shown at each level, and what a masked ID number must also hide."""
from __future__ import annotations

from server.domain.masking import HIDDEN, MASKED, VISIBLE, masked_value, shown_data
from tests.factories import make_id_card

TYPES = {"name": "text", "id_card": "id_card", "phone": "phone", "birth_date": "date",
         "moved_in_date": "date", "gender": "select_one", "floors": "integer"}
NUMBER = make_id_card(3, born="19900815")
DATA = {"name": "李晓红", "id_card": NUMBER, "phone": "13925481736",
        "birth_date": "1990-08-15", "moved_in_date": "2019-03-01", "gender": "2", "floors": 6}


def levels(**named):
    return lambda name: named.get(name, VISIBLE)


def test_each_kind_of_value_keeps_only_its_ends():
    assert masked_value("id_card", NUMBER) == NUMBER[:6] + "********" + NUMBER[-4:]
    assert masked_value("phone", "13925481736") == "139****1736"
    assert masked_value("phone", "0755-12345678") == "0755-****5678"
    assert masked_value("text", "李晓红") == "李**"
    assert masked_value("integer", 6) == "***" and masked_value("text", None) is None


def test_visible_masked_and_hidden():
    shown = shown_data(TYPES, levels(phone=MASKED, name=HIDDEN), DATA)
    assert "name" not in shown and shown["phone"] == "139****1736"
    assert shown["id_card"] == NUMBER and shown["floors"] == 6


def test_a_masked_id_number_coarsens_the_birth_date_it_encodes():
    for level in (MASKED, HIDDEN):
        shown = shown_data(TYPES, levels(id_card=level), DATA)
        assert shown["birth_date"] == "1990-**-**"
        assert shown["moved_in_date"] == "2019-03-01"  # not derived from the number


def test_a_date_that_differs_from_the_number_is_not_derived_from_it():
    shown = shown_data(TYPES, levels(id_card=MASKED), {**DATA, "birth_date": "1991-01-02"})
    assert shown["birth_date"] == "1991-01-02"


def test_a_visible_id_number_leaves_the_birth_date_alone():
    assert shown_data(TYPES, levels(), DATA)["birth_date"] == "1990-08-15"


def test_no_masked_digit_of_the_number_can_be_read_elsewhere_in_the_record():
    shown = shown_data(TYPES, levels(id_card=MASKED, phone=MASKED), DATA)
    text = repr(shown)
    hidden_digits = NUMBER[6:14]
    assert hidden_digits not in text.replace("-", "") and NUMBER not in text
    assert "13925481736" not in text
