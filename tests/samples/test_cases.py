"""Issue 20's letters: to a parent about a child, to a child, to an estate, with a copy line,
to a representative, abroad, and with the sender only as an e-mail address.

No OCR: the truth is checked against the world and the registers, the text layer
against the window zone, and the phrasings of the training and the validation
corpus against each other.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image

from postbakke_samples.cases import CASES, make_case_specs
from postbakke_samples.corpus import make_corpus
from postbakke_samples.letter_pdf import render_letter_pdf
from postbakke_samples.letter_texts import CASE_PHRASES, FOREIGN_ADDRESSES
from postbakke_samples.letters import ALL_LAYOUTS, LetterSpec
from postbakke_samples.truth import TRAY_DIR, letter_truth
from postbakke_samples.world import (
    REFERENCE_DATE,
    Company,
    Person,
    World,
    corpus_world,
    is_child,
)

SEED = 21
PER_CASE = 4
VARIANTS = ("training", "validation")
# DIN 5008 form B's address field (mm from the top-left corner), as domain.md gives it
WINDOW_MM = (20.0, 45.0, 105.0, 90.0)


@pytest.fixture(scope="module")
def drawn() -> dict[str, tuple[World, list[LetterSpec]]]:
    """GIVEN the case letters of both variants, drawn from one corpus world."""
    base = corpus_world(SEED, 40)
    return {v: make_case_specs(base, SEED, PER_CASE, v) for v in VARIANTS}


def _printed_cprs(spec: LetterSpec) -> str:
    """Everything printed about someone else: subject reference, extra info rows, copy line."""
    return " ".join([spec.subject_ref, *(v for _, v in spec.info_extra), spec.copy_line])


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_case_has_the_issue_s_truth(drawn, variant: str) -> None:
    world, specs = drawn[variant]
    by_cpr = {p.cpr: p for p in world.persons}
    assert [s.case for s in specs] == [c for c in CASES for _ in range(PER_CASE)]
    for case in CASES:
        assert {s.layout for s in specs if s.case == case} == set(ALL_LAYOUTS)
    for spec in specs:
        t = letter_truth(spec, "x.pdf", "text")
        r = spec.recipient
        where = f"{variant} {spec.case}"
        assert t.case == spec.case == t.category, where
        if spec.case in ("parent_child", "copy", "representative", "sender_email_only"):
            # an ordinary verdict: the addressee by their own register status
            assert r.status in ("tilmeldt", "fritaget"), where
            expected = ("leak", "enrolled") if r.status == "tilmeldt" else ("legitimate",
                                                                             "exempt")
            assert (t.verdict, t.reason, t.enrolment) == (*expected, r.status), where
            assert t.match == ("id" if spec.id_placement != "none" else "name_address"), where
            assert t.recipient_id == (r.cpr if isinstance(r, Person) else r.cvr), where
        if spec.case == "parent_child":
            assert isinstance(r, Person) and not is_child(r.cpr, REFERENCE_DATE)
            assert r.name in " ".join(spec.window_lines) and spec.id_placement in ("info", "none")
            child_cpr = _digits(_printed_cprs(spec))[-10:]
            child = by_cpr[child_cpr]
            assert is_child(child.cpr, REFERENCE_DATE) and child.status is None, where
            assert (child.street, child.postcode) == (r.street, r.postcode), where
        elif spec.case == "child":
            assert isinstance(r, Person) and is_child(r.cpr, REFERENCE_DATE) and r.status is None
            assert not spec.window_lines and spec.id_placement in ("info", "subject")
            assert (t.verdict, t.reason, t.recipient_id) == ("legitimate", "child_under_15",
                                                             r.cpr), where
        elif spec.case == "estate":
            assert isinstance(r, Person) and r.status == "tilmeldt"  # a stale register export
            assert r.name in spec.window_lines[0] and len(spec.window_lines) == 4, where
            assert (t.verdict, t.reason, t.recipient_kind, t.recipient_id, t.match,
                    t.enrolment) == ("legitimate", "estate", None, None, None, None), where
            assert t.recipient_name == spec.window_lines[0]
        elif spec.case == "copy":
            assert spec.copy_line and not spec.window_lines, where
        elif spec.case == "representative":
            citizen = by_cpr[_digits(_printed_cprs(spec))[-10:]]
            assert citizen.status in ("tilmeldt", None), where
            assert citizen.name in " ".join(spec.window_lines) + spec.pages_text[0][0], where
            # the addressee's name is in the window: on a line of its own, before a
            # ", værge for ..." or on a "c/o værge ..." line
            assert r.name in " ".join(spec.window_lines), where
            if isinstance(r, Company):
                assert (spec.id_placement, spec.id_label, t.match) == ("info", "CVR", "id")
        elif spec.case == "foreign":
            assert (t.verdict, t.reason, t.recipient_id, t.match) == ("review", "no_recipient",
                                                                      None, None), where
            countries = {a[2] for a in FOREIGN_ADDRESSES[variant]}
            assert spec.window_lines[-1] in countries and r.name not in {
                p.name for p in world.persons}, where
        elif spec.case == "sender_email_only":
            assert spec.email_only and t.sender == spec.sender.name
            assert spec.sender.name not in " ".join(spec.signature)


def test_the_parent_is_sometimes_printed_sometimes_not_and_sometimes_has_a_namesake(
        drawn) -> None:
    for variant in VARIANTS:
        world, specs = drawn[variant]
        parents = [s for s in specs if s.case == "parent_child"]
        assert {s.id_placement for s in parents} == {"info", "none"}
        assert any(s.subject_ref for s in parents) and any(s.info_extra for s in parents)
        assert {s.recipient.status for s in parents} == {"tilmeldt", "fritaget"}
        namesakes = [s for s in parents
                     if sum(p.name == s.recipient.name for p in world.persons) >= 2]
        assert namesakes, variant


def test_a_represented_citizen_is_sometimes_outside_the_register_in_training(drawn) -> None:
    """Training: the words and the block must tell whose the number is, not the register."""
    for variant, statuses in (("training", {"tilmeldt", None}), ("validation", {"tilmeldt"})):
        world, specs = drawn[variant]
        by_cpr = {p.cpr: p for p in world.persons}
        assert {by_cpr[_digits(_printed_cprs(s))[-10:]].status for s in specs
                if s.case == "representative"} == statuses, variant


def test_training_prints_some_cprs_with_a_dot_for_the_hyphen_never_to_a_child(drawn) -> None:
    """The form OCR reads a thin hyphen as ("301268.2564"): training only, and never in a
    letter to a child, whose number no register entry can confirm."""
    dotted = re.compile(r"\b\d{6}\.\d{4}\b")
    for variant in VARIANTS:
        specs = drawn[variant][1]
        forms = {s.case for s in specs if s.id_form == "dot" or dotted.search(_printed_cprs(s))}
        if variant == "validation":
            assert not forms
        else:
            assert forms and "child" not in forms, forms


def test_the_ordinary_world_is_left_alone(drawn) -> None:
    base = corpus_world(SEED, 40)
    world, _ = drawn["training"]
    assert world.persons[: len(base.persons)] == base.persons and len(world.persons) > len(
        base.persons)
    assert make_case_specs(base, SEED, 1)[0].persons[: len(base.persons)] == base.persons


def _template_res(variant: str) -> dict[str, list[re.Pattern[str]]]:
    """CASE_PHRASES's phrasings of a variant as patterns, one per printed line."""
    out: dict[str, list[re.Pattern[str]]] = {}
    for key, sets in CASE_PHRASES.items():
        for template in sets[variant]:
            for line in template.split("\n"):
                if re.fullmatch(r"\{\w+\}", line):  # a bare name: nothing of the phrasing
                    continue
                parts = re.split(r"\{\w+\}", line)
                out.setdefault(key, []).append(
                    re.compile(".+".join(re.escape(p) for p in parts)))
    return out


