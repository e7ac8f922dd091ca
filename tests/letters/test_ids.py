"""CPR/CVR finding: what a line of a letter yields, and what it must not yield.

Tables hold the cases a reader can check by eye; hypothesis covers every
valid number in every written form.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from postbakke.deciding.match import SURE_ID_CONFIDENCE
from postbakke.identifiers import cpr_birth_date
from postbakke.letters.ids import (
    CHECKSUM_HINT_FACTOR,
    CONF_CPR_BARE,
    CONF_CPR_HYPHEN,
    CONF_CPR_MISREAD_HYPHEN,
    CONF_CPR_SPACE,
    CONF_CVR_BARE,
    REPAIR_FACTOR,
    _valid_readings,
    find_ids,
)
from postbakke.models import FoundId, IdKind
from postbakke.privacy import mask_cpr_in_text

FAST = settings(max_examples=200, deadline=None)
TODAY = dt.date.today()

OWN_CVR = "29189714"  # Favrskov Kommune, valid mod 11
OTHER_CVR = "13585628"  # python-stdnum's example, valid mod 11
CPR_MOD11 = "2110625629"  # python-stdnum's example: 21 Oct 1962, passes mod 11
CPR_NO_MOD11 = "0102031234"  # 1 Feb 1903, fails mod 11


def _mod11_last_digit(first: str, weights: tuple[int, ...]) -> int | None:
    rest = -sum(w * int(d) for w, d in zip(weights, first, strict=False)) % 11
    return None if rest == 10 else rest


def _one(text: str, base_conf: float = 1.0) -> FoundId:
    found = find_ids(text, base_conf=base_conf)
    assert len(found) == 1, f"{text!r}: expected one ID, got {found}"
    return found[0]


# --- should find -----------------------------------------------------------

SHOULD_FIND = [
    # text, kind, digits, label, repaired
    ("Vedr. Jens Hansen, cpr.nr. 010203-1234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),
    ("CPR: 0102031234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),
    ("CPR-nr. 010203 1234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),
    ("Cpr-nummer: 010203\u20131234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),
    ("personnummer 010203 - 1234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),
    ("Personnr. 010203-1234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),
    ("CPR nr: 010203-1234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),
    ("CPR-nr, 010203-1234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),  # misread label
    ("Cpr.nar 010203-1234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),  # "nr." misread
    ("CVR-ur. 13585628", IdKind.CVR, OTHER_CVR, "cvr", False),
    ("cpr nr 010203-1234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),
    ("CPR-nr.:010203-1234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),  # glued
    ("(CPR-nr. 010203-1234)", IdKind.CPR, CPR_NO_MOD11, "cpr", False),
    ("CPR/CVR-nr.: 010203-1234", IdKind.CPR, CPR_NO_MOD11, "cpr", False),
    ("Jens Hansen 010203-1234", IdKind.CPR, CPR_NO_MOD11, None, False),
    ("Jens Hansen 0102031234", IdKind.CPR, CPR_NO_MOD11, None, False),
    ("CPR-nr. 211062-5629 Sagsnr. 2026-004512", IdKind.CPR, CPR_MOD11, "cpr", False),
    ("CVR-nr. 13585628", IdKind.CVR, OTHER_CVR, "cvr", False),
    ("CVR: 1358 5628", IdKind.CVR, OTHER_CVR, "cvr", False),
    ("CVR nr. 13 58 56 28", IdKind.CVR, OTHER_CVR, "cvr", False),
    ("CVR-nr. 13 58 5628", IdKind.CVR, OTHER_CVR, "cvr", False),  # a space lost in OCR
    ("CVR-nr. 1358 56 28", IdKind.CVR, OTHER_CVR, "cvr", False),
    ("CVR-nr. DK 13585628", IdKind.CVR, OTHER_CVR, "cvr", False),
    ("CPR/CVR-nr.: 13585628", IdKind.CVR, OTHER_CVR, "cvr", False),
    ("Firma ApS 13585628", IdKind.CVR, OTHER_CVR, None, False),
    # OCR confusions, repaired where the context says a number belongs
    ("CPR-nr.: 0l0203-l234", IdKind.CPR, CPR_NO_MOD11, "cpr", True),
    ("cpr.nr. O10203-1234", IdKind.CPR, CPR_NO_MOD11, "cpr", True),
    ("CPR: 010203-I234", IdKind.CPR, CPR_NO_MOD11, "cpr", True),
    ("CPR-nr, 0l0203 l234", IdKind.CPR, CPR_NO_MOD11, "cpr", True),
    ("Vedr. Jens Hansen, 0l0203-l234", IdKind.CPR, CPR_NO_MOD11, None, True),
    ("CVR-nr. l3585628", IdKind.CVR, OTHER_CVR, "cvr", True),
    ("CVR: 1358 S628", IdKind.CVR, OTHER_CVR, "cvr", True),
    ("CVR 13 5B 56 28", IdKind.CVR, OTHER_CVR, "cvr", True),
]


@pytest.mark.parametrize(("text", "kind", "digits", "label", "repaired"), SHOULD_FIND)
def test_id_is_found_in_its_written_forms(
    text: str, kind: IdKind, digits: str, label: str | None, repaired: bool
) -> None:
    found = [f for f in find_ids(text) if f.kind is kind and f.digits == digits]
    assert len(found) == 1, f"{text!r}: expected {kind.value} {digits}, got {find_ids(text)}"
    assert found[0].label == label, f"{text!r}: label {found[0].label!r}, expected {label!r}"
    assert found[0].repaired is repaired, f"{text!r}: repaired={found[0].repaired}"
    assert 0 < found[0].confidence <= 1, text


# --- should not find -------------------------------------------------------

SHOULD_NOT_FIND = [
    # impossible or future birth dates, failed CVR check
    "CPR-nr. 320199-1234",
    "CPR: 310299-1234",
    "cpr.nr. 011399-1234",
    "CPR 010136-4000",  # 7th digit 4, YY 36: born 2036, not yet
    "CVR-nr. 13585627",
    "CVR-nr. 03585628",  # a CVR never starts with 0
    "13585627",
    # phone numbers, even those that pass the CVR check
    f"Tlf. {OWN_CVR}",
    "Tlf. 29 18 97 14",
    "Tlf.: 2918 9714",
    "Telefon 13585628",
    "telefon: 13 58 56 28",
    "Mobil 13585628",
    "Fax: 13585628",
    "Direkte 13585628",
    "Direkte tlf. 13 58 56 28",
    "Telefonnummer 13585628",
    "+45 13 58 56 28",
    "+45 13585628",
    "+4513585628",
    "0045 13585628",
    "13 58 56 28",  # phone form, no CVR label
    "Ring på 13 58 5628",  # the same with a space lost
    "1358 5628",
    "Tlf. 87535000 / 13585628",  # the label covers the list
    "Tlf. 87535000 eller 13585628",
    "Tlf. 87535000, 13585628",
    # P-numbers
    "P-nr. 0102031234",
    "P-nr.: 010203-1234",
    "P-nummer 0102031234",
    "pnr 0102031234",
    # case, journal, account and EAN numbers
    "Sagsnr. 27.12.04-G01-3-21",
    "Sagsnr.: 2026-004512",
    "J.nr. 0102031234",
    "Journalnr. 010203-1234",
    "Reg.nr. 1234 Konto 0102031234",
    "Reg.nr. 1234 kontonr. 0102031234",
    "Konto: 1234 0102031234",
    "EAN 5798000000001",
    "EAN-nr. 13585628",
    "SE-nr. 13585628",
    "Kundenr. 0102031234",
    # dates and addresses
    "25.11.2026",
    "25-11-2026",
    "Dato: 25.11.2026",
    "Hammel, 25. november 2026",
    "Skovvej 12, 8450 Hammel",
    # digits never glued from a longer run or across a label
    "010203123456",
    "CPR-nr. 010203123456",
    "12 34 56 78 90",
    "CVR 12 34 56 78 90",
    "CPR 010203-1234-5",
    "CVR 1358 CPR 5628",
    "CPR: 13585628",  # 8 digits behind a CPR label: not a company
    # OCR confusions that do not repair into a valid number, or not in place
    "CPR-nr.: 3l0299-l234",
    "CVR-nr. l3585627",
    "0l0203 l234",  # no label, no hyphen: no repair
    "0l02031234",
    "l3585628",
    "CPR OlOZO3-lZ34",  # more look-alikes than digits
    "Tlf. 1358 S628",
]


@pytest.mark.parametrize("text", SHOULD_NOT_FIND)
def test_number_that_is_no_recipient_id_is_not_reported(text: str) -> None:
    assert find_ids(text) == [], f"{text!r} gave {find_ids(text)}"


@pytest.mark.parametrize(
    "text",
    [
        f"CVR-nr. {OWN_CVR}",
        f"CVR: {OWN_CVR[:4]} {OWN_CVR[4:]}",
        f"Favrskov Kommune · Skovvej 20 · 8382 Hinnerup · CVR {OWN_CVR} · Tlf. 89 64 10 10",
        OWN_CVR,
    ],
)
def test_own_cvr_is_never_the_recipient(text: str) -> None:
    assert find_ids(text, own_cvrs=frozenset({OWN_CVR})) == [], text


def test_own_cvr_in_letterhead_leaves_recipient_cvr() -> None:
    found = find_ids(f"CVR {OWN_CVR} Modtager CVR {OTHER_CVR}", own_cvrs=frozenset({OWN_CVR}))
    assert [f.digits for f in found] == [OTHER_CVR]


def test_two_cprs_on_one_line_are_both_found_and_labelled() -> None:
    found = find_ids(f"CPR-nr. 010203-1234 og {CPR_MOD11}")
    assert [(f.digits, f.label) for f in found] == [(CPR_NO_MOD11, "cpr"), (CPR_MOD11, "cpr")]


def test_label_does_not_reach_past_a_date_or_a_word() -> None:
    assert _one("Tlf. 87535000 Dato 25.11.2026 13585628").label is None
    assert _one("CPR-nr. 25.11.2026 0102031234").label is None
    assert _one("Tlf. 87535000 Modtager 13585628").label is None
    found = find_ids("CVR-nr. 13585628 Firma 0102031234")
    assert [(f.kind, f.label) for f in found] == [(IdKind.CVR, "cvr"), (IdKind.CPR, None)]
    assert _one("Tlf. nar 13585628").label is None


# --- confidence ------------------------------------------------------------

CONFIDENCE = [
    # text, expected confidence
    (f"CPR-nr. {CPR_MOD11[:6]}-{CPR_MOD11[6:]}", 1.0),
    (f"Jens Hansen {CPR_MOD11[:6]}-{CPR_MOD11[6:]}", CONF_CPR_HYPHEN),
    (f"Jens Hansen {CPR_MOD11[:6]} {CPR_MOD11[6:]}", CONF_CPR_SPACE),
    (f"Jens Hansen {CPR_MOD11}", CONF_CPR_BARE),
    ("CPR-nr. 010103-1234", 1.0),  # fails mod 11 on 1 January: as issued since 2007
    ("CPR-nr. 010203-1234", CHECKSUM_HINT_FACTOR),  # fails mod 11 on another date
    (f"CPR-nr. {CPR_MOD11[:6]}-{CPR_MOD11[6:].replace('5', 'S')}", REPAIR_FACTOR),
    (f"CVR-nr. {OTHER_CVR}", 1.0),
    (OTHER_CVR, CONF_CVR_BARE),
]


@pytest.mark.parametrize(("text", "expected"), CONFIDENCE)
def test_confidence_says_how_sure_the_reading_is(text: str, expected: float) -> None:
    assert _one(text).confidence == pytest.approx(expected), text


def test_line_ocr_confidence_scales_the_id_confidence() -> None:
    assert _one(f"CVR-nr. {OTHER_CVR}", base_conf=0.5).confidence == pytest.approx(0.5)
    assert _one(OTHER_CVR, base_conf=0.5).confidence == pytest.approx(CONF_CVR_BARE * 0.5)


def test_repair_is_refused_when_two_readings_validate() -> None:
    # A look-alike read as 3 or 4 gives two valid birth dates: no guess.
    assert _valid_readings("01020312X4", IdKind.CPR, {"X": "34"}) == ["0102031234", "0102031244"]
    assert _valid_readings("01020312X4", IdKind.CPR, {"X": "3"}) == ["0102031234"]


def test_repr_of_found_cpr_does_not_show_the_number() -> None:
    found = _one("CPR-nr. 010203-1234")
    assert "1234" not in repr(found) and "010203-XXXX" in repr(found)


# --- every valid number, every form ------------------------------------------

CPR_LABELS = [
    "CPR",
    "CPR:",
    "CPR-nr.",
    "CPR-nr.:",
    "cpr.nr.",
    "CPR nr:",
    "Cpr-nummer",
    "Cpr-nummer:",
    "personnummer",
    "Personnr.",
    "PERSONNUMMER:",
    "CPR-nr,",
    "cpr nr",
]
CPR_FORMS = [
    lambda d: f"{d[:6]}-{d[6:]}",
    lambda d: d,
    lambda d: f"{d[:6]} {d[6:]}",
    lambda d: f"{d[:6]}\u2013{d[6:]}",
    lambda d: f"{d[:6]} - {d[6:]}",
    lambda d: f"{d[:6]} -{d[6:]}",
]
CVR_LABELS = ["CVR", "CVR:", "CVR-nr.", "CVR-nr.:", "CVR nr.", "cvr.nr.", "CVR-nummer", "CVR nr:"]
CVR_FORMS = [
    lambda d: d,
    lambda d: f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
    lambda d: f"{d[:4]} {d[4:]}",
]
SENTENCES = [
    "{}",
    "Vedr. Jens Hansen, {}",
    "Afgørelse om boligstøtte til {} fra 1. januar",
    "{}, Skovvej 3",
    "Modtager: Jens Hansen ({})",
]


@st.composite
def valid_cprs(draw: st.DrawFn) -> str:
    """A CPR valid by domain.md's century rules, with or without mod 11."""
    born = draw(st.dates(min_value=dt.date(1858, 1, 1), max_value=TODAY))
    if born.year < 1900:
        sevenths = "5678"
    elif born.year < 1937:
        sevenths = "0123"
    elif born.year < 2000:
        sevenths = "012349"
    else:
        sevenths = "495678"
    first9 = born.strftime("%d%m%y") + draw(st.sampled_from(sevenths))
    first9 += draw(st.text("0123456789", min_size=2, max_size=2))
    last = _mod11_last_digit(first9, (4, 3, 2, 7, 6, 5, 4, 3, 2))
    if draw(st.booleans()) and last is not None:
        digits = first9 + str(last)
    else:
        digits = first9 + draw(st.sampled_from("0123456789"))
    assert cpr_birth_date(digits) == born, digits
    return digits


