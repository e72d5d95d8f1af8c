"""Mainland China phone numbers: mobile (1[3-9] + 9 digits) and landline with area code.

Landlines are written with their area code, with or without a hyphen, optionally followed by an
extension after a hyphen: `0755-12345678`, `075512345678`, `010-87654321-123`.
Area codes are 010, 02X, or 0 followed by three digits (0755 Shenzhen); the local number has
7 or 8 digits and does not start with 0. No country prefix (+86), no spaces, ASCII digits only.
"""

from __future__ import annotations

import re
from typing import Literal

MOBILE_PATTERN = r"1[3-9][0-9]{9}"
LANDLINE_PATTERN = r"0(?:10|2[0-9]|[3-9][0-9]{2})-?[1-9][0-9]{6,7}(?:-[0-9]{1,6})?"

_MOBILE = re.compile(MOBILE_PATTERN)
_LANDLINE = re.compile(LANDLINE_PATTERN)

PhoneKind = Literal["mobile", "landline"]


def phone_kind(value: object) -> PhoneKind | None:
    """Whether value is a mobile or a landline number, or None if it is neither."""
    if not isinstance(value, str) or len(value) > 24:
        return None
    if _MOBILE.fullmatch(value):
        return "mobile"
    if _LANDLINE.fullmatch(value):
        return "landline"
    return None


def is_phone_number(value: object) -> bool:
    """Whether value is a well-formed mainland mobile or landline number."""
    return phone_kind(value) is not None


def masked_phone_number(value: str) -> str:
    """The number as shown to roles that may not see it: `138****5678`, `0755-****5678`."""
    if len(value) <= 4:
        return "*" * len(value)
    head = 3 if phone_kind(value) == "mobile" else value.find("-") + 1 or 4
    hidden = max(len(value) - head - 4, 0)
    return value[:head] + "*" * hidden + value[head + hidden :]
