"""Follow-ups: one per sender with leaks, kept in step with the letters, closed with an outcome.

GIVEN leaks stored by the scan (built here directly as LetterRecords)
WHEN they are stored, re-stored, decided or their follow-up is closed
THEN every leak belongs to exactly one follow-up, grouped per sender, and a
follow-up closed as justified moves its letters from leaks to justified.
"""

from __future__ import annotations

import re

import pytest
from month_letters import store_month

from postbakke.people.followup import FollowUpError, Outcome
from postbakke.store import LetterRecord, Store, StoredFile


def leak(file_hash: str, page: int, sender: str | None, department: str = "Jobcenter",
         day: str = "2026-11-18", verdict: str = "leak") -> LetterRecord:
    return LetterRecord(
        file_hash=file_hash, source=f"{file_hash}.pdf", pages=[page], tray=None,
        scanned_on=day, recipient_kind="cpr", recipient_pseudonym="ab" * 32,
        recipient_masked="010203-XXXX", match="id", enrolment="tilmeldt",
        department=department, sender=sender, verdict=verdict,
        reason="enrolled" if verdict == "leak" else "exempt", window_cpr=False,
        subject="Indkaldelse til samtale",
    )


def save(store: Store, file_hash: str, *letters: LetterRecord, day: str = "2026-11-18") -> None:
    store.save_file(StoredFile(file_hash, f"{file_hash}.pdf", None, day, len(letters), "nu"),
                    letters)


def grouped(store: Store) -> set[tuple[str | None, str | None, str, int]]:
    return {(f.department, f.sender, f.status.value, f.letters) for f in store.followups()}


def test_repeat_leaks_of_one_sender_share_one_open_follow_up(tmp_path):
    store = Store(tmp_path / "p.db")
    save(store, "h1", leak("h1", 1, "Anne Holm"), leak("h1", 2, "Anne Holm"),
         leak("h1", 3, "Bo Berg"), leak("h1", 4, "Anne Holm", verdict="legitimate"))
    save(store, "h2", leak("h2", 1, "Anne Holm"))
    assert grouped(store) == {("Jobcenter", "Anne Holm", "open", 3),
                              ("Jobcenter", "Bo Berg", "open", 1)}


def test_leaks_without_a_sender_group_per_department(tmp_path):
    store = Store(tmp_path / "p.db")
    save(store, "h1", leak("h1", 1, None), leak("h1", 2, None),
         leak("h1", 3, None, department="Borgerservice"), leak("h1", 4, None, department=None))
    assert grouped(store) == {("Jobcenter", None, "open", 2),
                              ("Borgerservice", None, "open", 1), (None, None, "open", 1)}


def test_a_leak_after_the_follow_up_was_closed_opens_a_new_one(tmp_path):
    store = Store(tmp_path / "p.db")
    save(store, "h1", leak("h1", 1, "Anne Holm"), leak("h1", 2, "Anne Holm"))
    first = store.followups()[0]
    store.close_followup(first.id, Outcome.CONTACTED, "vist Digital Post")
    save(store, "h2", leak("h2", 1, "Anne Holm", day="2026-11-25"), day="2026-11-25")
    assert grouped(store) == {("Jobcenter", "Anne Holm", "closed", 2),
                              ("Jobcenter", "Anne Holm", "open", 1)}
    new = next(f for f in store.followups() if f.is_open)
    assert new.id != first.id and new.first_scanned_on == "2026-11-25"


def test_closing_twice_or_an_unknown_follow_up_is_refused(tmp_path):
    store = Store(tmp_path / "p.db")
    save(store, "h1", leak("h1", 1, "Anne Holm"))
    followup = store.followups()[0]
    store.close_followup(followup.id, Outcome.SYSTEM_FIXED, "skabelon rettet")
    with pytest.raises(FollowUpError, match=f"opfølgning nr. {followup.id} er allerede lukket"):
        store.close_followup(followup.id, Outcome.JUSTIFIED, "igen")
    with pytest.raises(FollowUpError, match="opfølgning nr. 99 findes ikke"):
        store.close_followup(99, Outcome.JUSTIFIED, "x")


def test_rescanning_a_file_after_forgetting_it_keeps_follow_ups_and_justified(tmp_path):
    """A file scanned anew (after its letters were removed) changes no follow-up."""
    store = Store(tmp_path / "p.db")
    letters = (leak("h1", 1, "Eva Fisk", department="Borgerservice"),
               leak("h1", 2, "Anne Holm"))
    save(store, "h1", *letters)
    eva = next(f for f in store.followups() if f.sender == "Eva Fisk")
    store.close_followup(eva.id, Outcome.JUSTIFIED, "sårbar borger")
    before = {(f.id, f.sender, f.status, f.letters) for f in store.followups()}
    summary_before = store.department_summary()

    assert store.forget_file("h1") == 2
    # the open follow-up had only that letter: gone; the closed one is history
    assert {(f.sender, f.status.value, f.letters) for f in store.followups()} == {
        ("Eva Fisk", "closed", 0)}
    save(store, "h1", *letters)
    after = {(f.sender, f.status, f.letters) for f in store.followups()}
    assert after == {(s, st, n) for _, s, st, n in before}
    assert store.department_summary() == summary_before
    borgerservice = next(r for r in store.department_summary() if r.department == "Borgerservice")
    assert (borgerservice.leaks, borgerservice.justified) == (0, 1)


