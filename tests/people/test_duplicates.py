"""Copies: the same paper scanned again is listed, never counted; look-alikes are letters.

GIVEN letters filed through people.filing (a real SQLite workspace)
WHEN the same paper comes back in another file (other bytes, OCR noise, page order)
THEN it is stored as a copy of the first: out of the summary, report, digest,
follow-ups and review queue, in the export with `duplicate_of`; a person can say
"det er et nyt brev" (CLI and work station, one function), and take it back.
The same standard letter to another person, or to the same person a month later,
is a letter of its own.
"""

from __future__ import annotations

import getpass
import json
from datetime import date

import pytest
from click.testing import CliRunner
from sqlite_work import vm_steps
from web_fixtures import csrf_token

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.models import RecipientBlock
from postbakke.outputs import report as reports
from postbakke.people.duplicates import Content, find_first_copies, is_copy
from postbakke.people.filing import file_letters, forget_file
from postbakke.people.review import undo_last
from postbakke.store import LetterKey, LetterRecord, Store, StoredFile

ANNE = "Anne Holm"
JENS = {"name": "Jens Hansen", "attention": None, "street": "Søvej 3", "postcode": "8370",
        "city": "Hadsten"}
KAREN = {"name": "Karen Lund", "attention": None, "street": "Bakken 1", "postcode": "8382",
         "city": "Hinnerup"}
BODY = (
    "Favrskov Kommune Jobcenter Torvet 3 8382 Hinnerup\n{name}\n{street}\n{postcode} {city}\n"
    "Dato: 12. november 2026 Sagsnr. 27.12.04-G01-3-26 CPR-nr. 010190-XXXX\n"
    "Indkaldelse til samtale\n"
    "Du indkaldes hermed til en samtale om din plan for job og uddannelse. Samtalen finder "
    "sted i Jobcentret, Torvet 3, tirsdag den 24. november kl. 10.00. Medbring gerne dit "
    "CV og de papirer, du finder relevante. Kan du ikke komme, skal du ringe til os senest "
    "dagen før. Udebliver du uden gyldig grund, kan det få betydning for din ydelse.\n"
    "Med venlig hilsen\nAnne Holm\nJobkonsulent"
)


def text_for(block: dict, noise: bool = False) -> str:
    text = BODY.format(**block)
    if noise:  # what a second pass of OCR makes of the same page
        text = (text.replace("samtale om", "samta1e om").replace("Medbring", "Medbrlng")
                .replace("  ", " ").replace("gyldig", "gy1dig").replace("Torvet 3,", "Torvet 3."))
    return text


def letter(file_hash: str, page: int = 1, *, day: str = "2026-11-16", block: dict = JENS,
           pseudonym: str | None = "a" * 64, sender: str | None = ANNE, noise: bool = False,
           verdict: str = "leak", reason: str = "enrolled", text: str | None = None,
           subject: str = "Indkaldelse til samtale") -> LetterRecord:
    return LetterRecord(
        file_hash=file_hash, source=f"{file_hash}.pdf", pages=[page], tray="Postrum",
        scanned_on=day, recipient_kind="cpr" if pseudonym else None,
        recipient_pseudonym=pseudonym, recipient_masked="010190-XXXX" if pseudonym else None,
        match="id" if pseudonym else None, enrolment="tilmeldt" if pseudonym else None,
        department="Jobcenter", sender=sender, verdict=verdict, reason=reason,
        window_cpr=False, subject=subject,
        ocr_text=text if text is not None else text_for(block, noise),
        recipient_block=RecipientBlock(**block),
    )


def file(store: Store, file_hash: str, *letters: LetterRecord, day: str = "2026-11-16",
         window: int = 14) -> list[LetterRecord]:
    return file_letters(store, StoredFile(file_hash, f"{file_hash}.pdf", "Postrum", day,
                                          len(letters), "nu"), list(letters), window)


