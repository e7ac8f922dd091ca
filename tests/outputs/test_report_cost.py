"""The report and the follow-ups cost what the period holds, not what the years hold.

GIVEN workspaces whose letters reach back years before the reported week
WHEN the week's report and the follow-up list are read
THEN SQLite does about the same work with 20 times as many old letters (VM steps
counted, not timed); a long period's HTML lists a bounded number of leaks and the
whole list is in the CSV beside it; the follow-ups' kept figures equal what their
letters say after links, unlinks, removals and re-scans.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

from month_letters import jobcenter_letter, store_month
from sqlite_work import vm_steps
from test_report import MONTH, NOW

from postbakke.outputs import report as reports
from postbakke.people.filing import file_letters, forget_file
from postbakke.people.followup import Outcome, close_followup
from postbakke.people.review import Decision, decide_letter
from postbakke.store import LetterRecord, Store, StoredFile

WEEK = reports.Period.week(reports.IsoWeek.parse("2026-W47"))


def leak(file_hash: str, page: int, day: str, sender: str) -> LetterRecord:
    return jobcenter_letter(file_hash, page, day, sender, legitimate_every=4)


def workspace_with_years(path, old_letters: int) -> Store:
    """The same reported week (40 letters) after `old_letters` letters of earlier years."""
    store = Store(path)
    first = date(2022, 1, 3)
    per_file = 100
    for f in range(old_letters // per_file):
        day = (first + timedelta(days=f * 1000 // max(1, old_letters // per_file))).isoformat()
        file_letters(store, StoredFile(f"old{f}", "a.pdf", None, day, per_file, "nu"),
                     [leak(f"old{f}", p, day, f"Medarbejder {p % 10}")
                      for p in range(1, per_file + 1)])
    file_letters(store, StoredFile("week", "w.pdf", None, "2026-11-18", 40, "nu"),
                 [leak("week", p, "2026-11-18", f"Medarbejder {p % 10}") for p in range(1, 41)])
    return store


def test_a_weeks_report_and_the_followups_cost_the_same_after_years_of_letters(tmp_path):
    small = workspace_with_years(tmp_path / "small.db", 1_000)
    large = workspace_with_years(tmp_path / "large.db", 20_000)
    for name, action in (
        ("week report", lambda s: reports.load_report(s, WEEK, "Favrskov Kommune", NOW)),
        ("followup list", lambda s: s.followups.find()),
    ):
        few, many = vm_steps(small, lambda a=action: a(small)), vm_steps(
            large, lambda a=action: a(large))
        assert many <= 1.5 * few + 10, (name, few, many)
    report = reports.load_report(large, WEEK, "Favrskov Kommune", NOW)
    assert (report.total.paper, report.total.leaks) == (40, 30)


def test_a_long_period_lists_some_leaks_and_writes_all_to_csv(tmp_path, monkeypatch):
    store = Store(tmp_path / "p.db")
    store_month(store)
    monkeypatch.setattr(reports, "LEAKS_LISTED_MAX", 3)
    report = reports.load_report(store, MONTH, "Favrskov Kommune", NOW)
    assert len(report.leaks) == 3 and report.leaks_count == report.total.leaks > 3
    path = reports.write_report(report, tmp_path / "ud", "html",
                                store.figures.report_leaks(MONTH.start, MONTH.end))
    html = path.read_text(encoding="utf-8")
    assert f"alle {report.total.leaks} står i" in html and report.leaks_csv_name in html
    rows = list(csv.DictReader((path.parent / report.leaks_csv_name).open(encoding="utf-8")))
    assert len(rows) == report.total.leaks
    assert [int(r["brev_nr"]) for r in rows[:3]] == [x.id for x in report.leaks]
    assert all(r["modtager"] in ("", "010190-XXXX") or r["modtager"].endswith("XXXX")
               for r in rows)


def joined_figures(store: Store) -> dict[int, tuple]:
    """Each follow-up's figures read the slow way: its letters joined."""
    rows = store.db.execute(
        "SELECT f.id, count(l.id), min(l.scanned_on), max(l.scanned_on) FROM followups f "
        "LEFT JOIN followup_letters fl ON fl.followup_id = f.id LEFT JOIN letters l "
        "ON l.file_hash = fl.file_hash AND l.first_page = fl.first_page GROUP BY f.id")
    kinds: dict[int, dict[str, int]] = {}
    for fid, kind, n in store.db.execute(
            "SELECT fl.followup_id, l.kind, count(*) FROM followup_letters fl JOIN letters l "
            "ON l.file_hash = fl.file_hash AND l.first_page = fl.first_page GROUP BY 1, 2"):
        kinds.setdefault(fid, {})[kind] = n
    return {r[0]: (r[1], r[2] if r[1] else None, r[3] if r[1] else None,
                   tuple(sorted(kinds.get(r[0], {}).items()))) for r in rows}


def kept_figures(store: Store) -> dict[int, tuple]:
    return {f.id: (f.letters, f.first_scanned_on, f.last_scanned_on, tuple(sorted(f.kinds)))
            for f in store.followups.find()}


def test_kept_followup_figures_equal_the_letters_after_every_change(tmp_path):
    store = Store(tmp_path / "p.db")
    store_month(store)
    assert kept_figures(store) == joined_figures(store)
    some = store.followups.find()[0]
    close_followup(store, some.id, Outcome.JUSTIFIED, "aftalt papir", "pl")
    leak_id = store.db.execute("SELECT id FROM letters WHERE verdict = 'leak' "
                               "ORDER BY id DESC LIMIT 1").fetchone()[0]
    decide_letter(store, leak_id, Decision(recipient_kind=None), "pl")  # leaves its follow-up
    assert kept_figures(store) == joined_figures(store)
    file_hash = store.db.execute("SELECT file_hash FROM letters WHERE verdict = 'leak' "
                                 "LIMIT 1").fetchone()[0]
    letters = [store.letters.get(i) for (i,) in store.db.execute(
        "SELECT id FROM letters WHERE file_hash = ?", [file_hash]).fetchall()]
    forget_file(store, file_hash)  # a closed follow-up keeps the keys, counts them no more
    assert kept_figures(store) == joined_figures(store)
    stored = StoredFile(file_hash, "again.pdf", None, letters[0].scanned_on, 1, "nu")
    file_letters(store, stored, [x for x in letters if x is not None])
    assert kept_figures(store) == joined_figures(store)
