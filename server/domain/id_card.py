"""PRC resident identity card numbers (公民身份号码, GB 11643-1999).

An 18-character number: a 6-digit region code, the 8-digit birth date (YYYYMMDD), a 3-digit
sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character (0-9 or X).
The same layout is used by the residence permits of Hong Kong, Macao and Taiwan residents
(region 81/82/83) and by the 2023 foreign permanent residence ID card (first digit 9).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from operator import mul

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# Problem codes, stable: they end up in submission results as "id_card.<code>".
FORMAT = "format"
REGION = "region"
BIRTH_DATE = "birth_date"
CHECK_DIGIT = "check_digit"

_SHAPE = re.compile(r"[0-9]{17}[0-9Xx]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_WEIGHT_SUM = sum(_WEIGHTS)
_CHECK_CHARACTERS = "10X98765432"


def china_today() -> date:
    """Today's date in China Standard Time (UTC+8), the calendar collectors work in."""
    return datetime.now(CHINA_STANDARD_TIME).date()


def check_character(first_17_digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 (ASCII) digits of a number."""
    # Weighting the ASCII codes adds 48 * sum(weights) = 4800: cheaper than int() per digit.
    total = sum(map(mul, first_17_digits.encode("ascii"), _WEIGHTS)) - 48 * _WEIGHT_SUM
    return _CHECK_CHARACTERS[total % 11]


def synthetic_id_card(region: str, born: date, serial: int) -> str:
    """A valid number for test and benchmark data: the 6-digit region, the birth date, a 3-digit
    serial (odd for men, even for women) and the check character."""
    if not (len(region) == 6 and region.isascii() and region.isdigit() and 0 <= serial <= 999):
        raise ValueError(f"no ID number from region {region!r} and serial {serial}")
    first_17 = f"{region}{born.year:04d}{born.month:02d}{born.day:02d}{serial:03d}"
    return first_17 + check_character(first_17)


def birth_date_of(id_card: str) -> date | None:
    """The birth date written in an 18-character ID number, or None if it is no real date."""
    digits = id_card[6:14]
    if len(id_card) != 18 or not digits.isascii() or not digits.isdigit():
        return None
    try:
        return date.fromisoformat(digits)  # YYYYMMDD is ISO 8601's basic format
    except ValueError:
        return None


def id_card_problem(value: object, today: date | None = None) -> str | None:
    """Why value is not a valid ID number (format, region, birth_date, check_digit), or None.

    A lower-case check character 'x' is accepted; store `normalized_id_card(value)`.
    The birth date must be real, not before 1900-01-01 and not after `today` (China time).
    """
    if not isinstance(value, str) or _SHAPE.fullmatch(value) is None:
        return FORMAT
    if value[0] == "0":
        return REGION
    born = birth_date_of(value)
    if born is None or born < EARLIEST_BIRTH_DATE or born > (today or china_today()):
        return BIRTH_DATE
    if check_character(value[:17]) != value[17].upper():
        return CHECK_DIGIT
    return None


def normalized_id_card(value: str) -> str:
    """The ID number with its check character in upper case ('x' -> 'X')."""
    return value[:17] + value[17:].upper()


def is_male(id_card: str) -> bool:
    """Whether the sequence digit (the 17th character) marks a man (odd) rather than a woman."""
    return int(id_card[16]) % 2 == 1


def masked_id_card(value: str) -> str:
    """The number as shown to roles that may not see it: region code and last 4 only."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