@st.composite
def valid_cvrs(draw: st.DrawFn) -> str:
    first7 = draw(st.sampled_from("123456789")) + draw(
        st.text("0123456789", min_size=6, max_size=6)
    )
    last = _mod11_last_digit(first7, (2, 7, 6, 5, 4, 3, 2))
    assume(last is not None)
    return first7 + str(last)


@FAST
@given(
    digits=valid_cprs(),
    form=st.sampled_from(CPR_FORMS),
    label=st.sampled_from([None, *CPR_LABELS]),
    sentence=st.sampled_from(SENTENCES),
)
def test_every_valid_cpr_is_found_in_every_form(digits, form, label, sentence) -> None:
    written = form(digits) if label is None else f"{label} {form(digits)}"
    text = sentence.format(written)
    found = [f for f in find_ids(text) if f.kind is IdKind.CPR]
    assert [f.digits for f in found] == [digits], f"{text!r} gave {found}"
    assert found[0].label == (None if label is None else "cpr"), text
    assert not found[0].repaired, text


@FAST
@given(
    digits=valid_cvrs(),
    form=st.sampled_from(CVR_FORMS),
    label=st.sampled_from(CVR_LABELS),
    sentence=st.sampled_from(SENTENCES),
)
def test_every_valid_cvr_is_found_in_every_form(digits, form, label, sentence) -> None:
    text = sentence.format(f"{label} {form(digits)}")
    found = find_ids(text)
    assert [(f.kind, f.digits, f.label) for f in found] == [(IdKind.CVR, digits, "cvr")], text


