"""A week's figures cost what the week holds, however much of the year is justified.

GIVEN a workspace whose earlier weeks hold many leaks of follow-ups closed as justified
WHEN a week's figures are read (summary, report, department page, digest)
THEN no query reads every letter or every follow-up (`EXPLAIN QUERY PLAN`: no SCAN of
letters, followups or followup_letters), SQLite does about the same work with 10 times
as many justified letters, and "justified" is the same count as before (issue 24).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from click.testing import CliRunner
from month_letters import jobcenter_letter
from sqlite_work import vm_steps

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.outputs import digest
from postbakke.outputs import report as reports
from postbakke.people.filing import file_letters
from postbakke.people.followup import Outcome, close_followup
from postbakke.store import LetterRecord, Store, StoredFile
from postbakke.store.connection import COUNTED, justified_sql

WEEK = reports.Period.week(reports.IsoWeek.parse("2026-W47"))
# the tables whose full read grows with the years, and the aliases the store gives them
GROWING = {"letters", "l", "o", "followups", "f", "jf", "followup_letters", "fl", "j"}


def leak(file_hash: str, page: int, day: str, sender: str) -> LetterRecord:
    return jobcenter_letter(file_hash, page, day, sender, legitimate_every=5)


def year_with_justified(path, old_files: int) -> Store:
    """`old_files` earlier trays of 20 letters, each sender's follow-up closed after each
    tray, every one as justified (in 2025: before any trend the report draws); then the
    reported week's 40 letters."""
    store = Store(path)
    for f in range(old_files):
        day = (date(2025, 1, 6) + timedelta(days=f * 300 // old_files)).isoformat()
        file_letters(store, StoredFile(f"old{f}", "a.pdf", None, day, 20, "nu"),
                     [leak(f"old{f}", p, day, f"Medarbejder {p % 4}") for p in range(1, 21)])
        for followup in store.followups.find(only_open=True, with_kinds=False):
            close_followup(store, followup.id, Outcome.JUSTIFIED, "sårbar borger", "test")
    file_letters(store, StoredFile("week", "w.pdf", None, "2026-11-18", 40, "nu"),
                 [leak("week", p, "2026-11-18", f"Medarbejder {p % 4}") for p in range(1, 41)])
    return store


def full_reads(store: Store, action) -> list[str]:
    """The SELECTs an action runs whose query plan reads a growing table whole."""
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        action()
    finally:
        store.db.conn.set_trace_callback(None)
    found = []
    for sql in dict.fromkeys(s for s in statements if s.lstrip().upper().startswith("SELECT")):
        for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall():
            scan = re.match(r"SCAN (\w+)", row[3])
            if scan and scan.group(1) in GROWING:
                found.append(f"{row[3]}  <-  {sql}")
    return found


def test_a_weeks_figures_read_no_table_whole(tmp_path, workspace):
    store = year_with_justified(workspace / "postbakke.db", 15)
    with (workspace / "postbakke.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[digest]\nsender = "Postbakken <postbakke@favrskov.dk>"\n'
                   '[digest.departments]\n"Jobcenter" = ["jobcenter@favrskov.dk"]\n')
    settings = load_settings()
    actions = {
        "summary of the week": lambda: store.figures.department_summary(WEEK.start, WEEK.end),
        "figures (Afdelinger)": lambda: reports.load_figures(store, WEEK),
        "report": lambda: reports.load_report(store, WEEK, "Favrskov Kommune"),
        "leak list": lambda: list(store.figures.report_leaks(WEEK.start, WEEK.end)),
        "digest": lambda: digest.load_digests(store, settings, reports.IsoWeek.parse("2026-W47")),
    }
    for name, action in actions.items():
        assert full_reads(store, action) == [], name


def test_the_weeks_figures_cost_the_same_with_ten_times_the_justified_letters(tmp_path):
    few = year_with_justified(tmp_path / "few.db", 8)
    many = year_with_justified(tmp_path / "many.db", 80)
    justified = many.db.execute(
        "SELECT count(*) FROM followup_letters j JOIN followups f ON f.id = j.followup_id "
        "WHERE f.outcome = 'begrundet'").fetchone()[0]
    assert justified >= 1000
    for name, action in (
        ("summary of the week", lambda s: s.figures.department_summary(WEEK.start, WEEK.end)),
        ("report", lambda s: reports.load_report(s, WEEK, "Favrskov Kommune")),
    ):
        small, large = vm_steps(few, lambda a=action: a(few)), vm_steps(
            many, lambda a=action: a(many))
        assert large <= 1.5 * small + 10, (name, small, large)
    # the same counts: the week's leaks are open (not justified), the old ones justified
    week = many.figures.department_summary(WEEK.start, WEEK.end)
    assert [(r.letters, r.leaks, r.justified) for r in week] == [(40, 32, 0)]
    year = many.figures.department_summary()
    assert sum(r.justified for r in year) == justified


def test_summary_says_which_period_it_sums(workspace, run):
    store = year_with_justified(workspace / "postbakke.db", 2)  # 40 letters of 2025
    for day in ("2026-01-07", "2026-11-18"):
        file_letters(store, StoredFile(day, "x.pdf", None, day, 20, "nu"),
                     [leak(day, p, day, "Medarbejder 1") for p in range(1, 21)])
    store.close()
    output = run("summary").output
    lines = output.splitlines()
    assert lines[0].split()[0] == "Afdeling"
    assert "(Året 2026: 1. januar 2026 – 18. november 2026" in output
    assert "Uge 47, 2026 (16.–22. november 2026):" in output
    totals = [line.split() for line in lines if line.startswith("I alt")]
    # the year (80 letters of 2026, not last year's 40), then the week (60)
    assert [t[2] for t in totals] == ["80", "60"]
    everything = run("summary", "--all").output
    assert everything.startswith("Alle scannede breve:")
    assert [line.split()[2] for line in everything.splitlines()
            if line.startswith("I alt")] == ["120"]
    week = run("summary", "--week", "2026-W47").output
    assert week.startswith("Uge 47, 2026") and week.splitlines()[-1].split()[2] == "60"
    assert CliRunner().invoke(cli, ["summary", "--all", "--week", "2026-W47"]).exit_code != 0


def test_the_maskings_short_run_fast_path_holds_for_every_grouping():
    """The guard over every page skips digit runs shorter than a CPR's 10 characters (a
    year's report is mostly chart coordinates): every way of writing one spans 10."""
    from postbakke.privacy import CPR_GROUPINGS, CPR_LENGTH, mask_cpr_in_text

    assert {sum(grouping) for grouping in CPR_GROUPINGS} == {CPR_LENGTH}
    assert mask_cpr_in_text("M 57.6 307.58 L 12 0102031234 x") == (
        "M 57.6 307.58 L 12 010203-XXXX x")




def justified_leak_sql() -> str:
    """1 when the letter is a leak whose follow-up was closed as justified (the counting
    before day_tallies)."""
    return f"(CASE WHEN letters.verdict = 'leak' THEN {justified_sql()} ELSE 0 END)"


# the figures as they were counted from the letters themselves (before day_tallies)
PLAIN_TALLY = (
    f"SELECT scanned_on, department, verdict, reason, {justified_leak_sql()} AS justified, "
    "count(*), sum(window_cpr) FROM letters WHERE scanned_on BETWEEN ? AND ? "
    f"AND {COUNTED} GROUP BY scanned_on, department, verdict, reason, justified")
PLAIN_SUMMARY = (
    "SELECT coalesce(department, '(ukendt)') AS dep, count(*), "
    f"sum(verdict = 'leak' AND NOT {justified_leak_sql()}), "
    f"sum({justified_leak_sql()} OR reason = 'justified_paper'), "
    "sum(verdict = 'legitimate' AND reason != 'justified_paper'), sum(verdict = 'review'), "
    f"sum(window_cpr) FROM letters WHERE {COUNTED} GROUP BY dep ORDER BY dep")


def plain_tally(store: Store, start: date, end: date) -> list[str]:
    return sorted(map(repr, store.db.execute(PLAIN_TALLY, [start.isoformat(),
                                                           end.isoformat()]).fetchall()))


def test_a_periods_tally_reads_the_days_tallies_and_the_leaks_index_with_the_same_figures(
        tmp_path):
    """A year's tally reads day_tallies (kept by triggers, schema step 15) and only the
    period's leaks, through their own index, and gives the rows that counting every
    letter gives (issue 24)."""
    store = year_with_justified(tmp_path / "p.db", 8)
    start, end = date(2025, 1, 1), date(2026, 12, 31)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    tally = store.figures.letter_tallies(start, end)
    store.db.conn.set_trace_callback(None)
    plans = [[r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]
             for sql in statements if sql.lstrip().startswith("SELECT")]
    assert len(plans) == 2, statements
    assert plans[0] == ["SEARCH day_tallies USING PRIMARY KEY (scanned_on>? AND scanned_on<?)"]
    reads = [step for step in plans[1] if re.match(r"(SCAN|SEARCH) letters", step)]
    assert reads == ["SEARCH letters USING COVERING INDEX idx_letters_leaks "
                     "(scanned_on>? AND scanned_on<?)"], plans[1]
    assert sum(r.n for r in tally) == 200
    assert sum(r.justified * r.n for r in tally) > 0
    assert sorted(repr(tuple(r)) for r in tally) == plain_tally(store, start, end)
    summary = store.figures.department_summary()
    assert [tuple(r) for r in summary] == store.db.execute(PLAIN_SUMMARY).fetchall()


def test_the_days_tallies_follow_every_change_of_the_letters(tmp_path):
    """Filing, copies, a person's decisions and their undo, a follow-up closed as
    justified, a department set, a file forgotten: day_tallies (kept by triggers) always
    gives what counting the letters gives."""
    from postbakke.models import Decision, IdKind
    from postbakke.people import review
    from postbakke.people.filing import forget_file

    store = year_with_justified(tmp_path / "t.db", 3)
    start, end = date(2025, 1, 1), date(2026, 12, 31)

    def same() -> None:
        tally = store.figures.letter_tallies(start, end)
        assert sorted(repr(tuple(r)) for r in tally) == plain_tally(store, start, end)
        assert [tuple(r) for r in store.figures.department_summary()] == store.db.execute(
            PLAIN_SUMMARY).fetchall()

    same()
    # a tray with its text, then the same tray scanned again: copies, not counted
    def tray(file_hash: str, day: str) -> list[LetterRecord]:
        return [replace(leak(file_hash, p, day, f"Medarbejder {p % 4}"),
                        ocr_text=f"Partshøring nr. {p}. Kommunen har modtaget din ansøgning.")
                for p in range(1, 41)]

    file_letters(store, StoredFile("tekst", "t.pdf", None, "2026-11-19", 40, "nu"),
                 tray("tekst", "2026-11-19"))
    copies = file_letters(store, StoredFile("igen", "t.pdf", None, "2026-11-20", 40, "nu"),
                          tray("igen", "2026-11-20"))
    assert sum(x.duplicate_of is not None for x in copies) == 40
    same()
    # review letters decided (to an enrolled citizen: leaks), then the last undone
    unsure = [replace(leak("r", p, "2026-11-20", "Medarbejder 1"), verdict="review",
                      reason="no_recipient", recipient_kind=None, recipient_pseudonym=None,
                      recipient_masked=None, match=None, enrolment=None) for p in (1, 2, 3)]
    file_letters(store, StoredFile("r", "r.pdf", None, "2026-11-20", 3, "nu"), unsure)
    same()
    waiting = store.review.queue()
    assert len(waiting) == 3
    for letter_id in waiting[:3]:
        review.decide_letter(store, letter_id, Decision(
            recipient_kind=IdKind.CPR, recipient_pseudonym="p" * 64,
            recipient_masked="010190-XXXX", birth_date="1990-01-01"), "lise")
        same()
    review.undo_last(store, "lise")
    same()
    store.db.execute("UPDATE letters SET department = NULL, window_cpr = 1 WHERE id = 1")
    same()
    for followup in store.followups.find(only_open=True, with_kinds=False):
        close_followup(store, followup.id, Outcome.JUSTIFIED, "sårbar borger", "test")
    same()
    assert forget_file(store, "tekst") == 40  # the first scan gone: the copies count again
    same()
    assert sum(r.n for r in store.figures.letter_tallies(start, end)) == 60 + 40 + 40 + 3


def test_an_old_workspace_gets_its_days_tallies_from_its_letters(tmp_path, monkeypatch):
    import shutil

    from test_migrations import V1_WORKSPACE

    shutil.copyfile(V1_WORKSPACE, tmp_path / "postbakke.db")
    monkeypatch.setenv("POSTBAKKE_SECRET", "x" * 40)
    store = Store(tmp_path / "postbakke.db")
    tally = store.figures.letter_tallies(date(2000, 1, 1), date(2100, 1, 1))
    assert sum(r.n for r in tally) == store.db.execute(
        f"SELECT count(*) FROM letters WHERE {COUNTED}").fetchone()[0] > 0
    assert sorted(repr(tuple(r)) for r in tally) == plain_tally(
        store, date(2000, 1, 1), date(2100, 1, 1))
