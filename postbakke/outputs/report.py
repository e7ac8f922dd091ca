"""The project leader's report: per-department figures -> one self-contained HTML file or CSV.

The figures are pure functions of the letters, the digital counts and the
follow-ups (`figures.py`, easy to check by hand in a test); the charts are our own
inline SVG (`charts.py`); the store is read only in
`load_report` and the file written only in `write_report`. The HTML has no
external resource at all: it opens offline and prints on A4.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from postbakke.letters.subjects import KINDS_SHOWN, letter_kind
from postbakke.models import FollowUp, Outcome, VerdictKind
from postbakke.outputs.charts import department_chart_svg, trend_chart_svg
from postbakke.outputs.digital import DigitalCount, IsoWeek
from postbakke.outputs.figures import (
    GOAL_DIGITAL_SHARE,
    TREND_WEEKS,
    UNKNOWN_SENDER,
    Cause,
    Figures,
    LeakGroup,
    Period,
    ReportError,
    ReportLetter,
    SenderLeaks,
    Tally,
    counts_of_period,
    period_figures,
    systemic_causes,
    tallies_from_rows,
    top_senders,
    trend_weeks,
    weekly_figures,
)
from postbakke.outputs.wording import OUTCOME_DA, REASON_DA, template_environment
from postbakke.store import Store

# Leaks listed in the HTML file at most: a week of a large municipality (~2,500 leaks at
# 200,000 letters a year) would make a page a browser chokes on, and a year 30 MB. The
# whole list goes into a CSV file beside the HTML (`leaks_csv_path`).
LEAKS_LISTED_MAX = 500

# Follow-ups listed in the HTML file at most, open and closed each: a year of a large
# municipality closes ~4,400 (1.6 MB of HTML). Beyond it the report counts them by
# department and outcome, lists the newest, and writes them all into a CSV file beside
# the HTML (`followups_csv_path`).
FOLLOWUPS_LISTED_MAX = 100


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
    # the work station's report: the closed follow-ups counted in SQL, only the newest
    # listed (None: `closed_followups` is the whole list)
    closed_total: int | None = None
    closed_counts: list[tuple[str, dict[str, int], int, int]] | None = None

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

    @property
    def followups_csv_name(self) -> str:
        """The file beside the HTML that lists every follow-up (`write_report`), written
        when the HTML lists only some."""
        return followups_csv_path(Path("."), self.period).name

    @property
    def followups_cut(self) -> bool:
        """Whether the HTML lists only some of the follow-ups (the rest in the CSV)."""
        return max(len(self.open_followups), self.closed_count) > FOLLOWUPS_LISTED_MAX

    @property
    def open_followups_listed(self) -> list[FollowUpRow]:
        return self.open_followups[:FOLLOWUPS_LISTED_MAX]

    @property
    def closed_followups_listed(self) -> list[FollowUpRow]:
        """The newest closed ones, when not all are listed."""
        if not self.followups_cut:
            return self.closed_followups
        newest = sorted(self.closed_followups, key=lambda row: (
            row.followup.closed_at or "", row.followup.id), reverse=True)
        return newest[:FOLLOWUPS_LISTED_MAX]

    @property
    def closed_count(self) -> int:
        return len(self.closed_followups) if self.closed_total is None else self.closed_total

    @property
    def closed_by_department(self) -> list[tuple[str, dict[str, int], int, int]]:
        """The closed follow-ups counted per department: (department, {outcome: n},
        follow-ups, their letters), by department."""
        if self.closed_counts is not None:
            return self.closed_counts
        return count_closed((r.followup.department, r.followup.outcome, r.followup.letters)
                            for r in self.closed_followups)


def count_closed(rows: Iterable[tuple[str | None, str | None, int]],
                 ) -> list[tuple[str, dict[str, int], int, int]]:
    """(department, outcome, letters) of closed follow-ups counted per department:
    (department, {outcome: n}, follow-ups, their letters), by department."""
    found: dict[str, tuple[dict[str, int], list[int]]] = {}
    for department, outcome, letters in rows:
        outcomes, sums = found.setdefault(department or "(ukendt)", ({}, [0, 0]))
        key = str(Outcome(outcome).value) if outcome else ""
        outcomes[key] = outcomes.get(key, 0) + 1
        sums[0] += 1
        sums[1] += letters
    return [(d, o, s[0], s[1]) for d, (o, s) in sorted(found.items())]


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


# --------------------------------------------------------------------------- output


@cache
def _environment() -> Any:
    """One environment a process: its templates are compiled once (0.1 s for the report's), not
    on every page the station serves."""
    env = template_environment()
    env.globals.update(
        OUTCOME_DA=OUTCOME_DA, REASON_DA=REASON_DA, GOAL=GOAL_DIGITAL_SHARE,
        UNKNOWN_SENDER=UNKNOWN_SENDER, KINDS_SHOWN=KINDS_SHOWN,
        FOLLOWUPS_LISTED_MAX=FOLLOWUPS_LISTED_MAX,
    )
    return env


def render_html(report: Report, links: Mapping[str, Any] | None = None) -> str:
    """The report as a document; `links` (the work station's) point to its pages instead of
    naming commands: "followups", "review" and "navigation" [(label, href), ...]."""
    from markupsafe import Markup

    department_chart = department_chart_svg(report.departments)
    return _environment().get_template("rapport.html.j2").render(
        r=report,
        trend_chart=Markup(trend_chart_svg(report.weeks)),
        department_chart=Markup(department_chart) if department_chart else None,
        links=links,
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
    tallies = tallies_from_rows(store.figures.letter_tallies(trend_start, period.end))
    counts = store.registers.digital_counts()
    departments, total = period_figures(tallies, counts, period)
    weeks = weekly_figures(tallies, counts, trend_weeks(period, tallies, counts))
    return PeriodFigures(departments, total, weeks)


def load_report(store: Store, period: Period, municipality: str,
                now: datetime | None = None, every_followup: bool = True) -> Report:
    """Read what the report needs from the store and build it.

    The store counts in SQL groups (figures and trend by day and department, leaks
    by sender and kind) and lists at most LEAKS_LISTED_MAX leaks, so a year's report
    costs a few thousand rows, not one object per letter; of the follow-ups only the
    open ones and those of the period are read, with their kept figures (no letters
    joined). Without `every_followup` (the work station, which writes no CSV beside
    the page) the period's closed follow-ups are counted in SQL and only the newest
    FOLLOWUPS_LISTED_MAX read.
    """
    trend_start = min(period.start, IsoWeek.of(period.end).shifted(-(TREND_WEEKS - 1)).monday)
    tallies = tallies_from_rows(store.figures.letter_tallies(trend_start, period.end))
    leaks = [ReportLetter.leak_of(r)
             for r in store.figures.report_leaks(period.start, period.end, LEAKS_LISTED_MAX)]
    groups = [LeakGroup.from_row(r) for r in store.figures.leak_groups(period.start, period.end)]
    followup_ids = store.followups.ids_between(period.start, period.end)
    summary: dict[str, Any] = {}
    if every_followup:
        closed = [f for f in store.followups.find(
            ids=followup_ids | store.followups.closed_between(period.start, period.end))
            if not f.is_open]
    else:
        light = store.followups.closed_for_period(period.start, period.end)
        closed = store.followups.find(ids=[r[0] for r in light[:FOLLOWUPS_LISTED_MAX]])
        summary = {"closed_total": len(light),
                   "closed_counts": count_closed((r[1], r[2], r[3]) for r in light)}
    report = build_report(
        leaks, store.registers.digital_counts(), store.followups.find(only_open=True) + closed,
        period, municipality, now or datetime.now(UTC), tallies=tallies, leak_groups=groups,
        followup_ids=followup_ids, leaks_total=sum(g.n for g in groups),
    )
    return replace(report, **summary) if summary else report


LEAKS_CSV_COLUMNS = ("brev_nr", "dato", "afdeling", "afsender", "modtager", "slags_brev",
                     "hvorfor")


def leaks_csv_path(folder: Path, period: Period) -> Path:
    return folder / f"{period.file_name}-laek.csv"


def followups_csv_path(folder: Path, period: Period) -> Path:
    return folder / f"{period.file_name}-opfoelgninger.csv"


FOLLOWUPS_CSV_COLUMNS = ("nr", "status", "afdeling", "afsender", "breve", "foerste", "seneste",
                         "udfald", "note", "lukket")


def followups_csv(report: Report) -> str:
    """Every follow-up of the report (open, then closed in or for the period) as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FOLLOWUPS_CSV_COLUMNS)
    for row in [*report.open_followups, *report.closed_followups]:
        f = row.followup
        writer.writerow([f.id, "åben" if f.is_open else "lukket", f.department or "(ukendt)",
                         f.sender or UNKNOWN_SENDER, f.letters, f.first_scanned_on or "",
                         f.last_scanned_on or "", OUTCOME_DA.get(f.outcome, "") if f.outcome
                         else "", f.note or "", (f.closed_at or "")[:10]])
    return buffer.getvalue()


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
    report: Report, out_dir: Path, fmt: str = "html",
    leak_rows: Iterable[Mapping] | None = None,
) -> Path:
    """Write the report file (`rapport-2026-W47.html` or `.csv`) into out_dir (by default the
    workspace's, Settings.reports_dir, never the current folder); its path.

    With `leak_rows` (`Store.report_leaks` of the period) an HTML report gets every
    leak in `rapport-2026-W47-laek.csv` beside it, written as the rows come.
    """
    folder = out_dir
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
        if fmt == "html" and report.followups_cut:
            followups_csv_path(folder, report.period).write_text(followups_csv(report),
                                                                encoding="utf-8")
    except OSError as error:
        raise ReportError(
            f"rapporten kunne ikke skrives i {folder} ({error.strerror or error})"
        ) from error
    return path
