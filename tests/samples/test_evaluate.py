"""Scoring an export against the truth: pure, no OCR, no workspace."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from postbakke.errors import InputFileError
from postbakke.privacy import Pseudonymiser
from postbakke_samples.evaluate import (
    ISSUE_TARGETS,
    Thresholds,
    check_thresholds,
    evaluate,
    format_evaluation,
    load_truth_file,
    percent,
)
from postbakke_samples.truth import LetterTruth

SECRET = "evaluerings-hemmelighed"
PSEUDONYMS = Pseudonymiser(SECRET)


def truth(file: str, pages: list[int], verdict: str = "leak", reason: str = "enrolled",
          level: str = "clean", layout: str = "classic", recipient: str | None = "0101801234",
          placement: str = "info") -> LetterTruth:
    return LetterTruth(
        file=file, pages=pages, recipient_kind="cpr" if recipient else None,
        recipient_id=recipient, recipient_name="Jens Hansen", department="Jobcenter",
        sender="Mette Holm", verdict=verdict, reason=reason, window_cpr=False,
        degradation=level, layout=layout, id_placement=placement, level=level,
    )


def exported(t: LetterTruth, **changes: object) -> dict:
    """The letters-export row a perfect reading of t gives."""
    row = {
        "source": t.file, "pages": list(t.pages), "tray": "Postrum", "scanned_on": "2026-11-25",
        "recipient_kind": t.recipient_kind,
        "recipient_pseudonym": PSEUDONYMS.pseudonym(t.recipient_id) if t.recipient_id else None,
        "recipient_masked": None, "match": "id", "enrolment": None,
        "department": t.department, "sender": t.sender, "verdict": t.verdict,
        "reason": t.reason, "window_cpr": False,
    }
    row.update(changes)
    return row


TRUTHS = [
    truth("bakke.pdf", [1, 2]),
    truth("bakke.pdf", [4], verdict="legitimate", reason="exempt", level="harsh",
          layout="modern", recipient="0202802345"),
    truth("bakke.pdf", [5, 6, 7], verdict="review", reason="no_recipient", level="harsh",
          recipient=None, placement="none"),
    truth("brev-004.pdf", [1], level="text", layout="block", recipient="12345678"),
    truth("brev-005.jpg", [1], verdict="review", reason="cpr_not_in_register", level="mild",
          layout="modern", recipient="0101801235"),
]


def test_a_perfect_export_scores_100_percent_everywhere():
    ev = evaluate(TRUTHS, [exported(t) for t in TRUTHS], SECRET)
    o = ev.overall
    assert (o.letters, o.split, o.recipient, o.sender, o.department, o.verdict) == (
        5, 1.0, 1.0, 1.0, 1.0, 1.0)
    assert (o.leak_precision, o.leak_recall, o.wrong_leaks) == (1.0, 1.0, 0)
    assert o.printed_id == 4 and o.printed_id_rate == 1.0
    assert ev.problems == []
    assert check_thresholds(ev, ISSUE_TARGETS) == []


def test_one_wrong_leak_is_counted_and_fails_the_zero_limit():
    rows = [exported(t) for t in TRUTHS]
    rows[1] = exported(TRUTHS[1], verdict="leak", reason="enrolled")  # the exempt one
    ev = evaluate(TRUTHS, rows, SECRET)
    assert ev.overall.wrong_leaks == 1
    assert ev.overall.leak_precision == pytest.approx(2 / 3)
    assert ev.overall.leak_recall == 1.0
    assert ev.overall.verdict == pytest.approx(4 / 5)
    assert ev.by_level["harsh"].wrong_leaks == 1 and ev.by_level["clean"].wrong_leaks == 0
    assert ev.by_layout["modern"].wrong_leaks == 1
    assert any("forkert læk" in p for p in ev.problems)
    missed = check_thresholds(ev, Thresholds(max_wrong_leaks=0))
    assert missed == ["Forkerte læk: 1 er flere end de tilladte 0"]


@pytest.mark.parametrize(
    ("rows_for", "split", "missing", "wrong_leaks"),
    [
        # A two-page letter read as two letters: its pages differ, and the tail
        # flagged as a leak is a letter that does not exist.
        (lambda t: [exported(t, pages=[1]), exported(t, pages=[2])] if t.pages == [1, 2]
         else [exported(t)], 4 / 5, 0, 1),
        # Two letters read as one: the second's start is missed altogether.
        (lambda t: [exported(t, pages=[4, 5, 6, 7])] if t.pages == [4]
         else [] if t.pages == [5, 6, 7] else [exported(t)], 3 / 5, 1, 0),
        # A blank back page taken for a letter of its own, as review: no harm but no split error.
        (lambda t: [exported(t), exported(t, pages=[3], verdict="review")]
         if t.pages == [1, 2] else [exported(t)], 1.0, 0, 0),
    ],
    ids=["letter-cut-in-two", "letters-run-together", "blank-page-as-review"],
)
def test_split_errors_are_counted(rows_for, split, missing, wrong_leaks):
    rows = [row for t in TRUTHS for row in rows_for(t)]
    ev = evaluate(TRUTHS, rows, SECRET)
    assert ev.overall.split == pytest.approx(split)
    assert ev.overall.missing == missing
    assert ev.overall.wrong_leaks == wrong_leaks


def test_fields_are_judged_one_by_one():
    rows = [exported(t) for t in TRUTHS]
    rows[0] = exported(TRUTHS[0], sender=None, department="Borgerservice")
    rows[3] = exported(TRUTHS[3], recipient_pseudonym=PSEUDONYMS.pseudonym("87654321"))
    ev = evaluate(TRUTHS, rows, SECRET)
    o = ev.overall
    assert (o.sender, o.department, o.recipient) == (0.8, 0.8, 0.8)
    assert o.printed_id_right == 3
    assert not any("87654321" in p or "12345678" in p for p in ev.problems)  # no IDs in clear


def test_scores_are_broken_down_by_level_and_layout():
    rows = [exported(t) for t in TRUTHS]
    rows[2] = exported(TRUTHS[2], verdict="leak", reason="enrolled",
                       recipient_pseudonym=PSEUDONYMS.pseudonym("0303803456"))
    ev = evaluate(TRUTHS, rows, SECRET)
    assert list(ev.by_level) == ["text", "clean", "mild", "harsh"]
    assert {k: s.letters for k, s in ev.by_level.items()} == {
        "text": 1, "clean": 1, "mild": 1, "harsh": 2}
    assert ev.by_level["harsh"].recipient == 0.5 and ev.by_level["clean"].recipient == 1.0
    assert ev.by_level["harsh"].wrong_leaks == 1
    assert {k: s.letters for k, s in ev.by_layout.items()} == {
        "block": 1, "classic": 2, "modern": 2}
    table = format_evaluation(ev)
    for label in ("Opdeling", "Modtager", "Afsender", "Afdeling", "Vurdering", "Læk-præcision",
                  "Læk-genkaldelse", "Forkerte læk", "Grad: hård", "Grad: tekstlag",
                  "Layout: modern", "Alle breve"):
        assert label in table, label


def test_letters_from_other_files_are_left_out_and_said_so():
    rows = [exported(t) for t in TRUTHS] + [
        {**exported(TRUTHS[0]), "source": "andet.pdf"}]
    ev = evaluate(TRUTHS, rows, SECRET)
    assert ev.unknown_letters == 1 and ev.overall.wrong_leaks == 0
    assert "1 breve i arbejdsmappen er fra filer, facit ikke kender" in format_evaluation(ev)


def test_a_missed_threshold_names_the_score_in_danish():
    rows = [exported(t) for t in TRUTHS]
    rows[4] = exported(TRUTHS[4], recipient_pseudonym=None)
    ev = evaluate(TRUTHS, rows, SECRET)
    assert check_thresholds(ev, Thresholds(min_recipient=0.99, min_sender=0.98)) == [
        "Modtager: 80,0 % er under kravet på 99,0 %"]


@pytest.mark.parametrize(("value", "text"), [(1.0, "100,0 %"), (0.99349, "99,3 %"),
                                             (0.0, "0,0 %"), (None, "–")])
def test_percent_is_written_the_danish_way(value, text):
    assert percent(value) == text


def test_older_truths_without_a_level_count_as_text_or_scanned():
    old = [replace(TRUTHS[0], level="", degradation="scan300-skew1.0-noise"),
           replace(TRUTHS[3], level="", degradation="text")]
    ev = evaluate(old, [exported(t) for t in old], SECRET)
    assert list(ev.by_level) == ["text", "scan"]


def test_truth_file_is_read_back_and_a_bad_one_is_named(tmp_path: Path):
    from dataclasses import asdict

    good = tmp_path / "truth.json"
    good.write_text(json.dumps([asdict(t) for t in TRUTHS]), encoding="utf-8")
    assert load_truth_file(good) == TRUTHS
    bad = tmp_path / "forkert.json"
    bad.write_text("{ikke json", encoding="utf-8")
    with pytest.raises(InputFileError, match="forkert.json: facit kunne ikke læses"):
        load_truth_file(bad)
    bad.write_text(json.dumps([{"file": "x.pdf"}]), encoding="utf-8")
    with pytest.raises(InputFileError, match="brev nr. 1 mangler felter"):
        load_truth_file(bad)


# --------------------------------------------------------------------------- `postbakke-eval`


def test_eval_prints_the_table_and_fails_below_a_threshold(
    tmp_path: Path, run, run_eval
) -> None:
    """GIVEN a scanned text-layer tray WHEN eval runs THEN the table; exit 1 below a limit."""
    from postbakke_samples.trays import make_tray
    from postbakke_samples.truth import TRAY_DIR

    truths = make_tray(tmp_path / "bakke", seed=11, n_letters=6, scanned_share=0.0)
    for register in ("enrolment", "staff"):
        run(register, "import", str(tmp_path / "bakke" / "registers" / f"{register}.csv"))
    run("scan", "--tray", "Postrum", "--date", "2026-11-25", str(tmp_path / "bakke" / TRAY_DIR))
    truth_file = tmp_path / "bakke" / "truth.json"

    result = run_eval(str(truth_file), "--min-recipient", "0.99", "--max-wrong-leaks", "0")
    assert result.exit_code == 0, result.output
    assert "Alle breve" in result.output and "Modtager" in result.output

    # One letter's truth says exempt where the export says leak: a wrong leak now.
    from dataclasses import asdict

    leak = next(i for i, t in enumerate(truths) if t.verdict == "leak")
    truths[leak] = replace(truths[leak], verdict="legitimate", reason="exempt")
    truth_file.write_text(json.dumps([asdict(t) for t in truths]), encoding="utf-8")
    result = run_eval(str(truth_file), "--max-wrong-leaks", "0")
    assert result.exit_code == 1
    assert "Forkerte læk: 1 er flere end de tilladte 0" in result.output


# --------------------------------------------------------------------------- issue 20

CASE_TRUTHS = [
    replace(truth("sager.pdf", [1]), case="parent_child"),  # a leak: the parent is enrolled
    replace(truth("sager.pdf", [2], verdict="legitimate", reason="estate", recipient=None,
                  placement="none"), case="estate"),
    replace(truth("sager.pdf", [3], verdict="legitimate", reason="child_under_15",
                  recipient="0101151234"), case="child"),
    replace(truth("sager.pdf", [4]), case="copy"),
    truth("sager.pdf", [5]),  # an ordinary letter: in no case row
]


def test_a_true_leak_called_legitimate_is_a_silent_miss_and_fails_the_zero_limit():
    """GIVEN a parent's letter about a child WHEN the tool calls it legitimate/child_under_15
    THEN it is a silent miss, in its case's row, and the issue's targets are missed."""
    rows = [exported(t) for t in CASE_TRUTHS]
    rows[0] = exported(CASE_TRUTHS[0], verdict="legitimate", reason="child_under_15",
                       recipient_pseudonym=PSEUDONYMS.pseudonym("0101151234"))
    rows[1] = exported(CASE_TRUTHS[1], verdict="leak", reason="enrolled")  # an estate flagged
    ev = evaluate(CASE_TRUTHS, rows, SECRET)
    assert (ev.overall.silent_misses, ev.overall.wrong_leaks) == (1, 1)
    assert list(ev.by_case) == ["parent_child", "child", "estate", "copy"]  # CASE_DA's order
    pc, estate = ev.by_case["parent_child"], ev.by_case["estate"]
    assert (pc.letters, pc.recipient, pc.verdict, pc.wrong_leaks, pc.silent_misses) == (
        1, 0.0, 0.0, 0, 1)
    assert (estate.verdict, estate.wrong_leaks, estate.silent_misses) == (0.0, 1, 0)
    assert ev.by_case["copy"].verdict == 1.0 and sum(s.letters for s in ev.by_case.values()) == 4
    missed = check_thresholds(ev, ISSUE_TARGETS)
    assert "Tavse svigt: 1 er flere end de tilladte 0" in missed
    assert check_thresholds(ev, Thresholds(max_silent_misses=1)) == []


def test_a_leak_sent_to_review_is_no_silent_miss():
    rows = [exported(t) for t in CASE_TRUTHS]
    rows[0] = exported(CASE_TRUTHS[0], verdict="review", reason="ambiguous")
    ev = evaluate(CASE_TRUTHS, rows, SECRET)
    assert ev.overall.silent_misses == 0 and ev.by_case["parent_child"].verdict == 0.0


def test_the_per_case_table_renders_one_row_per_case_in_danish():
    rows = [exported(t) for t in CASE_TRUTHS]
    rows[0] = exported(CASE_TRUTHS[0], verdict="legitimate", reason="child_under_15")
    table = format_evaluation(evaluate(CASE_TRUTHS, rows, SECRET))
    assert "Tavse svigt" in table.splitlines()[0]  # a column of the main table too
    lines = table.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Særlige breve"))
    for column in ("Breve", "Modtager", "Vurdering", "Forkerte læk", "Tavse svigt"):
        assert column in lines[head]
    body = lines[head + 2: head + 6]
    assert [line.split("(")[1].split(")")[0] for line in body] == [
        "parent_child", "child", "estate", "copy"]
    assert body[0].split()[-2:] == ["0", "1"]  # wrong leaks 0, silent misses 1
    assert "til forælder om barn" in body[0] and "dødsbo" in body[2]
    # a truth without issue 20's letters has no such table
    assert "Særlige breve" not in format_evaluation(evaluate(TRUTHS, [exported(t) for t in
                                                                      TRUTHS], SECRET))