@FAST
@given(digits=valid_cvrs(), sentence=st.sampled_from(SENTENCES))
def test_unlabelled_valid_cvr_is_found_with_lower_confidence(digits, sentence) -> None:
    text = sentence.format(digits)
    found = find_ids(text)
    assert [(f.kind, f.digits, f.label) for f in found] == [(IdKind.CVR, digits, None)], text
    assert found[0].confidence == pytest.approx(CONF_CVR_BARE), text


@FAST
@given(
    digits=st.text("0123456789", min_size=10, max_size=10),
    form=st.sampled_from(CPR_FORMS),
    label=st.sampled_from([None, *CPR_LABELS]),
)
def test_cpr_with_impossible_birth_date_is_never_reported(digits, form, label) -> None:
    assume(cpr_birth_date(digits) is None)
    text = form(digits) if label is None else f"{label} {form(digits)}"
    assert find_ids(text) == [], text


@FAST
@given(
    digits=st.text("0123456789", min_size=8, max_size=8),
    form=st.sampled_from(CVR_FORMS),
    label=st.sampled_from([None, *CVR_LABELS]),
)
def test_cvr_failing_its_check_is_never_reported(digits, form, label) -> None:
    assume(
        digits[0] == "0" or _mod11_last_digit(digits[:7], (2, 7, 6, 5, 4, 3, 2)) != int(digits[7])
    )
    text = form(digits) if label is None else f"{label} {form(digits)}"
    assert find_ids(text) == [], text


