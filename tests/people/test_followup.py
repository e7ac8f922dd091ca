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
from sqlite_work import vm_steps

from postbakke.people.filing import file_letters, forget_file
from postbakke.people.followup import (
    FollowUpError,
    Outcome,
    catch_up,
    close_followup,
    sync_all,
    sync_letters,
)
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
    file_letters(store, StoredFile(file_hash, f"{file_hash}.pdf", None, day, len(letters), "nu"),
                 letters)


def grouped(store: Store) -> set[tuple[str | None, str | None, str, int]]:
    return {(f.department, f.sender, f.status.value, f.letters) for f in store.followups.find()}


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
    first = store.followups.find()[0]
    close_followup(store, first.id, Outcome.CONTACTED, "vist Digital Post", "projektleder")
    save(store, "h2", leak("h2", 1, "Anne Holm", day="2026-11-25"), day="2026-11-25")
    assert grouped(store) == {("Jobcenter", "Anne Holm", "closed", 2),
                              ("Jobcenter", "Anne Holm", "open", 1)}
    new = next(f for f in store.followups.find() if f.is_open)
    assert new.id != first.id and new.first_scanned_on == "2026-11-25"


def test_closing_twice_or_an_unknown_follow_up_is_refused(tmp_path):
    store = Store(tmp_path / "p.db")
    save(store, "h1", leak("h1", 1, "Anne Holm"))
    followup = store.followups.find()[0]
    close_followup(store, followup.id, Outcome.SYSTEM_FIXED, "skabelon rettet", "projektleder")
    with pytest.raises(FollowUpError, match=f"opfølgning nr. {followup.id} er allerede lukket"):
        close_followup(store, followup.id, Outcome.JUSTIFIED, "igen", "projektleder")
    with pytest.raises(FollowUpError, match="opfølgning nr. 99 findes ikke"):
        close_followup(store, 99, Outcome.JUSTIFIED, "x", "projektleder")


def test_the_audit_log_records_who_closed_a_follow_up_and_how(tmp_path):
    store = Store(tmp_path / "p.db")
    save(store, "h1", leak("h1", 1, "Anne Holm"))
    followup = store.followups.find()[0]
    close_followup(store, followup.id, Outcome.CONTACTED, " talt med Anne ", "projektleder")
    with pytest.raises(FollowUpError):
        close_followup(store, followup.id, Outcome.JUSTIFIED, "igen", "en anden")
    assert [(e["actor"], e["action"], e["subject"], e["reason"])
            for e in store.audit.entries()] == [
        ("projektleder", "opfølgning lukket", f"opfølgning {followup.id}",
         "kontaktet: talt med Anne")]


def test_rescanning_a_file_after_forgetting_it_keeps_follow_ups_and_justified(tmp_path):
    """A file scanned anew (after its letters were removed) changes no follow-up."""
    store = Store(tmp_path / "p.db")
    letters = (leak("h1", 1, "Eva Fisk", department="Borgerservice"),
               leak("h1", 2, "Anne Holm"))
    save(store, "h1", *letters)
    eva = next(f for f in store.followups.find() if f.sender == "Eva Fisk")
    close_followup(store, eva.id, Outcome.JUSTIFIED, "sårbar borger", "projektleder")
    before = {(f.id, f.sender, f.status, f.letters) for f in store.followups.find()}
    summary_before = store.figures.department_summary()

    assert forget_file(store, "h1") == 2
    # the open follow-up had only that letter: gone; the closed one is history
    assert {(f.sender, f.status.value, f.letters) for f in store.followups.find()} == {
        ("Eva Fisk", "closed", 0)}
    save(store, "h1", *letters)
    after = {(f.sender, f.status, f.letters) for f in store.followups.find()}
    assert after == {(s, st, n) for _, s, st, n in before}
    assert store.figures.department_summary() == summary_before
    borgerservice = next(r for r in store.figures.department_summary()
                         if r.department == "Borgerservice")
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
    store.retention.clear_content([1])
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
    eva = next(f for f in month.followups.find() if f.sender == "Eva Fisk")
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
    store.db.execute("PRAGMA user_version = 0")  # such a workspace kept no schema version
    store.close()
    assert grouped(catch_up(Store(tmp_path / "p.db"))) == {("Jobcenter", "Anne Holm", "open", 2)}


# ------------------------------------------------------------------ kept in step, letter by letter


def _decided(store: Store, letter_id: int, **changes: object) -> None:
    """A letter changed as a decision changes it, and its follow-up brought in step."""
    letter = store.letters.get(letter_id)
    assert letter is not None
    store.letters.update(letter_id, changes)
    sync_letters(store, [letter.key])


def _close_all(store: Store) -> None:
    for followup in store.followups.find(only_open=True):
        close_followup(store, followup.id, Outcome.CONTACTED, "talt med", "projektleder")


ANNE, BO = "Anne Holm", "Bo Berg"

