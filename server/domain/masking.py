"""How a field value is shown at each disclosure level, and what a mask must also hide.

Levels: ``visible`` (as stored), ``masked`` (a partial value: ``440307********1234``,
``138****5678``, ``李**``, ``***``) and ``hidden`` (left out of the data).

Derived data: an ID-card number encodes a birth date (characters 7-14) and a sex (character 17).
A masked number hides the birth date, so a date field holding the very date the number encodes
would give it back: whenever the number is not shown in clear, such a date is shown as its year
only (``1990-**-**``). The sex character stays visible among the masked number's last four, so a
sex field reveals nothing more. A date that differs from the encoded one is not derived from the
number and stays as the reader's level allows.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from server.domain.id_card import birth_date_of, masked_id_card
from server.domain.phone_number import masked_phone_number

VISIBLE, MASKED, HIDDEN = "visible", "masked", "hidden"
LEVELS = (VISIBLE, MASKED, HIDDEN)


def masked_value(kind: str, value: object) -> object:
    """A value shown masked: numbers keep their ends, texts their first character."""
    if value is None:
        return None
    if type(value) is not str:
        return "***"
    if kind in ("id_card", "credit_code"):
        return masked_id_card(value)  # the region code and the last four
    if kind == "phone":
        return masked_phone_number(value)
    if kind == "text" and len(value) > 1:
        return value[0] + "*" * min(len(value) - 1, 8)
    return "***"


def shown_data(types: Mapping[str, str], level: Callable[[str], str],
               data: Mapping[str, object]) -> dict[str, object]:
    """Record data as a reader sees it: each field at its level, derived dates coarsened."""
    shown: dict[str, object] = {}
    unclear_births = set()
    for name, value in data.items():
        kind, at = types.get(name, "text"), level(name)
        if kind == "id_card" and at != VISIBLE and isinstance(value, str):
            born = birth_date_of(value)
            if born is not None:
                unclear_births.add(born.isoformat())
        if at == VISIBLE:
            shown[name] = value
        elif at == MASKED:
            shown[name] = masked_value(kind, value)
    for name, value in shown.items():
        if types.get(name) == "date" and value in unclear_births:
            shown[name] = f"{str(value)[:4]}-**-**"
    return shown