def _phrased(spec: LetterSpec) -> list[tuple[str, str]]:
    """(text, which phrasings it may be: "" any, or a key's ending) of everything phrased."""
    texts = [*spec.window_lines, spec.subject_ref, *(label for label, _ in spec.info_extra),
             spec.copy_line, *spec.signature, spec.email_label]
    return [(t, "") for t in texts if t != spec.department] + [
        (spec.pages_text[0][0], "_sentence")]


def test_training_and_validation_phrasings_are_disjoint(drawn) -> None:
    """The recogniser is tuned on training; validation must hold only phrasings it never saw."""
    for key, sets in CASE_PHRASES.items():
        assert sets["training"] and sets["validation"], key
        assert not set(sets["training"]) & set(sets["validation"]), key
    for variant, other in (("training", "validation"), ("validation", "training")):
        own_res, other_res = _template_res(variant), _template_res(other)
        used: set[str] = set()
        for spec in drawn[variant][1]:
            for text, kind in _phrased(spec):
                if not text:
                    continue
                for key, patterns in other_res.items():
                    if key.endswith(kind):
                        assert not any(p.fullmatch(text) for p in patterns), (variant, key, text)
                used |= {key for key, patterns in own_res.items()
                         if key.endswith(kind) and any(p.fullmatch(text) for p in patterns)}
        # the letters really use their own variant's phrasings, of nearly every kind
        assert len(used) >= len(CASE_PHRASES) - 3, (variant, set(CASE_PHRASES) - used)