# --------------------------------------------------------------------------- the rule

SAME = Content.of(letter("x"))
COPY_CASES = [
    ("the same letter read again with OCR noise", letter("y", noise=True)),
    ("the recipient not found on the re-scan: the printed block matches",
     letter("y", pseudonym=None, noise=True, verdict="review", reason="no_recipient")),
]
NOT_COPY_CASES = [
    ("the same standard letter to another person (another pseudonym)",
     letter("y", block=KAREN, pseudonym="b" * 64)),
    ("the same standard letter to another person, neither found in the register",
     letter("y", block=KAREN, pseudonym=None)),
    ("another sender", letter("y", sender="Bo Berg")),
    ("the same person, another subject",
     letter("y", subject="Afgørelse om boligstøtte",
            text=text_for(JENS).replace("Indkaldelse til samtale", "Afgørelse om boligstøtte"))),
    ("the same person and subject, another letter",
     letter("y", text=text_for(JENS).split("Du indkaldes")[0]
            + "Vi har modtaget din ansøgning og vender tilbage, når sagen er behandlet. "
              "Har du spørgsmål, er du velkommen til at ringe.\nMed venlig hilsen\nAnne Holm")),
    ("no text to compare (removed by retention)", letter("y", text="")),
    # issue 20: a field one scan missed is no difference, but what differs still does
    ("another person, the sender not read on the re-scan",
     letter("y", block=KAREN, pseudonym="b" * 64, sender=None, noise=True)),
    ("another person, neither recipient nor sender read on the re-scan: the first "
     "scan's block is not in its text",
     letter("y", block=KAREN, pseudonym=None, sender=None, noise=True)),
    ("another sender, the subject not read on the re-scan",
     letter("y", sender="Bo Berg", subject="", noise=True)),
]


RESCAN_BLIND = letter("y", pseudonym=None, sender=None, noise=True, verdict="review",
                      reason="no_recipient")
MISSED_FIELD_COPY_CASES = [
    ("the first scan did not read the sender",
     Content.of(letter("y", noise=True)), Content.of(letter("x", sender=None))),
    ("the re-scan did not read the sender",
     Content.of(letter("y", sender=None, noise=True)), SAME),
    ("the re-scan did not read the subject",
     Content.of(letter("y", subject="", noise=True)), SAME),
    ("the first scan read neither sender nor subject",
     Content.of(letter("y", noise=True)), Content.of(letter("x", sender=None, subject=""))),
    ("the re-scan found no recipient and made out no block: the first scan's block "
     "stands in its text",
     Content(None, None, None, RESCAN_BLIND.subject, RESCAN_BLIND.ocr_text), SAME),
]


@pytest.mark.parametrize(("case", "new", "old"), MISSED_FIELD_COPY_CASES,
                         ids=[c for c, _, _ in MISSED_FIELD_COPY_CASES])
def test_a_field_one_scan_missed_is_no_difference(case, new, old):
    assert is_copy(new, old), case
    assert is_copy(old, new), case  # either way round


def test_without_a_recipient_on_either_side_nothing_is_a_copy():
    """Neither letter has a recipient to compare (no pseudonym, no block): sender, subject
    and text agreeing are not enough, with a field missing or not (a standard text to
    "Kære borger" sent to many)."""
    text = text_for(JENS)
    base = Content(None, None, ANNE, "Indkaldelse til samtale", text)
    for other in (Content(None, None, ANNE, "Indkaldelse til samtale", text),
                  Content(None, None, None, "Indkaldelse til samtale", text),
                  Content(None, None, ANNE, None, text), Content(None, None, None, None, text)):
        assert not is_copy(other, base) and not is_copy(base, other)


@pytest.mark.parametrize(("case", "new"), COPY_CASES, ids=[c for c, _ in COPY_CASES])
def test_is_copy_should(case, new):
    assert is_copy(Content.of(new), SAME), case


