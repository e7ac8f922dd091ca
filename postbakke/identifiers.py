"""What a Danish CPR number says about its holder: the one rule for birth date and age.

Base module (no stage imports it the other way round): ids reads numbers off a
page, registers validates imports, match and review decide "child under 15",
the work station validates a typed number; all ask here.
"""

from __future__ import annotations

from datetime import date

from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import ValidationError

# Children under 15 receive no Digital Post of their own (domain.md): never a leak.
CHILD_AGE = 15


def cpr_birth_date(digits: str, today: date | None = None) -> date | None:
    """The birth date a 10-digit CPR encodes, or None if impossible or in the future.

    Date and century only (python-stdnum): the modulus-11 check was abandoned in
    2007 and is never used to reject a number.
    """
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return None
    try:
        born = stdnum_cpr.get_birth_date(digits)
    except (ValidationError, ValueError):
        return None
    if born > (today or date.today()):
        return None
    return born


def age_on(birth: date, day: date) -> int:
    """Whole years from `birth` to `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_child_on(birth: date | str | None, day: date) -> bool:
    """Whether someone born on `birth` (a date or ISO text) is under 15 on `day`."""
    if not birth:
        return False
    born = date.fromisoformat(birth) if isinstance(birth, str) else birth
    return age_on(born, day) < CHILD_AGE
