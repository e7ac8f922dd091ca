"""The review queue: a person decides the letters the tool could not, and the decision is kept.

GIVEN letters for review (stored as the scan stores them) and the registers
WHEN a person decides one with --cpr, --cvr or --no-recipient (and maybe --sender)
THEN the verdict is recomputed from the register by the verdict table, the CPR
is never stored or shown in clear, `letters` shows match "manual", and the
decision survives a re-scan of the letter.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from municipality import configure_municipality
from workspace_secret import TEST_SECRET

from postbakke.cli import cli
from postbakke.deciding.verdict import decide
from postbakke.models import MatchMethod, Reason, RecipientMatch, VerdictKind
from postbakke.people.filing import file_letters, forget_file
from postbakke.store import LetterRecord, Store, StoredFile

ENROLLED_CPR = "0101901234"  # Jens Hansen, tilmeldt
EXEMPT_CPR = "0202852678"  # Karen Lund, fritaget
UNKNOWN_CPR = "0505803456"  # an adult not in the register
CHILD_CPR = "1503204123"  # born 2020: under 15, not in the register
COMPANY_CVR = "55807302"  # tilmeldt
UNKNOWN_CVR = "66086569"  # a company not in the register
OWN_CVR = "65828235"  # the municipality's own
ALL_CPR = (ENROLLED_CPR, EXEMPT_CPR, UNKNOWN_CPR, CHILD_CPR)


def cpr_forms(cpr: str) -> list[bytes]:
    return [f.encode() for f in (cpr, f"{cpr[:6]}-{cpr[6:]}", f"{cpr[:6]} {cpr[6:]}")]


def review_letter(file_hash: str, page: int, **changes) -> LetterRecord:
    values = dict(
        file_hash=file_hash, source="bakke.pdf", pages=[page, page + 1], tray="Postrum",
        scanned_on="2026-11-18", recipient_kind=None, recipient_pseudonym=None,
        recipient_masked=None, match=None, enrolment=None, department="Jobcenter",
        sender="Anne Holm", verdict="review", reason="no_recipient", window_cpr=False,
        evidence="intet id og ingen entydig navn/adresse i registret",
        subject="Indkaldelse til samtale", ocr_text="Kære borger\n...",
        image_paths=[f"/data/sider/{file_hash}/p{page}.png"],
    )
    values.update(changes)
    return LetterRecord(**values)


@pytest.fixture
def registers(run, tmp_path, monkeypatch):
    enrolment = tmp_path / "tilmelding.csv"
    enrolment.write_text(
        "id,status,name,street,postcode,city\n"
        f"{ENROLLED_CPR[:6]}-{ENROLLED_CPR[6:]},tilmeldt,Jens Hansen,Søvej 3,8370,Hadsten\n"
        f"{EXEMPT_CPR},fritaget,Karen Lund,Bakken 1,8382,Hinnerup\n"
        f"{COMPANY_CVR},tilmeldt,Tømrer ApS,Industrivej 9,8370,Hadsten\n",
        encoding="utf-8",
    )
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "name,initials,email,phone,department\n"
        "Anne Holm,AH,ah@favrskov.dk,89641001,Jobcenter\n"
        "Bo Berg,BB,bb@favrskov.dk,89641002,Borgerservice\n",
        encoding="utf-8",
    )
    assert run("enrolment", "import", str(enrolment)).exit_code == 0
    assert run("staff", "import", str(staff)).exit_code == 0
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)


@pytest.fixture
def queue(workspace, registers) -> Store:
    store = Store(workspace / "postbakke.db")
    file_letters(
        store,
        StoredFile("h1", "bakke.pdf", "Postrum", "2026-11-18", 12, "nu"),
        [review_letter("h1", p) for p in (1, 3, 5, 7, 9)]
        + [review_letter("h1", 11, image_paths=[], ocr_text=None, reason="low_confidence")],
    )
    return store


def exported(run) -> dict[int, dict]:
    lines = run("letters", "--format", "jsonl").output.splitlines()
    return {i: json.loads(line) for i, line in enumerate(lines, start=1)}


def test_review_list_shows_reason_department_file_pages_images_and_evidence(run, queue):
    result = run("review", "list")
    assert result.exit_code == 0, result.output
    assert "Brev 1: modtageren kunne ikke findes" in result.output
    assert "  Afdeling: Jobcenter; afsender: Anne Holm" in result.output
    assert "  Fil: bakke.pdf, side 1,2 (bakke fra 2026-11-18)" in result.output
    assert "  Sidebilleder: /data/sider/h1/p1.png" in result.output
    assert "  Spor: intet id og ingen entydig navn/adresse i registret" in result.output
    assert "Brev 6: for usikker læsning" in result.output
    assert "Sidebilleder: slettet efter opbevaringsperioden" in result.output
    assert "6 breve til gennemsyn." in result.output


def test_decide_by_cpr_of_an_enrolled_recipient_makes_a_leak_with_manual_match(
    run, queue, workspace
):
    result = run("review", "decide", "1", "--cpr", "010190-1234")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Brev 1 afgjort (010190-XXXX): læk (modtageren er tilmeldt Digital Post).")
    row = exported(run)[1]
    assert (row["match"], row["verdict"], row["reason"], row["enrolment"]) == (
        "manual", "leak", "enrolled", "tilmeldt")
    assert row["recipient_masked"] == "010190-XXXX" and row["recipient_kind"] == "cpr"
    assert len(row["recipient_pseudonym"]) == 64
    # the decided leak joins its sender's follow-up; it has left the review queue
    assert [(f.sender, f.letters) for f in queue.followups.find()] == [("Anne Holm", 1)]
    assert "Brev 1:" not in run("review", "list").output


@pytest.mark.parametrize(("args", "verdict", "reason", "masked"), [
    (["--cpr", EXEMPT_CPR], "legitimate", "exempt", "020285-XXXX"),
    (["--cpr", f"{CHILD_CPR[:6]} {CHILD_CPR[6:]}"], "legitimate", "child_under_15",
     "150320-XXXX"),
    (["--cpr", UNKNOWN_CPR], "review", "cpr_not_in_register", "050580-XXXX"),
    (["--cvr", COMPANY_CVR], "leak", "enrolled", COMPANY_CVR),
    (["--cvr", UNKNOWN_CVR], "leak", "company_obliged", UNKNOWN_CVR),
    (["--no-recipient"], "legitimate", "no_danish_id", None),
])
def test_the_verdict_is_recomputed_from_the_register(run, queue, args, verdict, reason, masked):
    result = run("review", "decide", "2", *args)
    assert result.exit_code == 0, result.output
    row = exported(run)[2]
    assert (row["verdict"], row["reason"], row["recipient_masked"], row["match"]) == (
        verdict, reason, masked, "manual")


def test_a_cpr_not_in_the_register_stays_for_review_with_a_hint(run, queue):
    run("review", "decide", "3", "--cpr", UNKNOWN_CPR)
    listing = run("review", "list").output
    assert "Brev 3: CPR-nummeret står ikke i registret" in listing
    assert "Afgjort manuelt (050580-XXXX), men modtageren står ikke i tilmeldingsregistret" in (
        listing)


def test_a_physical_enclosure_read_in_the_text_is_never_a_leak(run, workspace, registers):
    store = Store(workspace / "postbakke.db")
    file_letters(store, StoredFile("h2", "b.pdf", None, "2026-11-18", 2, "nu"), [
        review_letter("h2", 1, ocr_text="Kære Jens\nVedlagt: dit nye sundhedskort")])
    run("review", "decide", "1", "--cpr", ENROLLED_CPR)
    row = exported(run)[1]
    assert (row["verdict"], row["reason"]) == ("legitimate", "physical_enclosure")


def test_decide_with_sender_sets_sender_and_department(run, queue):
    result = run("review", "decide", "4", "--cpr", ENROLLED_CPR, "--sender", "bo berg")
    assert result.exit_code == 0, result.output
    row = exported(run)[4]
    assert (row["sender"], row["department"]) == ("Bo Berg", "Borgerservice")
    assert [(f.department, f.sender) for f in queue.followups.find()] == [
        ("Borgerservice", "Bo Berg")]


@pytest.mark.parametrize(("args", "message"), [
    ([], "Fejl: angiv præcis én af --cpr, --cvr, --no-recipient og --justified"),
    (["--cpr", ENROLLED_CPR, "--no-recipient"],
     "Fejl: angiv præcis én af --cpr, --cvr, --no-recipient og --justified"),
    (["--cpr", "320190-1234"], "Fejl: ugyldigt CPR-nummer: fødselsdatoen findes ikke"),
    (["--cpr", "0101901"], "Fejl: CPR-nummeret skal skrives DDMMÅÅ-SSSS (10 cifre)"),
    (["--cvr", "12345678"], "Fejl: det er ikke et gyldigt CVR-nummer (8 cifre, kontrolciffer)"),
    (["--cvr", OWN_CVR], f"Fejl: {OWN_CVR} er kommunens eget CVR-nummer og kan ikke være "
                         "modtager"),
    (["--no-recipient", "--sender", "Ukendt Person"],
     "Fejl: 'Ukendt Person' står ikke i medarbejderkartoteket (skriv navnet som i kartoteket)"),
])
def test_bad_decisions_are_one_danish_line_and_change_nothing(run, queue, args, message):
    before = exported(run)
    result = run("review", "decide", "1", *args)
    assert result.exit_code == 2
    assert result.output.strip() == message
    assert exported(run) == before


def test_unknown_letter_is_one_danish_line(run, queue):
    result = run("review", "decide", "99", "--no-recipient")
    assert (result.exit_code, result.output.strip()) == (2, "Fejl: brev nr. 99 findes ikke")


def test_the_cpr_typed_by_a_person_is_never_stored_or_shown_in_clear(run, queue, workspace,
                                                                     tmp_path):
    outputs = [run("review", "decide", str(n), "--cpr", cpr).output
               for n, cpr in enumerate(ALL_CPR, start=1)]
    outputs += [run("letters", "--format", "jsonl").output, run("review", "list").output,
                run("followup", "list").output, run("summary").output]
    result = run("report", "--week", "2026-W47", "--out", str(tmp_path / "rapport"))
    assert result.exit_code == 0, result.output
    html = (tmp_path / "rapport" / "rapport-2026-W47.html").read_bytes()
    assert b"010190-XXXX" in html  # the leak is listed, masked
    queue.close()
    for cpr in ALL_CPR:
        for form in cpr_forms(cpr):
            assert form not in html, form
            assert all(form.decode() not in out for out in outputs), form
            for path in workspace.rglob("*"):
                if path.is_file():
                    assert form not in path.read_bytes(), (form, path.name)


def test_manual_no_recipient_is_legitimate_in_the_verdict_table():
    verdict = decide(RecipientMatch(method=MatchMethod.MANUAL))
    assert (verdict.kind, verdict.reason) == (VerdictKind.LEGITIMATE, Reason.NO_DANISH_ID)


# --------------------------------------------------------------------------- over a re-scan


def test_decision_is_applied_again_when_the_letter_is_stored_again(run, queue):
    """Removed and scanned anew (same file content, same first page): the decision is back."""
    run("review", "decide", "1", "--cpr", ENROLLED_CPR, "--sender", "Bo Berg")
    run("review", "decide", "2", "--no-recipient")
    decided = exported(run)
    assert forget_file(queue, "h1") == 6
    assert queue.followups.find() == []  # the open follow-up had only that letter
    file_letters(
        queue,
        StoredFile("h1", "bakke.pdf", "Postrum", "2026-11-18", 12, "nu"),
        [review_letter("h1", p) for p in (1, 3, 5, 7, 9)]
        + [review_letter("h1", 11, image_paths=[], ocr_text=None, reason="low_confidence")],
    )
    again = list(exported(run).values())
    assert again == list(decided.values())
    assert [r["match"] for r in again] == ["manual", "manual", None, None, None, None]
    assert [(f.sender, f.letters) for f in queue.followups.find()] == [("Bo Berg", 1)]


def test_decision_survives_scanning_the_tray_again(tmp_path, monkeypatch):
    """Through the real scan: identical content adds nothing, the decision stays; scanned
    anew after its letters were removed, the decision is applied again."""
    from click.testing import CliRunner

    from postbakke.cli import cli
    from postbakke.reading.ingest import content_hash
    from postbakke_samples import TRAY_DIR, make_tray

    make_tray(tmp_path / "bakke", seed=12, n_letters=3, scanned_share=0.0)
    monkeypatch.setenv("POSTBAKKE_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("POSTBAKKE_SECRET", TEST_SECRET)
    configure_municipality(tmp_path / "ws")
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    registers = tmp_path / "bakke" / "registers"
    run("enrolment", "import", str(registers / "enrolment.csv"))
    run("staff", "import", str(registers / "staff.csv"))
    tray = tmp_path / "bakke" / TRAY_DIR
    run("scan", "--date", "2026-11-25", "--workers", "1", str(tray))
    first = [json.loads(x) for x in run("letters", "--format", "jsonl").output.splitlines()]
    run("review", "decide", "1", "--no-recipient")
    decided = [json.loads(x) for x in run("letters", "--format", "jsonl").output.splitlines()]
    assert (decided[0]["match"], decided[0]["reason"]) == ("manual", "no_danish_id")

    again = run("scan", "--date", "2026-11-25", "--workers", "1", str(tray))
    assert "allerede scannet, intet tilføjet" in again.output
    rows = [json.loads(x) for x in run("letters", "--format", "jsonl").output.splitlines()]
    assert rows == decided

    source = tray / first[0]["source"]
    store = Store(tmp_path / "ws" / "postbakke.db")
    forget_file(store, content_hash(source))
    store.close()
    run("scan", "--date", "2026-11-25", "--workers", "1", str(source))
    rows = [json.loads(x) for x in run("letters", "--format", "jsonl").output.splitlines()]
    rescanned = next(r for r in rows if r["source"] == first[0]["source"])
    assert (rescanned["match"], rescanned["verdict"], rescanned["reason"]) == (
        "manual", "legitimate", "no_danish_id")
    assert len(rows) == len(first)


def test_decisions_table_holds_no_cpr_only_pseudonym_masked_and_birth_date(run, queue,
                                                                           workspace):
    run("review", "decide", "1", "--cpr", ENROLLED_CPR)
    db = sqlite3.connect(Path(workspace) / "postbakke.db")
    row = db.execute("SELECT recipient_kind, recipient_masked, birth_date, "
                     "length(recipient_pseudonym) FROM decisions").fetchone()
    assert row == ("cpr", "010190-XXXX", "1990-01-01", 64)


def test_a_cpr_is_typed_at_the_prompt_never_on_the_command_line(run, queue, workspace):
    result = run("review", "decide", "1", "--cpr", input="010190-1234\n")
    assert result.exit_code == 0, result.output
    assert "010190-1234" not in result.output and "0101901234" not in result.output
    assert exported(run)[1]["verdict"] == "leak"
    # a value after --cpr is not an option value any more: it is refused, not used
    refused = CliRunner().invoke(cli, ["review", "decide", "2", "--cpr", "0101901234"])
    assert refused.exit_code != 0 and exported(run)[2]["verdict"] == "review"


def test_review_undo_puts_the_letter_back(run, queue):
    run("review", "decide", "1", "--no-recipient")
    assert exported(run)[1]["reason"] == "no_danish_id"
    result = run("review", "undo")
    assert result.output.strip() == "Brev 1: afgørelsen er fortrudt; brevet er som før."
    assert exported(run)[1]["verdict"] == "review"
    assert run("review", "undo").output.strip() == "Intet at fortryde."


def test_justified_paper_needs_a_note_and_counts_as_justified(run, queue):
    result = run("review", "decide", "1", "--justified", "borgeren er sårbar")
    assert result.exit_code == 0, result.output
    row = exported(run)[1]
    assert (row["verdict"], row["reason"]) == ("legitimate", "justified_paper")
    summary = run("summary").output
    jobcenter = next(line for line in summary.splitlines() if line.startswith("Jobcenter"))
    assert jobcenter.split()[1:5] == ["6", "0", "1", "0"]  # letters, leaks, justified, legit.


# ------------------------------------------------ the enclosure finding outlives the text


def _word_line(text: str, x: float, y: float):
    from postbakke.models import Word

    words = []
    for token in text.split():
        words.append(Word(token, x, y, x + 1.9 * len(token), y + 3.5, 95.0))
        x += 1.9 * (len(token) + 1)
    return words


def _scanned_enclosure_letter(store: Store, file_hash: str) -> LetterRecord:
    """A letter with a physical enclosure whose recipient the scan could not find, as the
    pipeline assesses it (assess_letter: the enclosure finding is kept on the row)."""
    from datetime import date

    from postbakke import pipeline
    from postbakke.config import load_settings
    from postbakke.deciding.match import Registers
    from postbakke.letters.extract import ExtractOptions
    from postbakke.models import Letter, Page
    from postbakke.privacy import Pseudonymiser

    lines = [
        _word_line("Favrskov Kommune", 20, 15), _word_line("Borgerservice", 20, 22),
        _word_line("Ole Ukendt", 22, 57), _word_line("Kirkevej 99", 22, 62),
        _word_line("8370 Hadsten", 22, 67),
        _word_line("Dato: 18. november 2026", 125, 54),
        _word_line("Dit nye sundhedskort", 20, 110), _word_line("Kære Ole Ukendt", 20, 120),
        _word_line("Vedlagt finder du dit nye sundhedskort.", 20, 128),
        _word_line("Med venlig hilsen", 20, 160), _word_line("Bo Berg", 20, 175),
    ]
    page = Page(number=1, words=tuple(w for ln in lines for w in ln))
    ctx = pipeline.ScanContext(
        settings=load_settings(), store=store, pseudonymiser=Pseudonymiser("k"),
        registers=Registers.build(store.registers.enrolment_entries(),
                                  store.registers.staff_members()),
        extract_options=ExtractOptions(own_cvrs=frozenset({OWN_CVR})),
        page_reader=None,  # type: ignore[arg-type]  (the page is read already)
    )
    return pipeline.assess_letter(Letter("kort.pdf", (page,)), ctx, "Postrum",
                                  date(2026, 11, 18), file_hash)


def test_a_decision_after_retention_keeps_a_physical_enclosure_letter_legitimate(
    run, workspace, registers
):
    """Issue 20: the scan's enclosure finding is kept on the letter; a person deciding it
    after `purge` removed its text (recipient typed, enrolled) still gets
    legitimate/physical_enclosure, never a leak."""
    from datetime import UTC, datetime, timedelta

    from postbakke.config import load_settings
    from postbakke.retention import purge_expired

    store = Store(workspace / "postbakke.db")
    scanned = _scanned_enclosure_letter(store, "h3")
    assert (scanned.verdict, scanned.reason) == ("review", "no_recipient")
    assert (scanned.physical_enclosure, scanned.unplaced_enclosure) == (True, False)
    file_letters(store, StoredFile("h3", "kort.pdf", "Postrum", "2026-11-18", 1, "nu"),
                 [scanned])
    later = datetime.now(UTC) + timedelta(days=400)
    assert purge_expired(store, load_settings(), now=later).letters == 1
    cleared = store.letters.get(1)
    assert cleared is not None and cleared.ocr_text is None and cleared.physical_enclosure
    result = run("review", "decide", "1", "--cpr", ENROLLED_CPR)
    assert result.exit_code == 0, result.output
    row = exported(run)[1]
    assert (row["verdict"], row["reason"], row["match"]) == (
        "legitimate", "physical_enclosure", "manual")
    assert store.followups.find() == []  # no leak, no follow-up


def test_the_kept_finding_is_what_a_decision_goes_by_not_a_new_reading_of_the_text(
    run, workspace, registers
):
    """The kept finding also says "none": the stored text is not read again."""
    store = Store(workspace / "postbakke.db")
    file_letters(store, StoredFile("h4", "b.pdf", None, "2026-11-18", 2, "nu"), [
        review_letter("h4", 1, physical_enclosure=False, unplaced_enclosure=False,
                      ocr_text="Kære Jens\nVedlagt: dit nye sundhedskort")])
    run("review", "decide", "1", "--cpr", ENROLLED_CPR)
    assert (exported(run)[1]["verdict"], exported(run)[1]["reason"]) == ("leak", "enrolled")


def test_a_letter_stored_before_the_finding_was_kept_falls_back_to_its_text_or_reason(
    run, workspace, registers
):
    """None (a letter from before schema step 7): the text while it is kept, else the
    verdict's own reason."""
    store = Store(workspace / "postbakke.db")
    file_letters(store, StoredFile("h5", "b.pdf", None, "2026-11-18", 4, "nu"), [
        review_letter("h5", 1, ocr_text="Vedlagt: dit nye sundhedskort"),
        review_letter("h5", 3, ocr_text=None, verdict="legitimate",
                      reason="physical_enclosure")])
    assert store.letters.get(1).physical_enclosure is None
    run("review", "decide", "1", "--cpr", ENROLLED_CPR)
    run("review", "decide", "2", "--cpr", ENROLLED_CPR)
    rows = exported(run)
    assert [(rows[i]["verdict"], rows[i]["reason"]) for i in (1, 2)] == [
        ("legitimate", "physical_enclosure")] * 2


