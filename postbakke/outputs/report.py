"""The project leader's report: per-department figures -> one self-contained HTML file or CSV.

The figures are pure functions of the letters, the digital counts and the
follow-ups (easy to check by hand in a test); the charts are drawn by
matplotlib (Agg) as inline SVG; the store is read and the file written only in
`write_report`. The HTML has no external resource at all: it opens offline and
prints on A4.

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

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from postbakke.errors import ExitCode, PostbakkeError
from postbakke.letters.subjects import KINDS_SHOWN, letter_kind, ranked
from postbakke.models import Reason, VerdictKind
from postbakke.outputs.digital import DigitalCount, IsoWeek, weeks_between, weeks_of_period
from postbakke.models import FollowUp
from postbakke.outputs.wording import (
    OUTCOME_DA,
    REASON_DA,
    date_da,
    percent_da,
    template_environment,
)
from postbakke.store import Store

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
# Leaks listed in the HTML file at most: a week of a large municipality (~2,500 leaks at
# 200,000 letters a year) would make a page a browser chokes on, and a year 30 MB. The
# whole list goes into a CSV file beside the HTML (`leaks_csv_path`).
LEAKS_LISTED_MAX = 500
# Chart size in inches at 100 % zoom: 7 in = 178 mm, the text width of A4
# portrait with 16 mm margins.
CHART_WIDTH_IN = 7.0
CHART_HEIGHT_IN = 3.0

DEFAULT_REPORT_DIR = Path("reports")
UNKNOWN_DEPARTMENT = "(ukendt)"
UNKNOWN_SENDER = "Afsender ukendt"

COLOUR_LEAK = "#c0392b"
COLOUR_JUSTIFIED = "#e0a458"
COLOUR_DIGITAL = "#1f6f8b"
COLOUR_GOAL = "#2e7d32"


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
    def from_row(cls, row: Mapping) -> ReportLetter:
        return cls(
            id=row["id"], scanned_on=date.fromisoformat(row["scanned_on"]),
            department=row["department"] or UNKNOWN_DEPARTMENT, sender=row["sender"],
            recipient_masked=row["recipient_masked"], subject=row["subject"],
            verdict=VerdictKind(row["verdict"]), reason=Reason(row["reason"]),
            window_cpr=bool(row["window_cpr"]),
            justified=bool(row["justified"]), followup_id=row["followup_id"],
            stored_kind=row.get("kind"),
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
        return IsoWeek.of(self.scanned_on)


def tallies_from_rows(rows: Iterable[Mapping]) -> list[Tally]:
    """The store's grouped rows (`Store.letter_tallies`) as tallies."""
    return [
        Tally(date.fromisoformat(r["scanned_on"]), r["department"] or UNKNOWN_DEPARTMENT,
              counted_as(r["verdict"], r["reason"], bool(r["justified"])), int(r["n"]),
              int(r["window_cpr"]))
        for r in rows
    ]


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


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    followup: FollowUp
    kinds: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Report:
    municipality: str
    period: Period
    generated_at: datetime
    departments: list[Figures]
    total: Figures
    weeks: list[Figures]
    senders: dict[str, list[SenderLeaks]]
    causes: list[Cause]
    leaks: list[ReportLetter]
    open_followups: list[FollowUpRow]
    closed_followups: list[FollowUpRow]
    digital_weeks: list[str] = field(default_factory=list)
    leaks_total: int | None = None  # None: `leaks` is the whole list

    @property
    def leaks_count(self) -> int:
        return len(self.leaks) if self.leaks_total is None else self.leaks_total

    @property
    def leaks_csv_name(self) -> str:
        """The file beside the HTML that lists every leak (`write_report`)."""
        return leaks_csv_path(Path("."), self.period).name

    @property
    def has_digital(self) -> bool:
        return any(row.digital is not None for row in self.departments)


