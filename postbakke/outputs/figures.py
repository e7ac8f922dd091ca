"""The report's figures: periods and the counting, pure functions of the letters and counts.

The project leader's report, the work station's departments page and the weekly
digest all take their figures from here, so that they never disagree.

Counting (all letters dated by `scanned_on`, the tray's date):
- paper letters: every letter found in the trays;
- leaks: letters with verdict leak, except those of a follow-up closed as
  "begrundet", which count as justified instead;
- leak rate: leaks / paper letters;
- digital share: digital / (digital + leaks + justified + legitimate), for
  departments with digital counts in the period; letters for review are left
  out until a person has decided them. A total over departments uses only the
  departments that have digital counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from postbakke.errors import ExitCode, PostbakkeError
from postbakke.letters.subjects import letter_kind, ranked
from postbakke.models import UNKNOWN_DEPARTMENT, Reason, VerdictKind
from postbakke.outputs.digital import DigitalCount, IsoWeek, weeks_between, weeks_of_period
from postbakke.outputs.wording import date_da
from postbakke.store.figures import TallyRow

# Favrskov's goal for the share of letters sent digitally (domain.md).
GOAL_DIGITAL_SHARE = 0.85
# The trend chart shows up to this many ISO weeks, ending with the report's last
# week: a quarter, enough to see a coaching effort work, still legible on A4.
TREND_WEEKS = 12
# Senders shown per department: the few a project leader can talk to this week.
TOP_SENDERS_PER_DEPARTMENT = 5
# Leaks of one kind from several senders in one department point at a case
# system's template rather than at people: at least this many letters from at
# least this many different senders.
SYSTEMIC_MIN_LEAKS = 3
SYSTEMIC_MIN_SENDERS = 2

UNKNOWN_SENDER = "Afsender ukendt"


class ReportError(PostbakkeError):
    exit_code = ExitCode.BAD_ARGS


# --------------------------------------------------------------------------- period


def week_span_da(week: IsoWeek) -> str:
    """2026-W47 -> "16.–22. november 2026" (both months named when the week spans two)."""
    first, last = week.monday, week.sunday
    if first.month == last.month:
        return f"{first.day}.–{date_da(last)}"
    return f"{date_da(first)} – {date_da(last)}"


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    title: str  # Danish, for the heading
    slug: str  # for the file name

    @classmethod
    def week(cls, week: IsoWeek) -> Period:
        return cls(week.monday, week.sunday,
                   f"Uge {week.week}, {week.year} ({week_span_da(week)})", week.label)

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        if end < start:
            raise ReportError("--to ligger før --from")
        return cls(start, end, f"{date_da(start)} – {date_da(end)}",
                   f"{start.isoformat()}_{end.isoformat()}")

    @property
    def weeks(self) -> list[IsoWeek]:
        """The weeks whose digital counts belong to the period."""
        return weeks_of_period(self.start, self.end)

    @property
    def file_name(self) -> str:
        return f"rapport-{self.slug}"


def resolve_period(
    week: str | None, start: date | None, end: date | None, latest: date | None,
    today: date | None = None,
) -> Period:
    """--week, or --from/--to; by default the week of the latest scanned tray (or this week)."""
    if week and (start or end):
        raise ReportError("brug enten --week eller --from/--to, ikke begge")
    if week:
        try:
            return Period.week(IsoWeek.parse(week))
        except ValueError as error:
            raise ReportError(str(error)) from error
    if start or end:
        if not (start and end):
            raise ReportError("angiv både --from og --to (ÅÅÅÅ-MM-DD)")
        return Period.between(start, end)
    return Period.week(IsoWeek.of(latest or today or date.today()))


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class ReportLetter:
    id: int
    scanned_on: date
    department: str
    sender: str | None
    recipient_masked: str | None
    subject: str | None
    verdict: VerdictKind
    reason: Reason
    window_cpr: bool = False
    justified: bool = False
    followup_id: int | None = None
    stored_kind: str | None = None  # letters.kind, kept at filing

    n = 1  # a letter counts once (a Tally counts many)

    @property
    def counted_as(self) -> str:
        """"leak", "justified", "legitimate" or "review"."""
        return counted_as(self.verdict, self.reason, self.justified)

    @property
    def kind(self) -> str:
        return self.stored_kind or letter_kind(self.subject)

    @property
    def week(self) -> IsoWeek:
        return IsoWeek.of(self.scanned_on)

    @classmethod
    def leak_of(cls, row: Mapping) -> ReportLetter:
        """A leak as `Store.report_leaks` lists it (no subject: its kind is kept)."""
        return cls(
            id=row["id"], scanned_on=date.fromisoformat(row["scanned_on"]),
            department=row["department"] or UNKNOWN_DEPARTMENT, sender=row["sender"],
            recipient_masked=row["recipient_masked"], subject=None, verdict=VerdictKind.LEAK,
            reason=Reason(row["reason"]), stored_kind=row["kind"],
        )


def digital_share(digital: int | None, leaks: int, justified: int, legitimate: int) -> float | None:
    """digital / (digital + leaks + justified + legitimate); None without digital counts."""
    if digital is None:
        return None
    base = digital + leaks + justified + legitimate
    return digital / base if base else None


@dataclass(frozen=True, slots=True)
class Figures:
    """One row of figures: a department, a week, or a total."""

    label: str
    paper: int = 0
    leaks: int = 0
    justified: int = 0
    legitimate: int = 0
    review: int = 0
    window_cpr: int = 0
    digital: int | None = None  # None: no digital counts
    digital_share: float | None = None

    @property
    def leak_rate(self) -> float | None:
        return self.leaks / self.paper if self.paper else None

    @property
    def meets_goal(self) -> bool | None:
        return None if self.digital_share is None else self.digital_share >= GOAL_DIGITAL_SHARE


def counted_as(verdict: str, reason: str, justified: bool) -> str:
    """How the report counts a letter: "leak", "justified", "legitimate" or "review"."""
    if reason == Reason.JUSTIFIED_PAPER:  # a reviewer's "paper was right"
        return "justified"
    return "justified" if verdict == VerdictKind.LEAK and justified else str(verdict)


@dataclass(frozen=True, slots=True)
class Tally:
    """Letters of one scan day and department counted alike, and how many of them had a
    CPR in the window: the figures' input when the letters themselves are not needed."""

    scanned_on: date
    department: str
    counted_as: str
    n: int
    window_cpr: int

    @property
    def week(self) -> IsoWeek:
        return week_of(self.scanned_on)


