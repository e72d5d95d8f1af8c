"""Unified social credit codes (统一社会信用代码, GB 32100-2015) of enterprises and institutions.

18 characters: the registration authority (1), the kind of organisation (1), the 6-digit region
code of the registering office, the 9-character organisation code (GB 11714) and a check
character. Characters are digits and capital letters except I, O, S, V and Z (31 in all); the
check character is ISO 7064 MOD 31-3 over the first 17. Lower case is refused: the code is
printed in capitals on every business licence, and one written form keeps it one key.
"""
from __future__ import annotations

import re

# Problem codes, stable: they end up in submission results as "credit_code.<code>".
FORMAT = "format"
CHECK_CHARACTER = "check_character"

CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {c: i for i, c in enumerate(CHARACTERS)}
_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}")
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28


def check_character(first_17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(_VALUES[c] * w for c, w in zip(first_17, _WEIGHTS))
    return CHARACTERS[(31 - total % 31) % 31]


def credit_code_problem(value: object) -> str | None:
    """Why value is not a valid credit code (format, check_character), or None."""
    if not isinstance(value, str) or _SHAPE.fullmatch(value) is None:
        return FORMAT
    if check_character(value[:17]) != value[17]:
        return CHECK_CHARACTER
    return None


def synthetic_credit_code(region: str, serial: int, kind: str = "91") -> str:
    """A valid code for test and benchmark data: ``kind`` (91: a company registered with the
    market regulator), the 6-digit region, a 9-character organisation code from ``serial``."""
    if not (len(region) == 6 and region.isdigit() and 0 <= serial < 10**7):
        raise ValueError(f"no credit code from region {region!r} and serial {serial}")
    first_17 = f"{kind}{region}MA{serial:07d}"
    return first_17 + check_character(first_17)