def build_report(
    letters: Sequence[ReportLetter], counts: Sequence[DigitalCount],
    followups: Sequence[FollowUp], period: Period, municipality: str,
    generated_at: datetime, *, tallies: Sequence[Tally] | None = None,
    leak_groups: Sequence[LeakGroup] | None = None, followup_ids: set[int] | None = None,
    leaks_total: int | None = None,
) -> Report:
    """All the report's figures from its inputs (pure). `letters` may reach back before the
    period for the trend; the rest counts the period only.

    For a long period the store's groups stand in for the letters (`load_report`):
    `tallies` (from the trend's first week) give the figures and the trend,
    `leak_groups` the senders and causes, `followup_ids` the follow-ups of the
    period's letters; `letters` are then the leaks listed (`leaks_total` of them in all).
    """
    in_period = [x for x in letters if period.start <= x.scanned_on <= period.end]
    period_counts = counts_of_period(counts, period)
    counted: Sequence[ReportLetter | Tally] = letters if tallies is None else tallies
    departments, total = period_figures(counted, counts, period)
    if followup_ids is None:
        followup_ids = {x.followup_id for x in in_period if x.followup_id is not None}
    grouped: Sequence[ReportLetter | LeakGroup] = (
        in_period if leak_groups is None else leak_groups)

    def row(followup: FollowUp) -> FollowUpRow:
        return FollowUpRow(followup, followup.kinds)

    closed_in_period = [
        f for f in followups if not f.is_open and (
            f.id in followup_ids
            or (f.closed_at and period.start.isoformat() <= f.closed_at[:10]
                <= period.end.isoformat())
        )
    ]
    leaks = sorted((x for x in in_period if x.counted_as == VerdictKind.LEAK),
                   key=lambda x: (x.scanned_on, x.department, x.sender or "", x.id))
    return Report(
        municipality=municipality, period=period, generated_at=generated_at,
        departments=departments, total=total,
        weeks=weekly_figures(counted, counts, trend_weeks(period, counted, counts)),
        senders=top_senders(grouped), causes=systemic_causes(grouped), leaks=leaks,
        open_followups=[row(f) for f in followups if f.is_open],
        closed_followups=[row(f) for f in closed_in_period],
        digital_weeks=sorted({c.week for c in period_counts}),
        leaks_total=leaks_total,
    )


# --------------------------------------------------------------------------- charts


def _svg(figure: object, prefix: str) -> str:
    """A matplotlib figure as an inline <svg> element: no XML prologue, no DTD or namespace
    URLs (HTML knows SVG), ids prefixed so that two charts on one page cannot clash."""
    buffer = io.StringIO()
    figure.savefig(  # type: ignore[attr-defined]
        buffer, format="svg", bbox_inches="tight",
        metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
    )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", svg, count=2)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    return svg.strip()


def _new_figure(width_in: float, height_in: float) -> Any:
    """A matplotlib Figure drawn without pyplot (whose import alone took ~1 s, twice the
    rest of a week's report): the SVG is rendered by the figure's own canvas."""
    import matplotlib

    matplotlib.rcParams.update({
        "svg.fonttype": "none",  # text stays text: small, searchable, sharp in print
        "svg.hashsalt": "postbakke",  # the same figures give the same file
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
    })
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in))


def _percent_axis(axis: object) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(  # type: ignore[attr-defined]
        FuncFormatter(lambda v, _: percent_da(v / 100, decimals=0))
    )


def trend_chart_svg(weeks: Sequence[Figures]) -> str:
    """Leaks (bars) and digital share (line, right axis) per ISO week, with the goal."""
    figure = _new_figure(CHART_WIDTH_IN, CHART_HEIGHT_IN)
    ax = figure.subplots()
    xs = list(range(len(weeks)))
    labels = [f"U{w.label.split('-W')[1]}" for w in weeks]
    ax.bar(xs, [w.leaks for w in weeks], color=COLOUR_LEAK, width=0.6, label="Læk")
    ax.bar(xs, [w.justified for w in weeks], bottom=[w.leaks for w in weeks],
           color=COLOUR_JUSTIFIED, width=0.6, label="Begrundet papir")
    ax.set_ylabel("Papirbreve")
    ax.set_xticks(xs, labels)
    ax.yaxis.get_major_locator().set_params(integer=True)
    handles, names = ax.get_legend_handles_labels()
    shares = [w.digital_share for w in weeks]
    if any(s is not None for s in shares):
        right = ax.twinx()
        right.plot(xs, [float("nan") if s is None else s * 100 for s in shares],
                   color=COLOUR_DIGITAL, marker="o", linewidth=2, label="Digital andel")
        right.axhline(GOAL_DIGITAL_SHARE * 100, color=COLOUR_GOAL, linestyle="--",
                      linewidth=1, label=f"Mål {percent_da(GOAL_DIGITAL_SHARE, decimals=0)}")
        right.set_ylim(0, 100)
        right.set_ylabel("Digital andel")
        right.spines["top"].set_visible(False)
        _percent_axis(right.yaxis)
        more, more_names = right.get_legend_handles_labels()
        handles, names = handles + more, names + more_names
    ax.legend(handles, names, loc="upper left", fontsize=8, frameon=False, ncols=4,
              bbox_to_anchor=(0, 1.15))
    return _svg(figure, "udvikling")


