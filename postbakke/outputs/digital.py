"""Digital counts: how many letters each department sent digitally per ISO week.

They come from the sending systems' statistics as CSV (`week,department,digital_letters`).
With the paper letters found in the trays they give each department's digital
share against the goal. Week arithmetic uses the standard library's ISO calendar
(`date.fromisocalendar`, `date.isocalendar`): ISO weeks start on Monday and
week 1 is the week with the year's first Thursday.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

from postbakke.deciding.registers import read_csv_rows
from postbakke.errors import RegisterFormatError
from postbakke.models import DigitalCount as DigitalCount  # its home; importable here too

DIGITAL_COLUMNS = ("week", "department", "digital_letters")
_WEEK_FORM = re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE)
# A week as people type it in a filter: "48", "uge 48", "uge 48 2026", "48 2026",
# "2026-W48", "2026 uge 48".
_WEEK_TYPED = (
    re.compile(r"^(?:uge\s*)?(?P<week>\d{1,2})(?:[\s/,.-]+(?P<year>\d{4}))?$", re.IGNORECASE),
    re.compile(r"^(?P<year>\d{4})\s*-?\s*(?:w|uge\s*)(?P<week>\d{1,2})$", re.IGNORECASE),
)


class IsoWeek(NamedTuple):
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """'2026-W47' (also '2026-w5'); ValueError with a Danish reason otherwise."""
        found = _WEEK_FORM.match(text.strip())
        if not found:
            raise ValueError(f"ugyldig uge '{text}' (skal skrives som ISO-uge, fx 2026-W47)")
        return cls.checked(int(found.group(1)), int(found.group(2)))

    @classmethod
    def typed(cls, text: str, this_year: int) -> IsoWeek:
        """A week as people type it in a filter ("48", "uge 48", "2026-W48"); a week number
        alone is of `this_year`. ValueError with a Danish reason when it is no week."""
        cleaned = " ".join(text.split())
        for form in _WEEK_TYPED:
            found = form.match(cleaned)
            if found:
                return cls.checked(int(found.group("year") or this_year),
                                   int(found.group("week")))
        raise ValueError(f"'{text}' er ikke en uge (skriv fx 48, uge 48 eller 2026-W48)")

    @classmethod
    def checked(cls, year: int, week: int) -> IsoWeek:
        """The week, if the year has it; ValueError with a Danish reason otherwise."""
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(f"uge {week} findes ikke i {year}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 7)

    @property
    def thursday(self) -> date:
        """The day that decides which year (and period) an ISO week belongs to."""
        return date.fromisocalendar(self.year, self.week, 4)

    def shifted(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))


def weeks_between(first: IsoWeek, last: IsoWeek) -> list[IsoWeek]:
    """Every ISO week from `first` to `last`, both included."""
    weeks = []
    monday = first.monday
    while monday <= last.monday:
        weeks.append(IsoWeek.of(monday))
        monday += timedelta(weeks=1)
    return weeks


def weeks_of_period(start: date, end: date) -> list[IsoWeek]:
    """The ISO weeks whose digital counts belong to a period: those whose Thursday is in it.

    Digital counts come per whole week; a period that cuts a week takes the
    week where most of it lies (the ISO rule that gives a week to a year).
    """
    return [w for w in weeks_between(IsoWeek.of(start), IsoWeek.of(end))
            if start <= w.thursday <= end]


def read_digital_csv(path: Path) -> list[DigitalCount]:
    """Read and validate every row; a bad row refuses the whole file (`file:line: reason`)."""
    counts: list[DigitalCount] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in read_csv_rows(path, DIGITAL_COLUMNS):
        try:
            week = IsoWeek.parse(row["week"])
        except ValueError as error:
            raise RegisterFormatError(str(path), line, str(error)) from error
        department = row["department"]
        if not department:
            raise RegisterFormatError(str(path), line, "afdeling mangler")
        value = row["digital_letters"]
        if not re.fullmatch(r"\d+", value):
            raise RegisterFormatError(
                str(path), line, f"digital_letters skal være et helt tal (0 eller mere), ikke "
                f"'{value}'",
            )
        key = (week.label, department.casefold())
        if key in seen:
            raise RegisterFormatError(
                str(path), line,
                f"uge {week.label} for {department} står også i linje {seen[key]}",
            )
        seen[key] = line
        counts.append(DigitalCount(week.label, department, int(value)))
    if not counts:
        raise RegisterFormatError(str(path), 2, "filen har ingen rækker med tal")
    return counts


def align_departments(
    counts: list[DigitalCount], known: list[str]
) -> tuple[list[DigitalCount], list[str]]:
    """Spell departments as the staff directory does (case aside); also the unknown names.

    An unknown department is kept (the directory may be imported later) but
    reported, since its counts then meet no paper letters.
    """
    by_fold = {name.casefold(): name for name in known}
    aligned = [
        DigitalCount(c.week, by_fold.get(c.department.casefold(), c.department), c.digital_letters)
        for c in counts
    ]
    unknown = sorted({c.department for c in aligned if c.department.casefold() not in by_fold})
    return aligned, unknown
