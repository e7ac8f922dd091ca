"""The one rule for a CPR's birth date and a recipient's age."""

from datetime import date

import pytest

from postbakke.identifiers import age_on, cpr_birth_date, is_child_on


@pytest.mark.parametrize(("digits", "born"), [
    ("0102031234", date(1903, 2, 1)),   # 7th digit 0-3: 1900s
    ("0102034234", date(2003, 2, 1)),   # 4 with YY <= 36: 2000s
    ("0102504234", date(1950, 2, 1)),   # 4 with YY > 36: 1900s
    ("0102605234", date(1860, 2, 1)),   # 5-8 with YY > 57: 1800s
    ("0101651235", date(1965, 1, 1)),   # fails modulus 11: still a valid CPR
])
def test_birth_date_follows_the_century_rule(digits: str, born: date) -> None:
    assert cpr_birth_date(digits, today=date(2026, 11, 30)) == born


@pytest.mark.parametrize("digits", [
    "3102031234",   # 31 February
    "010203123",    # nine digits
    "01020312345",  # eleven
    "01O2031234",   # a letter
    "0101304234",   # 2030: in the future
])
def test_impossible_or_future_birth_dates_are_rejected(digits: str) -> None:
    assert cpr_birth_date(digits, today=date(2026, 11, 30)) is None


def test_age_turns_on_the_birthday() -> None:
    born = date(2011, 12, 1)
    assert age_on(born, date(2026, 11, 30)) == 14
    assert age_on(born, date(2026, 12, 1)) == 15
    assert is_child_on(born, date(2026, 11, 30))
    assert not is_child_on(born.isoformat(), date(2026, 12, 1))
    assert not is_child_on(None, date(2026, 12, 1))
