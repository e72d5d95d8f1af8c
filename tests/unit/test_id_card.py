"""GB 11643 resident ID numbers: what is accepted and why the rest is refused."""

from datetime import date, datetime, timedelta, timezone

import pytest

from server.domain.id_card import (
    birth_date_of,
    check_character,
    china_today,
    id_card_problem,
    is_male,
    masked_id_card,
    normalized_id_card,
    synthetic_id_card,
)

TODAY = date(2024, 6, 1)


def make_id_card(region: str = "440310", born: str = "19900307", sequence: str = "123") -> str:
    first_17 = region + born + sequence
    return first_17 + check_character(first_17)


def test_the_standards_own_example_is_valid() -> None:
    assert id_card_problem("11010519491231002X", TODAY) is None


def test_check_character_follows_iso_7064_mod_11_2() -> None:
    assert check_character("11010519491231002") == "X"
    assert check_character("44031019900307123") == "7"


def test_lower_case_x_is_accepted_and_normalised_to_upper_case() -> None:
    assert id_card_problem("11010519491231002x", TODAY) is None
    assert normalized_id_card("11010519491231002x") == "11010519491231002X"


def test_id_card_with_wrong_check_digit_is_refused() -> None:
    good = make_id_card()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert id_card_problem(wrong, TODAY) == "check_digit"


def test_every_single_digit_typo_is_caught_by_the_check_digit() -> None:
    good = make_id_card(born="19850612")
    for position in range(14, 17):  # the sequence digits: a typo there keeps a real birth date
        for digit in "0123456789":
            typo = good[:position] + digit + good[position + 1:]
            if typo != good:
                assert id_card_problem(typo, TODAY) == "check_digit"


@pytest.mark.parametrize("born", ["19990230", "20230229", "19901301", "19900100", "19900632"])
def test_impossible_birth_date_is_refused(born: str) -> None:
    assert id_card_problem(make_id_card(born=born), TODAY) == "birth_date"


def test_leap_day_birth_date_is_accepted() -> None:
    assert id_card_problem(make_id_card(born="20000229"), TODAY) is None


def test_future_birth_date_is_refused() -> None:
    assert id_card_problem(make_id_card(born="20240602"), TODAY) == "birth_date"


def test_person_born_today_is_accepted() -> None:
    assert id_card_problem(make_id_card(born="20240601"), TODAY) is None


def test_birth_before_1900_is_refused_but_1900_itself_is_accepted() -> None:
    assert id_card_problem(make_id_card(born="18991231"), TODAY) == "birth_date"
    assert id_card_problem(make_id_card(born="19000101"), TODAY) is None


def test_region_code_starting_with_zero_is_refused() -> None:
    assert id_card_problem(make_id_card(region="040310"), TODAY) == "region"


@pytest.mark.parametrize("region", ["810000", "820000", "830000", "944031"])
def test_hong_kong_macao_taiwan_and_foreign_permanent_residence_numbers_are_accepted(
    region: str,
) -> None:
    assert id_card_problem(make_id_card(region=region), TODAY) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "44031019900307123",  # 17 characters
        "4403101990030712377",  # 19 characters
        "440310900307123",  # first-generation 15-digit number
        "4403101990030X1237",  # X not at the end
        "44031019900307123 ",
        " 440310199003071237",
        "44031019900307123Y",
        "４４０３１０１９９００３０７１２３７",  # full-width digits
        "440310١٩٩٠0307123X",  # Arabic-Indic digits are digits to Python, not to us
    ],
)
def test_malformed_number_is_refused_as_format(value: str) -> None:
    assert id_card_problem(value, TODAY) == "format"


@pytest.mark.parametrize("value", [None, 440310199003071237, ["440310199003071237"]])
def test_non_string_is_refused_as_format(value: object) -> None:
    assert id_card_problem(value, TODAY) == "format"


def test_format_is_reported_before_region_birth_date_and_check_digit() -> None:
    assert id_card_problem("0403101999023012", TODAY) == "format"
    assert id_card_problem("040310199902301230", TODAY) == "region"
    assert id_card_problem("440310199902301230", TODAY) == "birth_date"


def test_birth_date_of_reads_digits_7_to_14() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    assert birth_date_of("440310199902301230") is None
    assert birth_date_of("short") is None


def test_sequence_parity_gives_the_sex() -> None:
    assert is_male(make_id_card(sequence="123"))
    assert not is_male(make_id_card(sequence="124"))


def test_masked_number_keeps_region_and_last_four() -> None:
    assert masked_id_card("440307199003071234") == "440307********1234"


def test_china_today_is_the_utc_date_or_the_day_after() -> None:
    utc_today = datetime.now(timezone.utc).date()
    assert china_today() in {utc_today, utc_today + timedelta(days=1)}


def test_synthetic_id_card_is_valid_and_carries_its_parts() -> None:
    number = synthetic_id_card("440310", date(1990, 3, 7), 123)
    assert number == "440310199003071237"
    assert id_card_problem(number, TODAY) is None
    assert birth_date_of(number) == date(1990, 3, 7) and is_male(number)


@pytest.mark.parametrize("region, serial", [("11010", 2), ("4403101", 2), ("44031a", 2),
                                            ("440310", -1), ("440310", 1000)])
def test_synthetic_id_card_refuses_what_cannot_be_written_in_18_characters(
        region: str, serial: int) -> None:
    with pytest.raises(ValueError):
        synthetic_id_card(region, date(1990, 3, 7), serial)
