"""Where each field was read: boxes for the work station, on hand-made and generated pages."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from test_extract import BODY, INFO, LETTERHEAD, OPTIONS, WINDOW, line, page

from postbakke.letters.extract import extract_fields
from postbakke.letters.locate import FIELD_KEYS, FieldBox, boxes_as_json, fold, locate_fields
from postbakke.models import (
    WINDOW_BOTTOM_MM,
    WINDOW_LEFT_MM,
    WINDOW_RIGHT_MM,
    WINDOW_TOP_MM,
    Fields,
    FoundId,
    IdKind,
    Letter,
    Page,
    RecipientBlock,
)
from postbakke.reading.ingest import read_pages
from postbakke_samples import TRAY_DIR, load_truth, make_tray


def words_in(pages: list[Page], box: FieldBox) -> str:
    """The text of the words a box outlines (boxes are rounded to 0.1 mm)."""
    slack = 0.06
    return " ".join(
        w.text for w in pages[box.page].words
        if w.x0 >= box.x0 - slack and w.x1 <= box.x1 + slack
        and w.y0 >= box.y0 - slack and w.y1 <= box.y1 + slack
    )


def outlined(pages: list[Page], fields: Fields | None = None) -> dict[str, list[str]]:
    """{field: [text of the words in each box]}, fields read by extraction unless given."""
    if fields is None:
        fields = extract_fields(Letter("brev.pdf", tuple(pages)), OPTIONS)
    return {k: [words_in(pages, b) for b in boxes]
            for k, boxes in locate_fields(pages, fields).items()}


FULL = [*LETTERHEAD, *WINDOW, *INFO, *BODY]


# (what, pages' lines, field, the words its box should outline)
SHOULD = [
    ("the name in the window, not the salutation's", [FULL], "recipient_name", "Jens Hansen"),
    ("the c/o line", [FULL], "recipient_attention", "c/o Grethe Holm"),
    ("the street line", [FULL], "recipient_street", "Skovvej 4, 1. tv."),
    ("postcode and city", [FULL], "recipient_postcode", "8370 Hadsten"),
    ("the subject under the window", [FULL], "subject", "Afgørelse om ledighedsydelse"),
    ("the signature, not the info column's name", [FULL], "sender", "Peter Lund"),
    ("the info column's name, not the signature", [FULL], "caseworker", "Peter Lund"),
    ("the e-mail address without its label",
     [[*FULL, line("E-mail: pl@favrskov.dk", 125, 79)]], "sender_email", "pl@favrskov.dk"),
    ("the e-mail as OCR reads it without an @",
     [[*FULL, line("E-mail: plQfavrskov.dk", 125, 79)]], "sender_email", "plQfavrskov.dk"),
    ("initials as a word of their own",
     [[*FULL, line("Initialer: PLU", 125, 79)]], "sender_initials", "PLU"),
    ("a CPR in the info column, not its label",
     [[*FULL, line("CPR-nr.:", 125, 74), line("010203-1234", 160, 74)]],
     "recipient_id", "010203-1234"),
    ("a CVR printed in pairs, across its four words",
     [[*FULL, line("CVR-nr.: 13 97 79 17", 125, 74)]], "recipient_id", "13 97 79 17"),
    ("a CPR OCR read with letters for digits",
     [[*FULL, line("CPR-nr.: O1O2O3-1234", 125, 74)]], "recipient_id", "O1O2O3-1234"),
    ("a postcode OCR read with a letter for a digit",
     [[*LETTERHEAD, line("Jens Hansen", 22, 57), line("Skovvej 4", 22, 62),
       line("837O Hadsten", 22, 67), *BODY]], "recipient_postcode", "837O Hadsten"),
    ("a name over two lines, both outlined",
     [[*LETTERHEAD, line("Lærkehøj Anlæg ApS", 22, 57), line("Afdeling Nord", 22, 62),
       line("Skovvej 4", 22, 67), line("8370 Hadsten", 22, 72), *BODY]],
     "recipient_name", "Lærkehøj Anlæg ApS Afdeling Nord"),
    ("a caseworker glued to the label by OCR",
     [[*LETTERHEAD, *WINDOW, line("Sagsbehandler:Peter Lund", 125, 64), *BODY]],
     "caseworker", "Sagsbehandler:Peter Lund"),
    ("a subject naming the person, with the topic line under it",
     [[*WINDOW, line("Vedr. Jens Hansen, cpr.nr. 010203-1234", 20, 105),
       line("Indkaldelse til samtale", 20, 110), line("Kære Jens", 20, 122)]],
     "subject", "Vedr. Jens Hansen, cpr.nr. 010203-1234 Indkaldelse til samtale"),
    ("the recipient's name under a return-address line of the same town",
     [[line("Afs.: Favrskov Kommune, Skovvej 20, 8370 Hadsten", 22, 50), *WINDOW]],
     "recipient_postcode", "8370 Hadsten"),
]


@pytest.mark.parametrize(("what", "lines", "key", "expected"), SHOULD,
                         ids=[case[0] for case in SHOULD])
def test_field_is_outlined_where_it_was_read(what, lines, key, expected):
    pages = [page(*ln, number=i + 1) for i, ln in enumerate(lines)]
    boxes = outlined(pages)
    assert boxes.get(key) == [expected], f"{what}: {boxes.get(key)}"


# (what, pages' lines, fields as extraction might have read them, field that gets no box)
NAME_ONLY = Fields(recipient_block=RecipientBlock(name="Jens Hansen"))
SHOULD_NOT = [
    ("a name printed only in the salutation",
     [BODY], NAME_ONLY, "recipient_name"),
    ("a name whose words are in another order",
     [[line("Hansen Jens", 22, 57), line("8370 Hadsten", 22, 62)]], NAME_ONLY,
     "recipient_name"),
    ("a name whose words are columns apart",
     [[line("Jens", 22, 57), line("Hansen", 125, 57)]], NAME_ONLY, "recipient_name"),
    ("a name printed differently",
     [[line("Jens Hansén", 22, 57)]], NAME_ONLY, "recipient_name"),
    ("initials inside a longer word",
     [[*FULL, line("Ref.: Refusion", 125, 79)]], Fields(sender_initials="usion"),
     "sender_initials"),
    ("a sender found only in the info column",
     [[*LETTERHEAD, *WINDOW, *INFO]], Fields(sender_name="Peter Lund"), "sender"),
    ("an ID one digit off what was printed",
     [[*FULL, line("CPR-nr.: 010203-1234", 125, 74)]],
     Fields(recipient_ids=(FoundId(IdKind.CPR, "0102031235", "cpr", 1.0, zone="info"),)),
     "recipient_id"),
    ("an ID printed only in the letterhead (the municipality's own CVR)",
     [FULL], Fields(recipient_ids=(FoundId(IdKind.CVR, "29189714", "cvr", 1.0),)),
     "recipient_id"),
]


@pytest.mark.parametrize(("what", "lines", "fields", "key"), SHOULD_NOT,
                         ids=[case[0] for case in SHOULD_NOT])
def test_field_is_not_outlined_where_it_was_not_read(what, lines, fields, key):
    pages = [page(*ln, number=i + 1) for i, ln in enumerate(lines)]
    boxes = outlined(pages, fields)
    assert key not in boxes, f"{what}: {boxes.get(key)}"


def test_fields_on_later_pages_name_their_page_within_the_letter():
    first = page(*LETTERHEAD, *WINDOW, *INFO, line("Afgørelse om tilskud", 20, 110), number=5)
    second = page(line("Dit cpr.nr. er 010203-1234.", 20, 40),
                  line("Med venlig hilsen", 20, 60), line("Peter Lund", 20, 75), number=6)
    fields = extract_fields(Letter("bakke.pdf", (first, second)), OPTIONS)
    boxes = locate_fields([first, second], fields)
    assert [b.page for b in boxes["sender"]] == [1]
    assert [b.page for b in boxes["recipient_id"]] == [1]
    assert [b.page for b in boxes["recipient_name"]] == [0]


def test_one_box_per_id_printed_in_two_places():
    pages = [page(*LETTERHEAD, *WINDOW, line("CPR-nr.: 010203-1234", 125, 74),
                  line("Vedr. Jens Hansen, cpr.nr. 010203-1234", 20, 105), *BODY)]
    boxes = outlined(pages)
    assert boxes["recipient_id"] == ["010203-1234", "010203-1234"]
    found = locate_fields(pages, extract_fields(Letter("b.pdf", tuple(pages)), OPTIONS))
    assert {b.y0 for b in found["recipient_id"]} == {74.0, 105.0}


def test_boxes_are_the_union_of_the_words_in_mm():
    pages = [page(*FULL)]
    name = locate_fields(pages, extract_fields(Letter("b.pdf", tuple(pages)), OPTIONS))
    jens, hansen = WINDOW[0]
    assert name["recipient_name"] == [FieldBox(0, jens.x0, jens.y0, hansen.x1, hansen.y1)]


def test_stored_form_holds_boxes_only():
    pages = [page(*FULL, line("CPR-nr.: 010203-1234", 125, 74))]
    fields = extract_fields(Letter("b.pdf", tuple(pages)), OPTIONS)
    stored = boxes_as_json(locate_fields(pages, fields))
    assert set(stored) <= set(FIELD_KEYS)
    assert all(set(b) == {"page", "x0", "y0", "x1", "y1"}
               for found in stored.values() for b in found)
    assert "0102031234" not in repr(stored) and "Jens" not in repr(stored)


def test_no_pages_no_fields_no_boxes():
    assert locate_fields([], Fields()) == {}
    assert locate_fields([page(*FULL)], Fields()) == {}


def test_fold_ignores_case_punctuation_and_digit_lookalikes():
    assert fold("8881.Thorsø") == fold("8881 thorsø")
    assert fold("837O") == fold("8370")
    assert fold("–") == ""


def test_generated_letters_have_every_field_outlined_where_the_truth_says(tmp_path: Path):
    """GIVEN text-layer letters from the sample generator, WHEN their fields are located,
    THEN every field read has a box, the recipient's in the window, and the ID's words
    carry the truth's digits."""
    make_tray(tmp_path, seed=4, n_letters=4, scanned_share=0.0)
    for truth in load_truth(tmp_path / "truth.json"):
        pages = read_pages(tmp_path / TRAY_DIR / truth.file, tmp_path / "w")
        fields = extract_fields(Letter(truth.file, tuple(pages)), OPTIONS)
        boxes = locate_fields(pages, fields)
        block = fields.recipient_block
        read = {
            "recipient_name": block.name, "recipient_attention": block.attention,
            "recipient_street": block.street, "recipient_postcode": block.postcode,
            "subject": fields.subject, "sender": fields.sender_name,
            "caseworker": fields.caseworker_name, "sender_email": fields.sender_email,
        }
        for key, value in read.items():
            assert (key in boxes) == bool(value), (truth.file, key)
            if value and key != "recipient_postcode":
                assert fold(words_in(pages, boxes[key][0])) == fold(value), (truth.file, key)
        name = boxes["recipient_name"][0]
        assert words_in(pages, name) == truth.recipient_name, truth.file
        assert WINDOW_LEFT_MM <= name.x0 <= WINDOW_RIGHT_MM, truth.file
        assert WINDOW_TOP_MM <= name.y0 <= WINDOW_BOTTOM_MM, truth.file
        if truth.id_placement != "none":
            digits = {re.sub(r"\D", "", words_in(pages, b)) for b in boxes["recipient_id"]}
            assert digits == {truth.recipient_id}, truth.file
        assert boxes["sender"] != boxes["caseworker"] or truth.sender != fields.caseworker_name


def test_fields_read_off_one_letter_are_not_outlined_on_another():
    """A box is found only where the letter prints the value."""
    pages = [page(*FULL)]
    fields = extract_fields(Letter("b.pdf", tuple(pages)), OPTIONS)
    other = replace(fields, recipient_block=RecipientBlock(name="Grethe Jensen"))
    assert "recipient_name" not in locate_fields(pages, other)
    assert locate_fields([page(line("Jens", 22, 57))], fields).get("recipient_name") is None