PHONE_LABELS = [
    "Tlf.",
    "Tlf:",
    "tlf",
    "Telefon",
    "telefon:",
    "Mobil",
    "Fax:",
    "Direkte",
    "Direkte tlf.",
]


@FAST
@given(
    digits=st.text("0123456789", min_size=8, max_size=8),
    form=st.sampled_from(CVR_FORMS),
    label=st.sampled_from([*PHONE_LABELS, "+45", "Tlf. +45"]),
)
def test_phone_number_is_never_a_cvr(digits, form, label) -> None:
    text = f"{label} {form(digits)}"
    assert find_ids(text) == [], text


@FAST
@given(digits=valid_cprs(), form=st.sampled_from(CPR_FORMS))
def test_p_number_is_never_a_cpr(digits, form) -> None:
    for label in ("P-nr.", "P-nr.:", "P-nummer", "pnr", "P.nr."):
        text = f"{label} {form(digits)}"
        assert find_ids(text) == [], text


@FAST
@given(digits=valid_cprs(), positions=st.sets(st.integers(0, 9), min_size=1, max_size=3))
def test_ocr_confusions_in_labelled_cpr_are_repaired(digits, positions) -> None:
    look_alike = {"0": "O", "1": "l", "5": "S", "8": "B", "2": "Z"}
    chars = list(f"{digits[:6]}-{digits[6:]}")
    for p in positions:
        i = p if p < 6 else p + 1
        chars[i] = look_alike.get(chars[i], chars[i])
    text = f"CPR-nr.: {''.join(chars)}"
    found = find_ids(text)
    assert [f.digits for f in found] == [digits], f"{text!r} gave {found}"
    assert found[0].repaired == any(c.isalpha() for c in chars), text


