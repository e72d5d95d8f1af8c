"""Unified social credit codes (GB 32100-2015): the shape and the MOD 31-3 check character."""
from __future__ import annotations

import pytest

from server.domain.credit_code import (CHECK_CHARACTER, FORMAT, check_character,
                                       credit_code_problem, synthetic_credit_code)
from server.domain.form_validation import FormValidator

# Codes printed on real business licences (the standard's own example among them).
REAL = ["91350100M000100Y43", "914403001922038216", "91440300708461136T"]

FORM = FormValidator({
    "id": "probe", "version": 1, "title": {"zh": "探", "en": "Probe"}, "kind": "probe",
    "key": "uscc", "fields": [{"name": "uscc", "type": "credit_code", "required": True,
                               "label": {"zh": "代码", "en": "Code"}}]})


def code_of(value: object) -> str | None:
    errors = FORM.validate({"uscc": value})[1]
    return errors[0]["code"] if errors else None


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code):
    assert credit_code_problem(code) is None
    assert code_of(code) is None


def test_the_check_character_is_mod_31_3_over_the_first_17():
    assert check_character("91350100M000100Y4") == "3"
    assert check_character("91440300708461136") == "T"


def test_a_wrong_check_character_is_refused():
    assert credit_code_problem("91350100M000100Y44") == CHECK_CHARACTER
    assert code_of("91350100M000100Y44") == "credit_code.check_character"


def test_lower_case_is_refused_even_when_the_check_holds_in_capitals():
    assert credit_code_problem("91440300708461136t") == FORMAT
    assert code_of("91350100m000100y43") == "credit_code.format"


@pytest.mark.parametrize("value", ["91350100M000100Y4", "91350100M000100Y433", "", "9" * 17])
def test_a_wrong_length_is_refused(value):
    assert code_of(value) in ("credit_code.format", "required")
    assert credit_code_problem(value) == FORMAT


@pytest.mark.parametrize("letter", "IOSVZ")
def test_letters_that_look_like_digits_are_not_used(letter):
    assert credit_code_problem("91350100M000100" + letter + "43") == FORMAT


def test_the_region_code_is_six_digits():
    first_17 = "9144A300708461136"
    assert credit_code_problem(first_17 + check_character(first_17)) == FORMAT


def test_a_number_is_the_wrong_type():
    assert code_of(914403001922038216) == "type"


def test_synthetic_codes_are_valid_and_distinct():
    codes = {synthetic_credit_code("440310", n) for n in range(500)}
    assert len(codes) == 500
    assert all(credit_code_problem(c) is None for c in codes)
