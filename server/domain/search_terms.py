"""What search indexes and recognises as a number: whole ID-card and phone numbers, credit codes.

The one recogniser. The form's own rules decide what a number is (GB 11643 for ID cards,
`phone_number.phone_kind` for phones, GB 32100 for credit codes), so a number the form accepts
is indexed and found as a number, and a string the form refuses (`0755-01234567`) is searched as
a name, never the other way round. Numbers are indexed and looked up in one written form: no
spaces or dashes, upper case. A credit code typed in lower case is taken as the code (the form
stores only capitals, so the capitalised query names the same enterprise).
"""
from __future__ import annotations

from server.domain.credit_code import credit_code_problem
from server.domain.id_card import id_card_problem
from server.domain.phone_number import phone_kind


def search_term(number: str) -> str:
    """A whole number as indexed and searched: no spaces or dashes, upper-case X."""
    return number.replace(" ", "").replace("-", "").upper()


def recognised_number(query: str) -> str | None:
    """The search term when ``query`` is a whole ID-card or phone number the forms accept."""
    compact = query.strip().replace(" ", "")
    if (id_card_problem(compact) is None or phone_kind(compact) is not None
            or credit_code_problem(compact.upper()) is None):
        return search_term(compact)
    return None