@pytest.mark.parametrize(("case", "new"), NOT_COPY_CASES, ids=[c for c, _ in NOT_COPY_CASES])
def test_is_copy_should_not(case, new):
    assert not is_copy(Content.of(new), SAME), case


# --------------------------------------------------------------------------- filing


def counted(store: Store) -> tuple[int, int, int]:
    """(letters, leaks, review) as the summary counts them."""
    rows = store.figures.department_summary()
    return (sum(r.letters for r in rows), sum(r.leaks for r in rows),
            sum(r.review for r in rows))


def test_a_rescanned_letter_is_listed_as_a_copy_and_never_counted(workspace, run):
    store = Store(load_settings().db_path)
    file(store, "first", letter("first", 1), letter("first", 2, block=KAREN, pseudonym="b" * 64,
                                                    verdict="review", reason="no_recipient"))
    # the next morning the tray is scanned again: the pages come in the other order
    again = file(store, "again", letter("again", 1, block=KAREN, pseudonym="b" * 64,
                                        noise=True, verdict="review", reason="no_recipient"),
                 letter("again", 2, noise=True), day="2026-11-17")
    assert [x.duplicate_of for x in again] == [LetterKey("first", 2), LetterKey("first", 1)]
    assert counted(store) == (2, 1, 1)
    assert len(store.review.queue()) == 1 and len(store.review.waiting()) == 1
    followups = store.followups.find()
    assert [(f.letters, f.first_scanned_on, f.last_scanned_on) for f in followups] == [
        (1, "2026-11-16", "2026-11-16")]
    week = reports.Period.between(date(2026, 11, 16), date(2026, 11, 22))
    report = reports.load_report(store, week, "Favrskov Kommune")
    assert (report.total.paper, report.total.leaks, len(report.leaks)) == (2, 1, 1)
    assert reports.load_figures(store, week).total.paper == 2
    rows = [json.loads(line) for line in run("letters", "--format", "jsonl").output.splitlines()]
    assert [r["duplicate_of"] for r in rows] == [
        None, None, {"source": "first.pdf", "pages": [2]}, {"source": "first.pdf", "pages": [1]}]
    csv_rows = run("letters", "--format", "csv").output.splitlines()
    assert csv_rows[0].endswith(",duplicate_of") and '""source"": ""first.pdf""' in csv_rows[3]
    summary = run("summary").output
    assert "I alt" in summary and " 2 " in summary.splitlines()[-1]
    assert "kopi" in run("letters").output
    listed = run("duplicate", "list").output
    assert "first.pdf side 1" in listed and "first.pdf side 2" in listed


def test_a_reminder_a_month_later_and_the_same_letter_to_two_people_are_letters(workspace):
    store = Store(load_settings().db_path)
    file(store, "nov", letter("nov", 1), letter("nov", 2, block=KAREN, pseudonym="b" * 64))
    later = file(store, "dec", letter("dec", 1, day="2026-12-16", noise=True),
                 day="2026-12-16")
    assert [x.duplicate_of for x in later] == [None]
    assert counted(store) == (3, 3, 0)


def test_the_window_is_a_setting(workspace):
    (workspace).mkdir(parents=True, exist_ok=True)
    (workspace / "postbakke.toml").write_text("[scan]\nduplicate_window_days = 3\n")
    assert load_settings().duplicate_window_days == 3
    store = Store(load_settings().db_path)
    file(store, "a", letter("a", 1), window=3)
    assert file(store, "b", letter("b", 1, day="2026-11-23", noise=True), day="2026-11-23",
                window=3)[0].duplicate_of is None
    assert file(store, "c", letter("c", 1, day="2026-11-18", noise=True), day="2026-11-18",
                window=3)[0].duplicate_of == LetterKey("a", 1)
    (workspace / "postbakke.toml").write_text("[scan]\nduplicate_window_days = -1\n")
    result = CliRunner().invoke(cli, ["summary"])
    assert result.exit_code != 0 and "duplicate_window_days" in result.output