# (rule, the letters before, what happens, the follow-ups after: (department, sender, status,
# letters)). Letter ids follow the order they were stored in.
SYNC_RULES = [
    ("a new leak opens its sender's follow-up",
     lambda s: None,
     lambda s: save(s, "h1", leak("h1", 1, ANNE)),
     {("Jobcenter", ANNE, "open", 1)}),
    ("a new leak joins its sender's open follow-up",
     lambda s: save(s, "h1", leak("h1", 1, ANNE)),
     lambda s: save(s, "h2", leak("h2", 1, ANNE)),
     {("Jobcenter", ANNE, "open", 2)}),
    ("a letter that is no leak opens none",
     lambda s: None,
     lambda s: save(s, "h1", leak("h1", 1, ANNE, verdict="legitimate")),
     set()),
    ("a leak after its sender's follow-up was closed opens a new one",
     lambda s: (save(s, "h1", leak("h1", 1, ANNE)), _close_all(s)),
     lambda s: save(s, "h2", leak("h2", 1, ANNE)),
     {("Jobcenter", ANNE, "closed", 1), ("Jobcenter", ANNE, "open", 1)}),
    ("a letter no longer a leak leaves; its open follow-up, now empty, is dropped",
     lambda s: save(s, "h1", leak("h1", 1, ANNE)),
     lambda s: _decided(s, 1, verdict="legitimate", reason="exempt"),
     set()),
    ("a letter no longer a leak leaves a closed follow-up too",
     lambda s: (save(s, "h1", leak("h1", 1, ANNE), leak("h1", 2, ANNE)), _close_all(s)),
     lambda s: _decided(s, 1, verdict="legitimate", reason="exempt"),
     {("Jobcenter", ANNE, "closed", 1)}),
    ("a letter now of another sender moves to that sender's open follow-up",
     lambda s: save(s, "h1", leak("h1", 1, ANNE), leak("h1", 2, ANNE)),
     lambda s: _decided(s, 1, sender=BO),
     {("Jobcenter", ANNE, "open", 1), ("Jobcenter", BO, "open", 1)}),
    ("a letter now of another department moves, its old follow-up dropped when empty",
     lambda s: save(s, "h1", leak("h1", 1, ANNE)),
     lambda s: _decided(s, 1, department="Borgerservice"),
     {("Borgerservice", ANNE, "open", 1)}),
    ("a closed follow-up keeps a letter now of another sender",
     lambda s: (save(s, "h1", leak("h1", 1, ANNE)), _close_all(s)),
     lambda s: _decided(s, 1, sender=BO),
     {("Jobcenter", ANNE, "closed", 1)}),
    ("forgotten letters leave their open follow-up",
     lambda s: (save(s, "h1", leak("h1", 1, ANNE)), save(s, "h2", leak("h2", 1, ANNE))),
     lambda s: forget_file(s, "h1"),
     {("Jobcenter", ANNE, "open", 1)}),
    ("a closed follow-up keeps its forgotten letters (they count again when re-scanned)",
     lambda s: (save(s, "h1", leak("h1", 1, ANNE)), _close_all(s)),
     lambda s: (forget_file(s, "h1"), save(s, "h1", leak("h1", 1, ANNE))),
     {("Jobcenter", ANNE, "closed", 1)}),
    ("storing a file looks at its own letters only (a change never synced stays as it was)",
     lambda s: (save(s, "h1", leak("h1", 1, ANNE)),
                s.letters.update(1, {"verdict": "legitimate"})),
     lambda s: save(s, "h2", leak("h2", 1, BO)),
     {("Jobcenter", ANNE, "open", 1), ("Jobcenter", BO, "open", 1)}),
]


@pytest.mark.parametrize(("rule", "before", "change", "expected"), SYNC_RULES,
                         ids=[row[0] for row in SYNC_RULES])
def test_follow_ups_follow_the_letters_that_changed(tmp_path, rule, before, change, expected):
    store = Store(tmp_path / "p.db")
    before(store)
    change(store)
    assert grouped(store) == expected, rule


def test_a_full_sync_repairs_what_incremental_syncs_left(tmp_path):
    """sync_all looks at every letter: what a workspace from before follow-ups needs."""
    store = Store(tmp_path / "p.db")
    save(store, "h1", leak("h1", 1, ANNE), leak("h1", 2, BO))
    store.letters.update(1, {"verdict": "legitimate"})
    sync_all(store)
    assert grouped(store) == {("Jobcenter", BO, "open", 1)}


# --------------------------------------------------------------------------- cost


def _store_with_letters(path, n_letters: int, per_file: int = 200) -> Store:
    store = Store(path)
    senders = [f"Medarbejder {i}" for i in range(50)]
    for f in range(n_letters // per_file):
        file_hash = f"f{f}"
        save(store, file_hash, *(
            leak(file_hash, p, senders[(f * per_file + p) % len(senders)],
                 verdict="leak" if p % 3 else "legitimate")
            for p in range(1, per_file + 1)))
    for followup in store.followups.find(only_open=True)[::2]:
        close_followup(store, followup.id, Outcome.CONTACTED, "talt med", "projektleder")
    return store


def _new_file(store: Store) -> None:
    save(store, "new", *(leak("new", p, f"Medarbejder {p % 7}") for p in range(1, 21)))


def test_storing_a_file_does_not_read_the_letters_already_stored(tmp_path):
    """GIVEN 2,000 or 20,000 letters stored WHEN a 20-letter file is filed THEN SQLite does
    about the same work (counted in its VM steps, not timed); a full sync, which reads every
    letter, does ten times the work: the count sees rows read."""
    small = _store_with_letters(tmp_path / "small.db", 2_000)
    large = _store_with_letters(tmp_path / "large.db", 20_000)
    steps_small, steps_large = vm_steps(small, lambda: _new_file(small)), vm_steps(
        large, lambda: _new_file(large))
    assert steps_large <= 1.5 * steps_small + 5, (steps_small, steps_large)
    full_small, full_large = vm_steps(small, lambda: sync_all(small)), vm_steps(
        large, lambda: sync_all(large))
    assert full_large > 5 * full_small, (full_small, full_large)