@lru_cache(maxsize=1024)
def week_of(day: date) -> IsoWeek:
    """The ISO week of a day, made once a day (a year's trend asks ~20,000 times)."""
    return IsoWeek.of(day)


def tallies_from_rows(rows: Iterable[TallyRow]) -> list[Tally]:
    """The store's grouped rows (`Store.letter_tallies`) as tallies. A year's are ~20,000
    rows of ~260 days: each day's date is made once."""
    days: dict[str, date] = {}
    tallies = []
    for r in rows:
        day = days.get(r.scanned_on)
        if day is None:
            day = days[r.scanned_on] = date.fromisoformat(r.scanned_on)
        tallies.append(Tally(day, r.department or UNKNOWN_DEPARTMENT,
                             counted_as(r.verdict, r.reason, bool(r.justified)), r.n,
                             r.window_cpr))
    return tallies


def count_figures(label: str, letters: Iterable[ReportLetter | Tally],
                  digital: int | None) -> Figures:
    """One row of figures from letters or tallies (each counts `n` letters)."""
    counted: Counter[str] = Counter()
    paper = window = 0
    for item in letters:
        counted[item.counted_as] += item.n
        paper += item.n
        window += int(item.window_cpr)
    leaks, justified = counted[VerdictKind.LEAK], counted["justified"]
    legitimate = counted[VerdictKind.LEGITIMATE]
    return Figures(
        label=label, paper=paper, leaks=leaks, justified=justified, legitimate=legitimate,
        review=counted[VerdictKind.REVIEW], window_cpr=window, digital=digital,
        digital_share=digital_share(digital, leaks, justified, legitimate),
    )