def department_chart_svg(departments: Sequence[Figures]) -> str | None:
    """Digital share per department against the goal; None without digital counts."""
    rows = [d for d in departments if d.digital_share is not None]
    if not rows:
        return None
    height = max(1.6, 0.4 * len(rows) + 0.8)
    figure = _new_figure(CHART_WIDTH_IN, height)
    ax = figure.subplots()
    ys = list(range(len(rows)))[::-1]
    shares = [(d.digital_share or 0) * 100 for d in rows]
    colours = [COLOUR_GOAL if d.meets_goal else COLOUR_JUSTIFIED for d in rows]
    ax.barh(ys, shares, color=colours, height=0.6)
    ax.axvline(GOAL_DIGITAL_SHARE * 100, color=COLOUR_GOAL, linestyle="--", linewidth=1)
    goal = f"Mål {percent_da(GOAL_DIGITAL_SHARE, decimals=0)}"
    ax.text(GOAL_DIGITAL_SHARE * 100, max(ys) + 0.55, goal, ha="center", fontsize=8,
            color=COLOUR_GOAL)
    for y, share in zip(ys, shares, strict=True):
        ax.text(min(share, 100) + 1, y, percent_da(share / 100), va="center", fontsize=8)
    ax.set_yticks(ys, [d.label for d in rows])
    ax.set_xlim(0, 110)
    ax.set_xticks([0, 25, 50, 75, 100])
    _percent_axis(ax.xaxis)
    ax.spines["right"].set_visible(False)
    return _svg(figure, "afdelinger")


# --------------------------------------------------------------------------- output


def _environment() -> Any:
    env = template_environment()
    env.globals.update(
        OUTCOME_DA=OUTCOME_DA, REASON_DA=REASON_DA, GOAL=GOAL_DIGITAL_SHARE,
        UNKNOWN_SENDER=UNKNOWN_SENDER, KINDS_SHOWN=KINDS_SHOWN,
    )
    return env


def render_html(report: Report) -> str:
    from markupsafe import Markup

    department_chart = department_chart_svg(report.departments)
    return _environment().get_template("rapport.html.j2").render(
        r=report,
        trend_chart=Markup(trend_chart_svg(report.weeks)),
        department_chart=Markup(department_chart) if department_chart else None,
    )


CSV_COLUMNS = (
    "afdeling", "papirbreve", "laek", "begrundede", "legitime", "til_gennemsyn", "cpr_i_rude",
    "digitale_breve", "laekandel", "digital_andel", "maal_naaet",
)