# --- masking -----------------------------------------------------------------

MASK_CASES = [
    ("cpr.nr. 010203-1234", "cpr.nr. 010203-XXXX"),
    ("0102031234", "010203-XXXX"),
    ("010203 1234 Hammel", "010203-XXXX Hammel"),
    ("010203 \u2013 1234", "010203-XXXX"),
    ("CPR-nr.:320199-1234", "CPR-nr.:320199-XXXX"),  # impossible date: masked all the same
    ("CPR 0l0203-l234.", "CPR 0l0203-XXXX."),
    ("P-nr. 1012345678", "P-nr. 101234-XXXX"),  # errs on masking
    ("Tlf. 87 53 50 00", "Tlf. 87 53 50 00"),
    (f"CVR {OWN_CVR}", f"CVR {OWN_CVR}"),
    ("Sagsnr. 2026-004512", "Sagsnr. 2026-004512"),
    ("Dato 25.11.2026", "Dato 25.11.2026"),
    ("Skovvej 12, 8450 Hammel", "Skovvej 12, 8450 Hammel"),
    ("Sagsnr. 27.12.04-G01-3-21", "Sagsnr. 27.12.04-G01-3-21"),
]


@pytest.mark.parametrize(("text", "expected"), MASK_CASES)
def test_mask_hides_the_last_four_digits(text: str, expected: str) -> None:
    assert mask_cpr_in_text(text) == expected, text