def digital_by_department(counts: Iterable[DigitalCount]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for count in counts:
        totals[count.department] += count.digital_letters
    return dict(totals)


def department_figures(
    letters: Sequence[ReportLetter | Tally], digital: Mapping[str, int]
) -> list[Figures]:
    """Per department (those with letters or digital counts), by name."""
    by_department: dict[str, list[ReportLetter | Tally]] = defaultdict(list)
    for letter in letters:
        by_department[letter.department].append(letter)
    names = sorted(set(by_department) | set(digital))
    return [count_figures(name, by_department.get(name, []), digital.get(name)) for name in names]


def total_figures(rows: Sequence[Figures], label: str = "I alt") -> Figures:
    """Sums; the digital share over the departments that have digital counts only."""
    with_counts = [r for r in rows if r.digital is not None]
    digital = sum(r.digital or 0 for r in with_counts) if with_counts else None
    return Figures(
        label=label,
        paper=sum(r.paper for r in rows), leaks=sum(r.leaks for r in rows),
        justified=sum(r.justified for r in rows), legitimate=sum(r.legitimate for r in rows),
        review=sum(r.review for r in rows), window_cpr=sum(r.window_cpr for r in rows),
        digital=digital,
        digital_share=digital_share(
            digital, sum(r.leaks for r in with_counts), sum(r.justified for r in with_counts),
            sum(r.legitimate for r in with_counts),
        ),
    )


def weekly_figures(
    letters: Sequence[ReportLetter | Tally], counts: Sequence[DigitalCount],
    weeks: Sequence[IsoWeek],
) -> list[Figures]:
    """The totals of each ISO week, labelled '2026-W47'.

    A week without a single scanned letter has no digital share: its trays were
    most likely not scanned, and 100 % would be a claim without evidence.
    """
    by_week: dict[IsoWeek, list[ReportLetter | Tally]] = defaultdict(list)
    for letter in letters:  # once, not once per week: a year's trend stays linear
        by_week[letter.week].append(letter)
    counts_by_week: dict[str, list[DigitalCount]] = defaultdict(list)
    for count in counts:
        counts_by_week[count.week].append(count)
    rows = []
    for week in weeks:
        of_week = by_week.get(week, [])
        digital = digital_by_department(counts_by_week.get(week.label, []))
        total = total_figures(department_figures(of_week, digital), label=week.label)
        rows.append(total if of_week else replace(total, digital_share=None))
    return rows


def trend_weeks(
    period: Period, letters: Sequence[ReportLetter | Tally], counts: Sequence[DigitalCount]
) -> list[IsoWeek]:
    """Up to TREND_WEEKS weeks ending with the period's, from the first with any data."""
    last = IsoWeek.of(period.end)
    first = min(IsoWeek.of(period.start), last.shifted(-(TREND_WEEKS - 1)))
    weeks = weeks_between(first, last)
    with_data = {letter.week for letter in letters} | {
        IsoWeek.parse(c.week) for c in counts
    }
    while len(weeks) > 1 and weeks[0] not in with_data and weeks[0] < IsoWeek.of(period.start):
        weeks.pop(0)
    return weeks


def counts_of_period(counts: Sequence[DigitalCount], period: Period) -> list[DigitalCount]:
    """The digital counts of the period's weeks (see `weeks_of_period`)."""
    labels = {w.label for w in period.weeks}
    return [c for c in counts if c.week in labels]


def period_figures(
    letters: Sequence[ReportLetter | Tally], counts: Sequence[DigitalCount], period: Period
) -> tuple[list[Figures], Figures]:
    """Per department and in total for a period, as the report's table counts them (pure).

    `letters` may reach outside the period; only the period's count. With no tray
    scanned in the period at all there is no evidence of a share (see weekly_figures).
    The weekly digest takes a department's figures from here too, so that the
    e-mail and the report never disagree.
    """
    in_period = [x for x in letters if period.start <= x.scanned_on <= period.end]
    departments = department_figures(
        in_period, digital_by_department(counts_of_period(counts, period)))
    total = total_figures(departments)
    if not in_period:
        departments = [replace(d, digital_share=None) for d in departments]
        total = replace(total, digital_share=None)
    return departments, total


@dataclass(frozen=True, slots=True)
class LeakGroup:
    """Leaks of one department, sender and kind counted together (`Store.leak_groups`):
    what the senders' and causes' tables need, without a row per letter."""

    department: str
    sender: str | None
    kind: str
    n: int
    counted_as: str = VerdictKind.LEAK.value

    @classmethod
    def from_row(cls, row: Mapping) -> LeakGroup:
        return cls(row["department"] or UNKNOWN_DEPARTMENT, row["sender"],
                   row["kind"] or letter_kind(None), int(row["n"]))


@dataclass(frozen=True, slots=True)
class SenderLeaks:
    sender: str  # UNKNOWN_SENDER when the sender is unknown
    leaks: int
    kinds: tuple[tuple[str, int], ...]  # the kinds of letters, most frequent first


def top_senders(
    letters: Sequence[ReportLetter | LeakGroup], limit: int = TOP_SENDERS_PER_DEPARTMENT
) -> dict[str, list[SenderLeaks]]:
    """Per department, the senders with most leaks (justified ones not counted)."""
    by_sender: dict[str, dict[str, list[ReportLetter | LeakGroup]]] = defaultdict(
        lambda: defaultdict(list))
    for letter in letters:
        if letter.counted_as == VerdictKind.LEAK:
            by_sender[letter.department][letter.sender or UNKNOWN_SENDER].append(letter)
    result = {}
    for department in sorted(by_sender):
        senders = []
        for name, items in by_sender[department].items():
            kinds: Counter[str] = Counter()
            for item in items:
                kinds[item.kind] += item.n
            senders.append(SenderLeaks(name, sum(i.n for i in items), ranked(kinds)))
        senders.sort(key=lambda s: (-s.leaks, s.sender))
        result[department] = senders[:limit]
    return result


@dataclass(frozen=True, slots=True)
class Cause:
    department: str
    kind: str
    leaks: int
    senders: int

    @property
    def likely_template(self) -> bool:
        return self.leaks >= SYSTEMIC_MIN_LEAKS and self.senders >= SYSTEMIC_MIN_SENDERS


def systemic_causes(letters: Sequence[ReportLetter | LeakGroup]) -> list[Cause]:
    """Leaks grouped by department and kind of letter, most leaks first."""
    groups: dict[tuple[str, str], list[ReportLetter | LeakGroup]] = defaultdict(list)
    for letter in letters:
        if letter.counted_as == VerdictKind.LEAK:
            groups[(letter.department, letter.kind)].append(letter)
    causes = [
        Cause(department, kind, sum(i.n for i in items), len({i.sender for i in items}))
        for (department, kind), items in groups.items()
    ]
    causes.sort(key=lambda c: (-c.leaks, c.department, c.kind))
    return causes
