"""Extraction by zone, on pages built word by word (as OCR or a text layer gives them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from postbakke.letters.extract import ExtractOptions, extract_fields, recipient_block, zone_of
from postbakke.models import IdKind, Letter, Page, Word
from postbakke.reading.ingest import read_pages
from postbakke_samples import TRAY_DIR, load_truth, make_tray

OPTIONS = ExtractOptions(own_cvrs=frozenset({"29189714"}), municipality_name="Favrskov Kommune")
CHAR_MM = 1.9  # ~10 pt Helvetica


def line(text: str, x: float, y: float, conf: float = 95.0) -> list[Word]:
    """Words of one printed line starting at (x, y) mm."""
    words = []
    for token in text.split():
        width = len(token) * CHAR_MM
        words.append(Word(token, x, y, x + width, y + 3.5, conf))
        x += width + CHAR_MM
    return words


def page(*lines: list[Word], number: int = 1, method: str = "ocr") -> Page:
    return Page(number=number, words=tuple(w for ln in lines for w in ln), method=method)


LETTERHEAD = [
    line("Favrskov Kommune", 20, 15), line("Jobcenter", 20, 22),
    line("Skovvej 20 8382 Hinnerup Tlf. 89 64 10 10 CVR-nr. 29189714", 20, 30),
]
INFO = [
    line("Dato: 25. november 2026", 125, 54), line("Sagsnr.: 27.12.04-G01-3-26", 125, 59),
    line("Sagsbehandler: Peter Lund", 125, 64), line("Direkte tlf.: 89 64 23 17", 125, 69),
]
BODY = [
    line("Afgørelse om ledighedsydelse", 20, 110),
    line("Kære Jens Hansen", 20, 120),
    line("Du har søgt om ydelse, og vi har nu truffet en afgørelse i din sag.", 20, 128),
    line("Med venlig hilsen", 20, 160), line("Peter Lund", 20, 175),
    line("Sagsbehandler", 20, 180),
    line("Side 1 af 1", 170, 290),
]
WINDOW = [line("Jens Hansen", 22, 57), line("c/o Grethe Holm", 22, 62),
          line("Skovvej 4, 1. tv.", 22, 67), line("8370 Hadsten", 22, 72)]


def fields_of(*lines: list[Word]):
    return extract_fields(Letter("brev.pdf", (page(*lines),)), OPTIONS)


def test_recipient_block_from_the_window():
    block = recipient_block(page(*LETTERHEAD, *WINDOW, *INFO, *BODY), "Favrskov Kommune")
    assert (block.name, block.attention, block.street, block.postcode, block.city) == (
        "Jens Hansen", "c/o Grethe Holm", "Skovvej 4, 1. tv.", "8370", "Hadsten"
    )


def test_return_address_line_above_the_window_is_not_the_recipient():
    sender_line = line("Favrskov Kommune, Skovvej 20, 8382 Hinnerup", 22, 50)
    block = recipient_block(page(sender_line, *WINDOW), "Favrskov Kommune")
    assert block.name == "Jens Hansen" and block.postcode == "8370"


def test_misread_return_address_line_is_not_taken_into_the_name():
    misread = line("Ats.: Favrskav Kommune, Skovvej 20. 8382 Hinnerup", 22, 50)
    block = recipient_block(page(misread, *WINDOW), "Favrskov Kommune")
    assert block.name == "Jens Hansen" and block.street == "Skovvej 4, 1. tv."


def test_lone_street_line_above_the_postcode_is_the_street_not_the_name():
    """A poor scan lost the name line: what is left is an address, not a name."""
    block = recipient_block(page(line("Fjeldhøjengen 90", 22, 62), line("8380 Trige", 22, 67)))
    assert (block.name, block.street, block.postcode) == (None, "Fjeldhøjengen 90", "8380")
    block = recipient_block(page(line("Østerå Auto ApS", 22, 62), line("8850 Bjerringbro", 22, 67)))
    assert (block.name, block.street) == ("Østerå Auto ApS", None)


@pytest.mark.parametrize("postcode_line", ["8370; Hadsten", "8370: Hadsten", "8370 ;Hadsten"])
def test_a_speck_read_after_the_postcode_does_not_lose_the_address(postcode_line):
    """A harsh training scan read "8450; Hammel": the block ran on, without a postcode."""
    window = [*WINDOW[:3], line(postcode_line, 22, 72), line("Personligt", 22, 77)]
    block = recipient_block(page(*window), "Favrskov Kommune")
    assert (block.name, block.street, block.postcode, block.city) == (
        "Jens Hansen", "Skovvej 4, 1. tv.", "8370", "Hadsten")


@pytest.mark.parametrize(("window", "name", "behalf"), [
    (["Jens Holm, værge for Karen Lund"], "Jens Holm", "Karen Lund"),
    (["Jens Holm", "P.v.a. Karen Lund"], "Jens Holm", "Karen Lund"),
    (["Jens Holm (værge for Karen Lund)"], "Jens Holm", "Karen Lund"),
])
def test_the_citizen_a_guardian_acts_for_is_not_part_of_the_name(window, name, behalf):
    rows = [line(t, 22, 57 + 5 * i) for i, t in enumerate([*window, "Torvet 1", "8000 Aarhus C"])]
    block = recipient_block(page(*rows), "Favrskov Kommune")
    assert (block.name, block.on_behalf_of, block.street) == (name, behalf, "Torvet 1")


def test_recipient_named_like_a_street_of_kommune_is_kept():
    window = [line("Kommunevej Tømrerne ApS", 22, 57), line("Kommunevej 4", 22, 62),
              line("8370 Hadsten", 22, 67)]
    block = recipient_block(page(*window), "Favrskov Kommune")
    assert block.name == "Kommunevej Tømrerne ApS" and block.street == "Kommunevej 4"


def test_cpr_in_info_column_is_the_recipient_id_and_not_in_window():
    cpr = line("CPR-nr.: 010203-1234", 125, 74)
    fields = fields_of(*LETTERHEAD, *WINDOW, *INFO, cpr, *BODY)
    assert [(f.kind, f.digits, f.zone) for f in fields.recipient_ids] == [
        (IdKind.CPR, "0102031234", "info")
    ]
    assert fields.window_cpr is False


def test_label_and_value_far_apart_in_the_info_column_still_pair():
    cpr = [*line("CPR-nr.:", 125, 74), *line("010203-1234", 160, 74)]
    fields = fields_of(*WINDOW, cpr)
    assert [f.label for f in fields.recipient_ids] == ["cpr"]


def test_a_badly_read_label_does_not_make_a_clearly_read_number_unsure():
    label = line("cvR", 125, 74, conf=0.0)  # a harsh scan: the label barely read
    number = line("13977917", 132, 74, conf=96.0)
    fields = fields_of(*WINDOW, label, number)
    assert [(f.digits, f.label) for f in fields.recipient_ids] == [("13977917", "cvr")]
    assert fields.recipient_ids[0].confidence >= 0.9


def test_a_badly_read_number_stays_unsure():
    fields = fields_of(*WINDOW, line("CVR-nr.:", 125, 74), line("13977917", 145, 74, conf=30.0))
    assert fields.recipient_ids[0].confidence <= 0.3


def test_cpr_legible_in_the_window_is_reported():
    fields = fields_of(*WINDOW, line("CPR-nr. 010203-1234", 22, 77))
    assert fields.window_cpr is True
    assert fields.recipient_block.name == "Jens Hansen"  # the ID line is not the address


def test_own_cvr_and_phone_numbers_are_never_recipients():
    fields = fields_of(*LETTERHEAD, *WINDOW, *INFO, *BODY,
                       line("Ring på 89 64 10 10 eller skriv til os.", 20, 135))
    assert fields.recipient_ids == ()


def test_cpr_in_the_subject_line():
    subject = line("Vedr. Jens Hansen, cpr.nr. 010203-1234", 20, 105)
    fields = fields_of(*WINDOW, subject, *BODY)
    assert [(f.digits, f.zone) for f in fields.recipient_ids] == [("0102031234", "body")]


def test_sender_letterhead_and_subject():
    fields = fields_of(*LETTERHEAD, *WINDOW, *INFO, *BODY)
    assert fields.sender_name == "Peter Lund"
    assert fields.caseworker_name == "Peter Lund"
    assert "Jobcenter" in fields.letterhead_lines
    assert fields.subject == "Afgørelse om ledighedsydelse"
    assert fields.low_confidence is False


def test_page_two_has_no_recipient_block_and_signature_is_found_there():
    first = page(*LETTERHEAD, *WINDOW, *INFO, line("Afgørelse om tilskud", 20, 110))
    second = page(line("Med venlig hilsen", 20, 60), line("Peter Lund", 20, 75), number=2)
    fields = extract_fields(Letter("brev.pdf", (first, second)), OPTIONS)
    assert fields.sender_name == "Peter Lund"
    assert zone_of(second.lines[0], first_page=False) == "body"


def test_a_letter_starting_mid_batch_has_its_first_page_read_as_one():
    """In a tray batch the letter's first page may be the file's page 5."""
    first = page(*LETTERHEAD, *WINDOW, *INFO, line("CPR-nr.: 010203-1234", 125, 74), *BODY,
                 number=5)
    fields = extract_fields(Letter("bakke.pdf", (first,)), OPTIONS)
    assert fields.recipient_block.name == "Jens Hansen"
    assert [f.zone for f in fields.recipient_ids] == ["info"]


def test_a_page_read_with_low_confidence_is_flagged():
    shaky = [[Word(w.text, w.x0, w.y0, w.x1, w.y1, 30.0) for w in ln]
             for ln in (*WINDOW, *INFO, *BODY)]
    assert fields_of(*shaky).low_confidence is True


def test_physical_enclosure_is_noticed():
    fields = fields_of(*WINDOW, *BODY, line("Vedlagt: sundhedskort", 20, 190))
    assert fields.physical_enclosure is True


def test_generated_text_layer_letters_give_the_truths_recipient_block(tmp_path: Path):
    truths = make_tray(tmp_path, seed=4, n_letters=8, scanned_share=0.0)
    for truth in load_truth(tmp_path / "truth.json"):
        pages = read_pages(tmp_path / TRAY_DIR / truth.file, tmp_path / "w")
        assert all(p.method == "text" for p in pages)
        fields = extract_fields(Letter(truth.file, tuple(pages)), OPTIONS)
        assert fields.recipient_block.name == truth.recipient_name, truth.file
        assert fields.sender_name == truth.sender, truth.file
    assert truths


def test_subject_naming_the_person_keeps_the_topic_line_under_it():
    fields = fields_of(*WINDOW, line("Vedr. Jens Hansen, cpr.nr. 010203-1234", 20, 105),
                       line("Indkaldelse til samtale", 20, 110), line("Kære Jens", 20, 122))
    assert fields.subject == "Vedr. Jens Hansen, cpr.nr. 010203-1234 – Indkaldelse til samtale"


# ---- the window finding (CPR-loven § 54): only a CPR inside DIN 5008's address field
WINDOW_CPR_CASES = [
    # (what, the CPR line, its x and y in mm, whether it shows through the window)
    ("in the address block, under the city", "CPR-nr. 010203-1234", 22, 77, True),
    ("last line of the field", "010203-1234", 22, 86, True),
    ("subject line just under the field", "Vedr. Jens Hansen, cpr.nr. 010203-1234", 20, 92, False),
    ("info block beside the field", "CPR-nr.: 010203-1234", 108, 70, False),
    ("info column at the right", "CPR-nr.: 010203-1234", 125, 74, False),
    ("above the field, under the letterhead", "CPR 010203-1234", 22, 41, False),
    ("left of the field (a margin note)", "010203-1234", 2, 60, False),
    ("number running past the right edge", "Jens Hansen CPR-nr. 010203-1234", 70, 70, False),
]


def test_window_cpr_only_inside_the_address_field():
    """GIVEN a CPR at each place of the table WHEN extracted THEN a window finding only inside."""
    wrong = []
    for what, text, x, y, expected in WINDOW_CPR_CASES:
        fields = fields_of(*LETTERHEAD, *WINDOW, line(text, x, y), *BODY)
        assert fields.recipient_ids, what  # the number itself is still found
        if fields.window_cpr is not expected:
            wrong.append(what)
    assert not wrong, f"window finding wrong for: {wrong}"


def test_window_is_a_setting():
    """A municipality whose envelopes show 40-95 mm: a CPR at 92 mm shows through."""
    from postbakke.models import EnvelopeWindow

    cpr_line = line("CPR-nr. 010203-1234", 22, 91)
    letter = Letter("brev.pdf", (page(*LETTERHEAD, *WINDOW, cpr_line, *BODY),))
    assert not extract_fields(letter, OPTIONS).window_cpr
    wide = ExtractOptions(own_cvrs=OPTIONS.own_cvrs, municipality_name="Favrskov Kommune",
                          window=EnvelopeWindow(left=20, top=40, width=85, height=55))
    assert extract_fields(letter, wide).window_cpr


# ---- issue 20: the sender by e-mail only, as a 200-dpi bitonal scan reads it

EMAIL_READINGS = [
    ("E-mail: abcd@favrskov.dk", "abcd@favrskov.dk"),
    ("E-mail: abcdQfavrskov.dk", "abcdqfavrskov.dk"),
    ("E-mail: abcd&favrskov.dk", "abcd&favrskov.dk"),
    ("E-mail: abcd@favrskov,dk", "abcd@favrskov.dk"),
    ("E-mail: abcd @ favrskov.dk", "abcd@favrskov.dk"),
    ("E-maiI: abcdæfavrskov.dk", "abcdæfavrskov.dk"),
    ("Email: abcd GØ favrskov.dk", "abcdgøfavrskov.dk"),
    ("E-mai1: abcdG favrskov.dk", "abcdgfavrskov.dk"),
    ("E- mail: abcd favrskov.dk", "abcdfavrskov.dk"),
    ("E-rnail: abcdQfavrskov,dk", "abcdqfavrskov.dk"),
    ("Mail abcdQfavrskov.dk", "abcdqfavrskov.dk"),
    ("E-mail: kkæfavrskov dk", "kkæfavrskov.dk"),  # the dot read as a space (bitonal)
    ("E-mail: t;jøæfavrskov.dk", "tjøæfavrskov.dk"),  # a speck read as ";" (bitonal)
]


@pytest.mark.parametrize(("printed", "read"), EMAIL_READINGS, ids=[p for p, _ in EMAIL_READINGS])
def test_an_email_in_the_info_column_is_read_as_ocr_gives_it(printed, read):
    fields = fields_of(*LETTERHEAD, *WINDOW, line("Dato: 25. november 2026", 125, 54),
                       line(printed, 125, 59), line("Med venlig hilsen", 20, 160),
                       line("Jobcenter", 20, 175))
    assert fields.sender_email == read


def test_an_email_label_and_its_address_split_into_two_lines_are_one_row():
    """OCR put the misread "@" (a tall "GØ") on a line of its own: the row joins them."""
    label = line("E-mail:", 125, 59.2)
    address = [Word("amh", 141, 58.5, 147, 62.9, 43), Word("GØ", 148, 58.5, 152, 62.9, 0),
               Word("favrskov.dk", 153, 59.2, 172, 61.6, 33)]
    assert fields_of(*LETTERHEAD, label, address).sender_email == "amhgøfavrskov.dk"


def test_a_mail_word_in_the_body_is_no_address():
    fields = fields_of(line("Skriv en mail til os, hvis du har spørgsmål til sagen.", 20, 130))
    assert fields.sender_email is None


@pytest.mark.parametrize("unit", [
    "Favrskov Kommune", "Jobcenter Favrskov", "Borgerservice", "Teknik og Miljø",
    "Favrskov Kommune, Jobcenter", "Center For Børn Og Familie",
])
def test_a_signature_of_the_department_only_is_no_sender_name(unit):
    fields = fields_of(*LETTERHEAD, *WINDOW, line("E-mail: abcdQfavrskov.dk", 125, 59),
                       line("Med venlig hilsen", 20, 160), line(unit, 20, 175),
                       line("Jobcenter", 20, 180))
    assert fields.sender_name is None
    signed = fields_of(line("Med venlig hilsen", 20, 160), line(unit, 20, 170),
                       line("Peter Lund", 20, 175))
    assert signed.sender_name == "Peter Lund"