def test_four_second_copies_in_a_later_tray_count_once_though_one_scan_missed_a_sender(
    workspace,
):
    """Issue 20: of four letters scanned again in a later tray, the leak whose sender the
    first scan did not read was stored as a new letter and counted again. A sender
    missing on one side is no difference; both ways round."""
    store = Store(load_settings().db_path)
    ole = {**KAREN, "name": "Ole Dam", "street": "Engvej 7"}
    bo = {**JENS, "name": "Bo Skov", "street": "Åvej 2"}
    first = [letter("day1", 1, sender=None),  # the sender's signature not read
             letter("day1", 2, block=KAREN, pseudonym="b" * 64),
             letter("day1", 3, block=ole, pseudonym="c" * 64),
             letter("day1", 4, block=bo, pseudonym="d" * 64, sender=None,
                    subject="")]
    file(store, "day1", *first)
    assert counted(store) == (4, 4, 0)
    again = file(store, "day2",
                 letter("day2", 1, noise=True),
                 letter("day2", 2, block=KAREN, pseudonym="b" * 64, noise=True, sender=None),
                 letter("day2", 3, block=ole, pseudonym="c" * 64, noise=True),
                 letter("day2", 4, block=bo, pseudonym="d" * 64, noise=True),
                 day="2026-11-19")
    assert [x.duplicate_of for x in again] == [LetterKey("day1", p) for p in (1, 2, 3, 4)]
    assert counted(store) == (4, 4, 0)
    assert sum(f.letters for f in store.followups.find()) == 4


def test_a_genuinely_new_letter_stays_new_though_one_scan_missed_a_field(workspace):
    """The same standard text to another person, the same person a month later: letters
    of their own, whichever scan missed the sender or subject."""
    store = Store(load_settings().db_path)
    file(store, "nov", letter("nov", 1, sender=None, subject=""))
    other_person = file(store, "nov2",
                        letter("nov2", 1, block=KAREN, pseudonym="b" * 64, noise=True),
                        letter("nov2", 2, block={**KAREN, "name": "Ole Dam"}, pseudonym=None,
                               sender=None, noise=True, verdict="review",
                               reason="no_recipient"),
                        day="2026-11-17")
    assert [x.duplicate_of for x in other_person] == [None, None]
    later = file(store, "dec", letter("dec", 1, day="2026-12-16", sender=None, noise=True),
                 day="2026-12-16")
    assert [x.duplicate_of for x in later] == [None]
    assert counted(store)[0] == 4


def test_a_jam_and_refeed_inside_one_scan_counts_once(workspace):
    store = Store(load_settings().db_path)
    filed = file(store, "jam", letter("jam", 1), letter("jam", 2, noise=True))
    assert [x.duplicate_of for x in filed] == [None, LetterKey("jam", 1)]
    assert counted(store) == (1, 1, 0)


def test_new_letter_undone_by_cli_counts_again_and_review_undo_takes_it_back(workspace, run):
    store = Store(load_settings().db_path)
    file(store, "first", letter("first", 1))
    file(store, "again", letter("again", 1, noise=True), day="2026-11-17")
    assert counted(store) == (1, 1, 0) and store.followups.find()[0].letters == 1
    result = run("duplicate", "undo", "2")
    assert result.exit_code == 0 and "Brev 2 er et nyt brev" in result.output
    assert counted(store) == (2, 2, 0) and store.followups.find()[0].letters == 2
    assert json.loads(run("letters", "--format", "jsonl").output.splitlines()[1])[
        "duplicate_of"] is None
    again = run("duplicate", "undo", "2")
    assert again.exit_code != 0 and "ikke markeret som en kopi" in again.output
    assert undo_last(store, getpass.getuser()) == 2
    assert counted(store) == (1, 1, 0) and store.followups.find()[0].letters == 1


