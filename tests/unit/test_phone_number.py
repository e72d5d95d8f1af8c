"""Mainland phone numbers: mobile and landline with area code."""

import pytest

from server.domain.phone_number import is_phone_number, masked_phone_number, phone_kind


@pytest.mark.parametrize(
    "number", ["13812345678", "15012345678", "16612345678", "17712345678", "18923456789",
               "19912345678"]
)
def test_mobile_number_is_accepted(number: str) -> None:
    assert phone_kind(number) == "mobile"


@pytest.mark.parametrize(
    "number",
    ["0755-12345678", "075512345678", "0755-2345678", "010-87654321", "01087654321",
     "020-12345678", "0769-22345678", "0755-12345678-801", "010-87654321-1"],
)
def test_landline_with_area_code_is_accepted(number: str) -> None:
    assert phone_kind(number) == "landline"


@pytest.mark.parametrize(
    "number",
    [
        "",
        "12812345678",  # no mobile prefix 12
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "+8613812345678",
        "8613812345678",
        "138 1234 5678",
        "138-1234-5678",
        "12345678",  # no area code
        "0755 12345678",
        "(0755)12345678",
        "0755-0123456",  # local number starting with 0
        "0755-123456",  # local number too short
        "0755-123456789",  # local number too long
        "0110-12345678",  # no area code 011x
        "00755-12345678",
        "0755-12345678-",
        "0755-12345678-1234567",  # extension too long
        "０７５５-12345678",  # full-width digits
        "1381234567８",
    ],
)
def test_malformed_phone_number_is_refused(number: str) -> None:
    assert phone_kind(number) is None
    assert not is_phone_number(number)


@pytest.mark.parametrize("value", [None, 13812345678, ["13812345678"]])
def test_non_string_is_refused(value: object) -> None:
    assert not is_phone_number(value)


def test_masked_mobile_keeps_prefix_and_last_four() -> None:
    assert masked_phone_number("13812345678") == "138****5678"


def test_masked_landline_keeps_area_code_and_last_four() -> None:
    assert masked_phone_number("0755-12345678") == "0755-****5678"
    assert masked_phone_number("075512345678") == "0755****5678"