_CLEAR_CPR = re.compile(r"(?<!\d)\d{6}\s*[-\u2013\u2014]?\s*\d{4}(?!\d)")

_FRAGMENTS = st.one_of(
    valid_cprs().flatmap(lambda d: st.sampled_from([f(d) for f in CPR_FORMS])),
    st.text("0123456789", min_size=1, max_size=14),
    st.text("0123456789 -\u2013lIOoSBZ|", min_size=1, max_size=14),
    st.sampled_from(
        ["CPR-nr.", "cpr", "nr.", "Tlf.", "P-nr.", "Jens", "Solo", ",", "(", ")", "\n"]
    ),
)


@FAST
@given(parts=st.lists(_FRAGMENTS, max_size=8), glue=st.sampled_from(["", " ", ": "]))
def test_masked_text_holds_no_cpr_in_clear(parts: list[str], glue: str) -> None:
    text = glue.join(parts)
    masked = mask_cpr_in_text(text)
    assert not _CLEAR_CPR.search(masked), f"{text!r} -> {masked!r}"
    for line in masked.splitlines():
        cprs = [f for f in find_ids(line) if f.kind is IdKind.CPR]
        assert cprs == [], f"{text!r} -> {masked!r} still gives {cprs}"


# ---- a CPR whose hyphen OCR read as another mark ("301268.2564")

MISREAD_HYPHENS = [
    lambda d: f"{d[:6]}.{d[6:]}",
    lambda d: f"{d[:6]}:{d[6:]}",
    lambda d: f"{d[:6]},{d[6:]}",
    lambda d: f"{d[:6]} . {d[6:]}",
]
NO_CPR_LABELS = ["", "Tlf.", "Kontonr.", "Sagsnr.", "CVR-nr.", "Beløb", "Dato", "P-nr."]


def test_misread_hyphen_is_never_a_valid_part_of_the_ordinary_confidence() -> None:
    """Below the matcher's 'sure' line: the number is evidence to be checked, never sure."""
    assert CONF_CPR_MISREAD_HYPHEN < SURE_ID_CONFIDENCE


@FAST
@given(digits=valid_cprs(), form=st.sampled_from(MISREAD_HYPHENS),
       label=st.sampled_from(CPR_LABELS), end=st.sampled_from(["", ".", ",", " og mere"]))
def test_a_labelled_cpr_with_its_hyphen_misread_is_found_but_never_sure(
        digits, form, label, end) -> None:
    text = f"{label} {form(digits)}{end}"
    found = find_ids(text)
    assert [(f.kind, f.digits, f.repaired) for f in found] == [(IdKind.CPR, digits, True)], text
    assert found[0].confidence < SURE_ID_CONFIDENCE, text


@FAST
@given(digits=valid_cprs(), form=st.sampled_from(MISREAD_HYPHENS),
       label=st.sampled_from(NO_CPR_LABELS), sentence=st.sampled_from(SENTENCES))
def test_a_misread_hyphen_without_a_cpr_label_gives_nothing(
        digits, form, label, sentence) -> None:
    """Without the label, 6-mark-4 digits may be an amount, an account or a reference."""
    text = sentence.format(f"{label} {form(digits)}".strip())
    assert find_ids(text) == [], text


@FAST
@given(digits=st.text("0123456789", min_size=10, max_size=10),
       form=st.sampled_from(MISREAD_HYPHENS), label=st.sampled_from(CPR_LABELS))
def test_a_misread_hyphen_with_an_impossible_birth_date_gives_nothing(
        digits, form, label) -> None:
    assume(cpr_birth_date(digits) is None)
    assert find_ids(f"{label} {form(digits)}") == []


@pytest.mark.parametrize("text", [
    "CPR-nr. 301268.2564.1",  # part of a longer dotted number
    "CPR-nr. 30.12.68.2564",  # a date-like grouping, not 6-mark-4
    "CPR-nr. 301268..2564",
    "CPR-nr. 3012682.564",
])
def test_other_dotted_numbers_behind_a_cpr_label_are_not_taken(text: str) -> None:
    assert find_ids(text) == [], text