def test_a_letter_said_to_be_new_stays_new_over_a_rescan_of_its_file(workspace, run):
    store = Store(load_settings().db_path)
    file(store, "first", letter("first", 1))
    file(store, "again", letter("again", 1, noise=True), day="2026-11-17")
    run("duplicate", "undo", "2")
    forget_file(store, "again")
    assert file(store, "again", letter("again", 1, noise=True),
                day="2026-11-17")[0].duplicate_of is None
    assert counted(store) == (2, 2, 0)


def test_forgetting_the_first_copy_lets_its_copy_count(workspace):
    store = Store(load_settings().db_path)
    file(store, "first", letter("first", 1))
    file(store, "again", letter("again", 1, noise=True), day="2026-11-17")
    forget_file(store, "first")
    assert counted(store) == (1, 1, 0) and store.followups.find()[0].letters == 1
    refiled = file(store, "first", letter("first", 1))
    assert refiled[0].duplicate_of == LetterKey("again", 1)
    assert counted(store) == (1, 1, 0)


def test_the_lookup_reads_the_window_only(workspace):
    """Candidates come from the index of one sender's letters of the window: letters of
    other months and other senders are not read (counted in SQLite's VM steps)."""
    store = Store(load_settings().db_path)

    def steps(action) -> int:
        return vm_steps(store, action)

    probe = [letter("probe", 1, day="2026-11-16", pseudonym="c" * 64, block=KAREN)]
    before = steps(lambda: find_first_copies(store, probe))
    for month in range(1, 11):
        day = f"2026-{month:02d}-10"
        file(store, f"m{month}", *(letter(f"m{month}", p, day=day, pseudonym=f"{p:064d}")
                                   for p in range(1, 101)), day=day)
    after = steps(lambda: find_first_copies(store, probe))
    assert after <= before + 5, (before, after)


def test_the_lookup_without_a_sender_reads_the_recipients_letters_of_the_window_only(
    workspace,
):
    """A letter whose sender was not read looks among every sender's letters, by its
    recipient's index (schema step 8): other months and other recipients are not read."""
    store = Store(load_settings().db_path)
    probe = [letter("probe", 1, day="2026-11-16", pseudonym="c" * 64, block=KAREN,
                    sender=None)]
    before = vm_steps(store, lambda: find_first_copies(store, probe))
    for month in range(1, 11):
        day = f"2026-{month:02d}-10"
        file(store, f"m{month}", *(letter(f"m{month}", p, day=day, pseudonym=f"{p:064d}",
                                          sender=f"Sender {p % 7}")
                                   for p in range(1, 101)), day=day)
    after = vm_steps(store, lambda: find_first_copies(store, probe))
    assert after <= before + 5, (before, after)


def test_the_work_station_button_says_it_is_a_new_letter(workspace):
    from postbakke.web.app import create_app

    store = Store(load_settings().db_path)
    file(store, "first", letter("first", 1))
    file(store, "again", letter("again", 1, noise=True), day="2026-11-17")
    app = create_app(load_settings())
    app.config["TESTING"] = False  # CSRF on, as served
    client = app.test_client()
    page = client.get("/brev/2").get_data(as_text=True)
    assert "Kopi" in page and "first.pdf" in page and "Det er et nyt brev" in page
    assert "(kopi, tælles ikke)" in client.get("/breve").get_data(as_text=True)
    assert client.post("/brev/2/nyt-brev").status_code == 400  # no CSRF token
    assert counted(store) == (1, 1, 0)
    answer = client.post("/brev/2/nyt-brev", data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 303
    assert counted(store) == (2, 2, 0)
    assert "Det er et nyt brev" not in client.get("/brev/2").get_data(as_text=True)
    again = client.post("/brev/2/nyt-brev", data={"csrf_token": csrf_token(page)})
    assert again.status_code == 422 and "ikke markeret som en kopi" in again.get_data(
        as_text=True)