def test_a_decision_reads_its_letter_once(queue, monkeypatch):
    """GIVEN a letter for review, WHEN a person decides it (and undoes it), THEN the
    letter is read from the store once per transaction: before, the decision and the
    log are all taken from that one reading."""
    from postbakke.people.review import decide_letter, decision_for_entry, undo_last
    from postbakke.store.letters import Letters

    reads: list[int] = []
    real_get = Letters.get

    def counted_get(self, letter_id):
        reads.append(letter_id)
        return real_get(self, letter_id)

    monkeypatch.setattr(Letters, "get", counted_get)
    entry = queue.registers.enrolment_entries()[0]
    decided = decide_letter(queue, 1, decision_for_entry(entry), "mesk", expected_version=0)
    assert decided.recipient_masked == entry.masked and reads == [1]
    reads.clear()
    assert undo_last(queue, "mesk") == 1 and reads == [1]


def test_a_cpr_not_in_the_register_is_decided_by_a_persons_own_look_up(run, queue):
    """GIVEN a CPR the register lacks WHEN a person says what Digital Post's look-up showed
    THEN the verdict follows their word, and the evidence says it is theirs."""
    run("review", "decide", "3", "--cpr", UNKNOWN_CPR)
    assert exported(run)[3]["verdict"] == "review"
    result = run("review", "decide", "3", "--cpr", UNKNOWN_CPR, "--opslag", "tilmeldt")
    assert result.exit_code == 0, result.output
    row = exported(run)[3]
    assert (row["verdict"], row["reason"], row["enrolment"]) == ("leak", "enrolled", "tilmeldt")
    listed = run("review", "decide", "3", "--opslag", "fritaget", "--no-recipient")
    assert listed.exit_code == 2 and "--opslag bruges alene" in listed.output