def render_csv(rows: Sequence[Figures]) -> str:
    """The per-department table (and a total): shares as fractions 0-1, '' when unknown."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def fraction(value: float | None) -> str:
        return "" if value is None else f"{value:.4f}"

    for r in rows:
        writer.writerow([
            r.label, r.paper, r.leaks, r.justified, r.legitimate, r.review, r.window_cpr,
            "" if r.digital is None else r.digital, fraction(r.leak_rate),
            fraction(r.digital_share),
            "" if r.meets_goal is None else ("ja" if r.meets_goal else "nej"),
        ])
    return buffer.getvalue()


@dataclass(frozen=True)
class PeriodFigures:
    """The figures of a period without the lists (the work station's departments page)."""

    departments: list[Figures]
    total: Figures
    weeks: list[Figures]


def load_figures(store: Store, period: Period) -> PeriodFigures:
    """The report's per-department table and trend, computed by the same functions as the
    report (one source), without its follow-ups, senders and leak lists."""
    trend_start = min(period.start, IsoWeek.of(period.end).shifted(-(TREND_WEEKS - 1)).monday)
    tallies = tallies_from_rows(store.letter_tallies(trend_start, period.end))
    counts = store.digital_counts()
    departments, total = period_figures(tallies, counts, period)
    weeks = weekly_figures(tallies, counts, trend_weeks(period, tallies, counts))
    return PeriodFigures(departments, total, weeks)


def load_report(store: Store, period: Period, municipality: str,
                now: datetime | None = None) -> Report:
    """Read what the report needs from the store and build it.

    The store counts in SQL groups (figures and trend by day and department, leaks
    by sender and kind) and lists at most LEAKS_LISTED_MAX leaks, so a year's report
    costs a few thousand rows, not one object per letter; of the follow-ups only the
    open ones and those of the period are read, with their kept figures (no letters
    joined).
    """
    trend_start = min(period.start, IsoWeek.of(period.end).shifted(-(TREND_WEEKS - 1)).monday)
    tallies = tallies_from_rows(store.letter_tallies(trend_start, period.end))
    leaks = [ReportLetter(
        id=r["id"], scanned_on=date.fromisoformat(r["scanned_on"]), department=r["department"],
        sender=r["sender"], recipient_masked=r["recipient_masked"], subject=None,
        verdict=VerdictKind.LEAK, reason=Reason(r["reason"]), stored_kind=r["kind"],
    ) for r in store.report_leaks(period.start, period.end, LEAKS_LISTED_MAX)]
    groups = [LeakGroup.from_row(r) for r in store.leak_groups(period.start, period.end)]
    followup_ids = store.followup_ids_between(period.start, period.end)
    shown = store.followups(only_open=True) + [
        f for f in store.followups(
            ids=followup_ids | store.followups_closed_between(period.start, period.end))
        if not f.is_open]
    return build_report(
        leaks, store.digital_counts(), shown, period, municipality,
        now or datetime.now(UTC), tallies=tallies, leak_groups=groups,
        followup_ids=followup_ids, leaks_total=sum(g.n for g in groups),
    )


LEAKS_CSV_COLUMNS = ("brev_nr", "dato", "afdeling", "afsender", "modtager", "slags_brev",
                     "hvorfor")


def leaks_csv_path(folder: Path, period: Period) -> Path:
    return folder / f"{period.file_name}-laek.csv"


def leaks_csv_lines(rows: Iterable[Mapping]) -> Iterable[str]:
    """Every leak of the period as CSV lines (`Store.report_leaks` rows: masked IDs only)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LEAKS_CSV_COLUMNS)
    for r in rows:
        writer.writerow([r["id"], r["scanned_on"], r["department"], r["sender"] or UNKNOWN_SENDER,
                         r["recipient_masked"] or "", r["kind"] or letter_kind(None),
                         REASON_DA.get(r["reason"], r["reason"])])
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_report(
    report: Report, out_dir: Path | None, fmt: str = "html",
    leak_rows: Iterable[Mapping] | None = None,
) -> Path:
    """Write the report file (`rapport-2026-W47.html` or `.csv`) into out_dir; its path.

    With `leak_rows` (`Store.report_leaks` of the period) an HTML report gets every
    leak in `rapport-2026-W47-laek.csv` beside it, written as the rows come.
    """
    folder = out_dir or DEFAULT_REPORT_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{report.period.file_name}.{fmt}"
        text = render_html(report) if fmt == "html" else render_csv(
            [*report.departments, report.total]
        )
        path.write_text(text, encoding="utf-8")
        if fmt == "html" and leak_rows is not None:
            with leaks_csv_path(folder, report.period).open("w", encoding="utf-8") as out:
                out.writelines(leaks_csv_lines(leak_rows))
    except OSError as error:
        raise ReportError(
            f"rapporten kunne ikke skrives i {folder} ({error.strerror or error})"
        ) from error
    return path
