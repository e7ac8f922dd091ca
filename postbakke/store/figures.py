"""The counts people read: per department, per day and tray, a period's letters and leaks
for the report and the digest. Each is one query, grouped in SQL where it can be."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import NamedTuple

from postbakke.models import UNKNOWN_DEPARTMENT
from postbakke.store.connection import COUNTED, Repository, justified_sql

# SQL: the letter (alias l) counts as a leak (not justified, not a copy); its WHERE implies
# idx_letters_leaks' (schema step 15), so a query may read the leaks through it.
LEAK = (f"l.verdict = 'leak' AND l.reason != 'justified_paper' AND "
        f"l.{COUNTED} AND NOT {justified_sql('l')}")


class DepartmentCounts(NamedTuple):
    """One department's letters by verdict (a justified leak is counted as justified only)."""

    department: str
    letters: int
    leaks: int
    justified: int
    legitimate: int
    review: int
    window_cpr: int


class TallyRow(NamedTuple):
    """Letters of one scan day, department, verdict and reason counted alike (None: an
    unknown department), and whether they are leaks closed as justified."""

    scanned_on: str
    department: str | None
    verdict: str
    reason: str
    justified: int
    n: int
    window_cpr: int


class Figures(Repository):
    def department_summary(self, start: date | None = None,
                           end: date | None = None) -> list[DepartmentCounts]:
        """Per department: letters, leaks, justified, legitimate, review, CPR in the window;
        of the letters scanned from `start` to `end` (both included; None: all of them).
        Summed from `letter_tallies`: a year costs its days' tallies, not its letters."""
        found: dict[str, list[int]] = {}
        for r in self.letter_tallies(start, end):
            counts = found.setdefault(r.department or UNKNOWN_DEPARTMENT, [0] * 6)
            n, verdict, paper_right = r.n, r.verdict, r.reason == "justified_paper"
            counts[0] += n
            counts[1] += n * (verdict == "leak" and not r.justified)
            counts[2] += n * bool(r.justified or paper_right)
            counts[3] += n * (verdict == "legitimate" and not paper_right)
            counts[4] += n * (verdict == "review")
            counts[5] += r.window_cpr
        return [DepartmentCounts(d, *c) for d, c in sorted(found.items())]

    def tray_overview(self, days: int = 31) -> list[dict]:
        """Per scan day and tray (the newest `days` scan days): files, letters, verdicts."""
        rows = self.db.execute(
            f"SELECT scanned_on, tray, count(DISTINCT file_hash), sum({COUNTED}), "
            f"sum(verdict = 'leak' AND {COUNTED}), sum(verdict = 'legitimate' AND {COUNTED}), "
            f"sum(verdict = 'review' AND {COUNTED}), sum(window_cpr AND {COUNTED}), "
            f"sum(NOT {COUNTED}) FROM letters WHERE scanned_on >= "
            "(SELECT date(max(scanned_on), ?) FROM letters) "
            "GROUP BY scanned_on, tray ORDER BY scanned_on DESC, tray",
            [f"-{days - 1} days"],
        ).fetchall()
        names = ("scanned_on", "tray", "files", "letters", "leaks", "legitimate", "review",
                 "window_cpr", "duplicates")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def latest_scanned_on(self) -> date | None:
        row = self.db.execute("SELECT max(scanned_on) FROM letters").fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def report_leaks(self, start: date, end: date, limit: int | None = None) -> Iterator[dict]:
        """The leaks scanned from `start` to `end`, as the report lists them (by day,
        department, sender), streamed from the cursor; the first `limit` only, if given."""
        cursor = self.db.execute(
            "SELECT l.id, l.scanned_on, coalesce(l.department, ?), l.sender, "
            "l.recipient_masked, l.kind, l.reason FROM letters l INDEXED BY idx_letters_leaks "
            f"WHERE l.scanned_on BETWEEN ? AND ? AND {LEAK} "
            "ORDER BY l.scanned_on, coalesce(l.department, ?), coalesce(l.sender, ''), l.id "
            f"LIMIT {-1 if limit is None else int(limit)}",
            [UNKNOWN_DEPARTMENT, start.isoformat(), end.isoformat(), UNKNOWN_DEPARTMENT])
        names = ("id", "scanned_on", "department", "sender", "recipient_masked", "kind",
                 "reason")
        for values in cursor:
            yield dict(zip(names, values, strict=True))

    def leak_groups(self, start: date, end: date) -> list[dict]:
        """The leaks from `start` to `end` counted per department, sender and kind."""
        rows = self.db.execute(
            "SELECT coalesce(l.department, ?), l.sender, l.kind, count(*) "
            "FROM letters l INDEXED BY idx_letters_leaks "
            f"WHERE l.scanned_on BETWEEN ? AND ? AND {LEAK} "
            "GROUP BY 1, 2, 3", [UNKNOWN_DEPARTMENT, start.isoformat(), end.isoformat()],
        ).fetchall()
        return [dict(zip(("department", "sender", "kind", "n"), r, strict=True)) for r in rows]

    def letter_tallies(self, start: date | None = None,
                       end: date | None = None) -> list[TallyRow]:
        """Letters from `start` to `end` (None: all) counted per scan day, department,
        verdict, reason and whether justified: what the figures need, without a row per
        letter. Copies are not counted.

        The counts are day_tallies' (kept by triggers, schema step 15): a year is a few
        thousand rows, whatever its letters. Only the period's leaks are read one by one,
        through their own index (idx_letters_leaks), for whether their follow-up was closed
        as justified; those are taken out of the leaks' counts into rows of their own."""
        where, period = "", []  # type: str, list[object]
        if start is not None and end is not None:
            where, period = "scanned_on BETWEEN ? AND ? AND ", [start.isoformat(),
                                                               end.isoformat()]
        counts = {tuple(r[:4]): [r[4], r[5]] for r in self.db.execute(
            "SELECT scanned_on, department, verdict, reason, n, window_cpr FROM day_tallies "
            f"WHERE {where}n > 0", period).fetchall()}
        justified = self.db.execute(
            "SELECT scanned_on, coalesce(department, ''), coalesce(reason, ''), count(*), "
            "coalesce(sum(window_cpr), 0) FROM letters INDEXED BY idx_letters_leaks "
            f"WHERE {where}verdict = 'leak' AND {COUNTED} AND {justified_sql()} "
            "GROUP BY 1, 2, 3", period).fetchall()
        rows = []
        for day, department, reason, n, window in justified:
            leaks = counts[(day, department, "leak", reason)]
            leaks[0], leaks[1] = leaks[0] - n, leaks[1] - window
            rows.append((day, department, "leak", reason, 1, n, window))
        rows += [(*key, 0, n, window) for key, (n, window) in counts.items() if n > 0]
        # day_tallies keeps an unknown department (a NULL) as '': given back as None
        return [TallyRow._make((*(v if v != "" else None for v in r[:4]), *r[4:]))
                for r in rows]