def test_the_same_file_twice_is_refused_whole_and_changes_no_follow_up(tmp_path):
    import sqlite3

    store = Store(tmp_path / "p.db")
    save(store, "h1", leak("h1", 1, "Anne Holm"))
    with pytest.raises(sqlite3.IntegrityError):
        save(store, "h1", leak("h1", 1, "Anne Holm"))
    assert grouped(store) == {("Jobcenter", "Anne Holm", "open", 1)}


def test_purge_of_page_images_changes_no_follow_up(tmp_path):
    store = Store(tmp_path / "p.db")
    save(store, "h1", leak("h1", 1, "Anne Holm"))
    store.clear_content([1])
    assert grouped(store) == {("Jobcenter", "Anne Holm", "open", 1)}


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def month(workspace) -> Store:
    store = Store(workspace / "postbakke.db")
    store_month(store)
    return store


def table_rows(output: str) -> list[list[str]]:
    lines = output.strip().splitlines()
    return [re.split(r"\s{2,}", line.strip()) for line in lines[2:]]


def test_followup_list_shows_senders_letters_and_kinds(run, month):
    result = run("followup", "list", "--department", "jobcenter")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == [
        "Nr", "Status", "Afdeling", "Afsender", "Læk", "Slags", "breve", "Seneste", "Udfald",
        "Note"]
    rows = table_rows(result.output)
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("åben", "Jobcenter", "Anne Holm", "4", "Indkaldelse til samtale (4)"),
        ("åben", "Jobcenter", "Bo Berg", "2", "Indkaldelse til samtale (2)"),
    ]
    everyone = table_rows(run("followup", "list").output)
    assert len(everyone) == 7
    assert ["(ukendt afsender)" in r for r in everyone].count(True) == 1


def test_followup_close_as_justified_moves_leaks_to_justified_in_summary(run, month):
    eva = next(f for f in month.followups() if f.sender == "Eva Fisk")
    before = run("summary").output
    assert _summary_row(before, "Borgerservice") == ["Borgerservice", "6", "2", "0", "4", "0",
                                                      "0"]
    result = run("followup", "close", str(eva.id), "--outcome", "begrundet",
                 "--note", "sårbar borger, aftalt papir")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"Opfølgning {eva.id} lukket: papirbrevet var begrundet. "
        "Dens 2 breve tæller nu som begrundede, ikke som læk.")
    after = run("summary").output
    assert after.splitlines()[0].split() == [
        "Afdeling", "Breve", "Læk", "Begrundede", "Legitime", "Til", "gennemsyn", "CPR", "i",
        "rude"]
    assert _summary_row(after, "Borgerservice") == ["Borgerservice", "6", "0", "2", "4", "0",
                                                     "0"]
    assert _summary_row(after, "I alt") == ["I alt", "39", "16", "2", "17", "4", "1"]
    open_rows = table_rows(run("followup", "list", "--open").output)
    assert len(open_rows) == 6 and all(r[1] == "åben" for r in open_rows)
    closed = [r for r in table_rows(run("followup", "list").output) if r[1] == "lukket"]
    assert closed[0][2:5] == ["Borgerservice", "Eva Fisk", "2"]
    assert closed[0][-2:] == ["papirbrevet var begrundet", "sårbar borger, aftalt papir"]


def _summary_row(output: str, name: str) -> list[str]:
    return next(r for r in table_rows(output) if r[0] == name)


@pytest.mark.parametrize(("args", "code", "message"), [
    (["followup", "close", "99", "--outcome", "kontaktet", "--note", "x"], 2,
     "Fejl: opfølgning nr. 99 findes ikke"),
    (["followup", "close", "1", "--outcome", "kontaktet", "--note", "  "], 2,
     "Fejl: noten må ikke være tom"),
])
def test_followup_close_errors_are_one_danish_line(run, month, args, code, message):
    result = run(*args)
    assert result.exit_code == code
    assert result.output.strip() == message


def test_followup_close_twice_is_refused(run, month):
    assert run("followup", "close", "1", "--outcome", "kontaktet", "--note", "ok").exit_code == 0
    result = run("followup", "close", "1", "--outcome", "kontaktet", "--note", "ok")
    assert (result.exit_code, result.output.strip()) == (
        2, "Fejl: opfølgning nr. 1 er allerede lukket")


def test_followup_close_needs_a_known_outcome(run, month):
    result = run("followup", "close", "1", "--outcome", "glemt", "--note", "x")
    assert result.exit_code == 2


def test_a_workspace_from_before_follow_ups_gets_them_when_opened(tmp_path):
    store = Store(tmp_path / "p.db")
    save(store, "h1", leak("h1", 1, "Anne Holm"), leak("h1", 2, "Anne Holm"))
    store.db.execute("DROP TABLE followup_letters")
    store.db.execute("DROP TABLE followups")
    store.close()
    assert grouped(Store(tmp_path / "p.db")) == {("Jobcenter", "Anne Holm", "open", 2)}