def _window_words(pdf: Path) -> tuple[list[dict], list[dict]]:
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[0]
        mm = 72 / 25.4
        words = page.extract_words()
    x0, y0, x1, y1 = (v * mm for v in WINDOW_MM)
    inside = [w for w in words if w["x0"] >= x0 and w["x1"] <= x1
              and w["top"] >= y0 and w["bottom"] <= y1]
    return words, inside


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_address_block_sits_in_the_window(drawn, tmp_path: Path, variant: str) -> None:
    """THEN every address line (estate, c/o, guardian, country, both parents) lies inside
    DIN 5008's window, and what is about someone else lies outside it."""
    world, specs = drawn[variant]
    for k, spec in enumerate(specs):
        pdf = tmp_path / f"{k}.pdf"
        render_letter_pdf(world, spec, pdf)
        _, inside = _window_words(pdf)
        window_text = " ".join(w["text"] for w in inside)
        lines = spec.window_lines or [spec.recipient.name, spec.recipient.street]
        for line in lines:
            for word in line.split():
                assert word in window_text, (spec.case, spec.layout, word)
        others = _digits(_printed_cprs(spec))
        if others:
            assert others[-10:] not in _digits(window_text), (spec.case, spec.layout)


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (folder / TRAY_DIR).iterdir()}


@pytest.mark.parametrize("variant", VARIANTS)
def test_make_corpus_adds_the_cases_and_leaves_the_ordinary_letters_as_they_were(
        tmp_path: Path, variant: str) -> None:
    """GIVEN a corpus with and without the case letters THEN the ordinary files are the same
    bytes; the case letters follow, every case in truth.json, an e-mail-only one bitonal."""
    plain = make_corpus(tmp_path / "plain", 5, 10, dpis=(30,), batch_letters=(3, 4),
                        variant=variant, case_letters=0)
    cased = make_corpus(tmp_path / "cased", 5, 10, dpis=(30,), batch_letters=(3, 4),
                        variant=variant, case_letters=2)
    assert not any(t.case for t in plain)
    assert cased[: len(plain)] == plain
    before, after = _hashes(tmp_path / "plain"), _hashes(tmp_path / "cased")
    assert {k: after[k] for k in before} == before
    extra = cased[len(plain):]
    assert [t.case for t in extra] == [c for c in CASES for _ in range(2)]
    assert all(t.file not in before for t in extra)
    # the registers hold the case letters' people, the ordinary ones too
    with (tmp_path / "cased" / "registers" / "enrolment.csv").open(encoding="utf-8") as f:
        register = {row["id"].replace("-", ""): row for row in csv.DictReader(f)}
    for t in cased:
        if t.match:
            assert register[t.recipient_id]["status"] == t.enrolment
    bitonal = [t for t in extra if t.degradation_details.get("bitonal")]
    assert bitonal and all(t.case == "sender_email_only" for t in bitonal)
    for t in bitonal:
        with Image.open(tmp_path / "cased" / TRAY_DIR / t.file) as im:
            assert im.mode == "1" and round(im.info["dpi"][0]) == 30  # 200 unless cheaper
    assert {t.level for t in extra} >= {"text", "clean", "mild", "medium", "harsh"}


def test_a_cpr_printed_about_someone_else_is_formatted_as_cpr() -> None:
    """The child's, the deceased's and the represented citizen's numbers are valid CPRs."""
    world, specs = make_case_specs(corpus_world(SEED, 40), SEED, 2)
    cprs = {p.cpr for p in world.persons}
    for spec in specs:
        others = _digits(_printed_cprs(spec))
        if spec.case in ("parent_child", "estate", "representative") and others:
            assert others[-10:] in cprs, spec.case


def test_an_email_only_letter_scanned_bitonal_is_a_200_dpi_one_bit_page(tmp_path: Path) -> None:
    """Issue 20 item 4: the fax-like scan, at the corpus's usual resolutions."""
    import random

    import numpy as np

    from postbakke_samples.corpus import _Scanner, _write_single_letter
    from postbakke_samples.degrade import NoiseFields

    world, specs = make_case_specs(corpus_world(SEED, 40), SEED, 1)
    (spec,) = [s for s in specs if s.case == "sender_email_only"]
    spec.n_pages = 1
    spec.pages_text = spec.pages_text[:1]
    scanner = _Scanner(random.Random(1), NoiseFields(np.random.default_rng(2)),
                       np.random.default_rng(3), tmp_path, NoiseFields(np.random.default_rng(4)))
    t = _write_single_letter(world, spec, tmp_path, tmp_path, "brev-001", "mild", False,
                             (200, 300), scanner, None, None, bitonal=True)
    assert t.degradation.endswith("-bitonal") and t.degradation_details["bitonal"] is True
    assert t.case == "sender_email_only" and t.sender == spec.sender.name
    with Image.open(tmp_path / t.file) as im:
        assert im.mode == "1" and round(im.info["dpi"][0]) == 200
        grey = np.asarray(im.convert("L"))
    assert set(np.unique(grey)) == {0, 255}
