"""Splitting a tray's scan into letters: separator sheets, blank backs, first pages.

Pages are built word by word, laid out like the generated letters (postbakke_samples.letter_pdf):
a first page with letterhead, recipient block, info column, body and "Side 1 af N";
a continuation page with a one-line header, body lines crossing the window area
and "Side k af N". Separator detection runs on real rendered barcode pages.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from postbakke.letters.split import (
    PageSignals,
    page_signals,
    parse_page_of,
    split_letters,
)
from postbakke.models import Page, Word
from postbakke.reading.barcodes import SEPARATOR_TEXT, is_separator

CHAR_MM = 1.9  # ~10 pt Helvetica
TEXT_MM = 3.5  # word box height of 10 pt text


def line(
    text: str, x: float, y: float, *, x1: float | None = None, height: float = TEXT_MM
) -> list[Word]:
    """Words of one printed line from (x, y) mm; with x1, spread to end there (justified)."""
    tokens = text.split()
    char = CHAR_MM
    if x1 is not None:
        char = (x1 - x) / (sum(len(t) for t in tokens) + len(tokens) - 1)
    words = []
    for token in tokens:
        width = len(token) * char
        words.append(Word(token, x, y, x + width, y + height, 92.0))
        x += width + char
    return words


def body(y: float, rows: int) -> list[list[Word]]:
    """Paragraphs of justified lines from the left to the right margin (20-190 mm)."""
    lines = []
    for k in range(rows):
        text = "Vi har behandlet din sag og lagt vægt på de oplysninger du har givet os"
        if k % 4 == 3:  # a paragraph's last line is short
            lines.append(line("og dine lægeerklæringer.", 20, y))
            y += 3.0
        else:
            lines.append(line(text, 20, y, x1=190))
        y += 4.8
    return lines


def side(text: str | None) -> list[list[Word]]:
    return [line(text, 165, 287)] if text else []


LETTERHEAD = [
    line("Favrskov Kommune", 20, 13, height=6.3),
    line("Jobcenter", 20, 21.5, height=4.2),
    line("Skovvej 20, 8382 Hinnerup", 20, 28),
    line("Tlf. 89 64 10 10 · www.favrskov.dk", 20, 32),
]
WINDOW = [line("Jens Hansen", 22, 54), line("Skovvej 4, 1. tv.", 22, 59),
          line("8370 Hadsten", 22, 64)]
INFO = [line("Dato: 25. november 2026", 125, 51), line("Sagsnr.: 27.12.04-G01-3-26", 125, 56),
        line("Sagsbehandler: Peter Lund", 125, 61), line("E-mail: pl@favrskov.dk", 125, 66)]
FOOTER = [line("Favrskov Kommune · Skovvej 20 · 8382 Hinnerup", 60, 281)]
CONTINUATION_HEADER = [line("Favrskov Kommune · Jobcenter · Sagsnr. 27.12.04-G01-3-26", 20, 12)]


def page(number: int, *lines: list[Word], **kwargs) -> Page:
    return Page(number=number, words=tuple(w for ln in lines for w in ln), method="ocr", **kwargs)


def first_page(number: int, footer: str | None = "Side 1 af 2") -> Page:
    return page(number, *LETTERHEAD, *WINDOW, *INFO, line("Afgørelse om ledighedsydelse", 20, 108),
                line("Kære Jens Hansen", 20, 118), *body(126, 12), *FOOTER, *side(footer))


def continuation_page(number: int, footer: str | None = "Side 2 af 2") -> Page:
    # body from 27 mm: long lines cross the window area, short paragraph ends lie in it,
    # and one line starts with a postcode, as an address in a sentence may
    return page(number, *CONTINUATION_HEADER, *body(27, 8),
                line("8000 Aarhus C, eller skriv til os.", 20, 70.6), *body(76, 12), *FOOTER,
                *side(footer))


def plain_page(number: int) -> Page:
    """Text only: no letterhead, no recipient block, no page count (an enclosure, a note)."""
    return page(number, line("Bilag 1: Oversigt over udbetalinger", 20, 30), *body(40, 16))


def letterhead_page(number: int) -> Page:
    """A form with the municipality's letterhead but no recipient block and no page count."""
    return page(number, *LETTERHEAD, line("Ansøgningsskema", 20, 60), *body(70, 10))


def readdressed_continuation(number: int, footer: str) -> Page:
    """A continuation page that quotes an address in the window area (a copy-to list)."""
    return page(number, *CONTINUATION_HEADER, line("Kopi til:", 22, 45),
                line("Anne Holm", 22, 54), line("Bøgevej 2", 22, 59), line("8450 Hammel", 22, 64),
                *body(90, 12), *side(footer))


KINDS = {
    "B": lambda n: Page(number=n, words=(), method="ocr", is_blank=True),
    "N": lambda n: page(n, line(". ' ,", 80, 150)),  # scanner specks read as marks
    "S": lambda n: Page(number=n, words=(), method="ocr", is_separator=True),
    "E": lambda n: Page(number=n, words=(), method="ocr",
                        error="OCR af siden tog mere end 30 sekunder og blev afbrudt"),
    "W": lambda n: page(n, line("Bilag 2", 20, 30)),  # very few words
    "P": plain_page,
    "H": letterhead_page,
    "F": lambda n: first_page(n, None),
    "C": lambda n: continuation_page(n, None),
    "C?": lambda n: continuation_page(n, "Sjde Z af 3"),  # footer misread beyond repair
}


def make_pages(spec: str) -> list[Page]:
    """Pages from a spec like "F1/2 B C2/2 S P": kinds above, F/C/X with k/N footers."""
    pages = []
    for number, token in enumerate(spec.split(), start=1):
        if token in KINDS:
            pages.append(KINDS[token](number))
            continue
        kind, k, n = token[0], *token[1:].split("/")
        footer = f"Side {k} af {n}"
        maker = {"F": first_page, "C": continuation_page, "X": readdressed_continuation}[kind]
        pages.append(maker(number, footer))
    return pages


# (what the user sees, pages, letters as file page numbers)
SPLIT_CASES = [
    ("separator sheets alone split plain pages", "P P S P S P P P", [[1, 2], [4], [6, 7, 8]]),
    ("separators first, last and twice in a row", "S S F1/1 S S", [[3]]),
    ("blank duplex backs belong to no letter and do not end one",
     "F1/2 B C2/2 B F1/1 B", [[1, 3], [5]]),
    ("a noise-only page counts as blank", "F1/2 N C2/2", [[1, 3]]),
    ("no separators: first pages start letters", "F1/2 C2/2 F1/1 F1/3 C2/3 C3/3",
     [[1, 2], [3], [4, 5, 6]]),
    ("a three-page letter stays together", "F1/3 C2/3 C3/3", [[1, 2, 3]]),
    ("letters without Side footers split at their first pages", "F C C F C",
     [[1, 2, 3], [4, 5]]),
    ("an unreadable continuation footer continues the letter", "F1/3 C? C3/3 F1/1",
     [[1, 2, 3], [4]]),
    ("an impossible page count (7 of 2) continues the letter", "F1/2 C7/2 F1/1",
     [[1, 2], [3]]),
    ("a continuation misread as 3 of 3 continues the letter", "F1/3 C3/3 C3/3 F1/1",
     [[1, 2, 3], [4]]),
    ("the page after a separator starts a letter without a recipient block",
     "F1/2 S C2/2", [[1], [3]]),
    ("a page after the last page (N of N) starts a new letter", "F1/1 P F1/2 C2/2 W",
     [[1], [2], [3, 4], [5]]),
    ("an unread page (OCR error) stays in the letter that misses pages", "F1/3 E C3/3",
     [[1, 2, 3]]),
    ("an unread page after a complete letter is a letter of its own", "F1/1 E F1/1",
     [[1], [2], [3]]),
    ("an unread page at the start of the file is kept", "E C2/2 F1/1", [[1, 2], [3]]),
    ("a page with very few words continues the letter", "F W C", [[1, 2, 3]]),
    ("an address on a page whose count fits the letter does not split it",
     "F1/3 X2/3 C3/3", [[1, 2, 3]]),
    ("an address on a page whose count does not fit starts a letter", "F1/1 X2/2",
     [[1], [2]]),
    ("a letterhead page inside a letter that misses pages is an enclosure",
     "F1/3 H C3/3", [[1, 2, 3]]),
    ("a letterhead page after a letter without footers starts a letter", "F C H C",
     [[1, 2], [3, 4]]),
    ("a continuation at the start of the file is a letter of its own", "C2/2 F1/1",
     [[1], [2]]),
]


@pytest.mark.parametrize(
    ("spec", "expected"), [(s, e) for _, s, e in SPLIT_CASES], ids=[c[0] for c in SPLIT_CASES]
)
def test_split_letters(spec: str, expected: list[list[int]]):
    letters = split_letters(make_pages(spec), "bakke.pdf")
    assert [letter.page_numbers for letter in letters] == expected, spec
    assert all(letter.source == "bakke.pdf" for letter in letters)


def test_first_and_continuation_pages_read_as_such():
    assert page_signals(first_page(1, "Side 1 af 2")) == PageSignals(
        has_recipient_block=True, page_of=(1, 2), has_letterhead=True
    )
    assert page_signals(continuation_page(7, "Side 2 af 2")) == PageSignals(
        has_recipient_block=False, page_of=(2, 2), has_letterhead=False
    )
    assert page_signals(readdressed_continuation(2, "Side 2 af 3")).has_recipient_block
    assert page_signals(letterhead_page(2)).has_letterhead


@pytest.mark.parametrize("postcode_line", ["8370 Hadsten", '"8850 Bjerringbro', "8881.Thorsø",
                                           "DK-8370 Hadsten", "837O Hadsten"])
def test_recipient_block_despite_ocr_marks_in_the_postcode_line(postcode_line: str):
    window = [line("Mads Nørgaard", 22, 54), line("Kærvænget 3, 2. tv.", 22, 59),
              line(postcode_line, 22, 64)]
    assert page_signals(page(1, *LETTERHEAD, *window, *INFO, *body(110, 8))).has_recipient_block


def test_recipient_block_with_cpr_line_and_info_block_below():
    """GIVEN the window shows a CPR line under the address and an info block follows below."""
    cpr = line("CPR-nr. 010203-1234", 22, 69)
    info_block = [line("Dato 25. november 2026", 38, 96), line("Sagsnr. 27.12.04", 35, 101)]
    signals = page_signals(page(1, *LETTERHEAD, *WINDOW, cpr, *info_block, *body(130, 8)))
    assert signals.has_recipient_block


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param([line("Jens Hansen", 22, 54), line("Skovvej 4", 22, 59)], id="no postcode"),
        pytest.param([line("8370 Hadsten", 22, 54)], id="postcode alone"),
        pytest.param(body(40, 6), id="body text"),
        pytest.param([line("Klage", 22, 54), line("8000 Aarhus C, eller skriv til os i dag", 22,
                                                   59, x1=180)], id="long postcode line"),
    ],
)
def test_not_a_recipient_block(lines: list[list[Word]]):
    assert not page_signals(page(1, *lines)).has_recipient_block


def test_letterhead_by_rows_or_large_type():
    same_size = [line("Favrskov Kommune", 20, 13), line("Jobcenter", 20, 20),
                 line("Skovvej 20", 20, 27)]
    assert page_signals(page(1, *same_size, *body(120, 5))).has_letterhead
    large_name = [line("Favrskov Kommune", 20, 13, height=6.3), line("Jobcenter", 20, 21)]
    assert page_signals(page(1, *large_name, *body(120, 5))).has_letterhead
    assert not page_signals(page(1, *CONTINUATION_HEADER, *body(60, 5))).has_letterhead
    # a heading high on a continuation page, then body text from 34 mm
    heading = line("Klagevejledning", 20, 27)
    assert not page_signals(page(1, *CONTINUATION_HEADER, heading, *body(34, 8))).has_letterhead


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Side 2 af 3", (2, 3)), ("side 2/3", (2, 3)), ("Side 2 af3", (2, 3)),
        ("Side2 af 3", (2, 3)), ("SIDE 1 AF 1", (1, 1)), ("Side 2 / 3", (2, 3)),
        ("Side l af 2", (1, 2)), ("Sidc 2 af 2", (2, 2)), ("S1de 10 af 12", (10, 12)),
        ("Side 2 af 3.", (2, 3)), ("Side 1 af i", (1, 1)), ("Side L af 2", (1, 2)),
        ("Side 7 af 3", None), ("Side 0 af 2", None), ("se side 2 af vejledningen", None),
        ("Sjde Z af 3", None), ("Side 2 af 300", None), ("Sagsnr. 2/3", None),
    ],
)
def test_parse_page_of(text: str, expected: tuple[int, int] | None):
    assert parse_page_of(text) == expected, text


def test_page_count_in_body_text_is_ignored():
    """Only the footer or header band is read: a sentence in the body does not count."""
    mention = line("jf. side 1 af 2 i vejledningen", 20, 150)
    signals = page_signals(page(1, *CONTINUATION_HEADER, *body(27, 8), mention, *side(None)))
    assert signals.page_of is None


# --- conservation ---------------------------------------------------------------------------------

PAGE_KINDS = ["B", "N", "S", "E", "W", "P", "H", "F", "C", "C?", "F1/1", "F1/2", "F1/3",
              "C2/2", "C2/3", "C3/3", "C7/2", "X2/3"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PAGE_KINDS), max_size=14))
def test_every_content_page_ends_up_in_exactly_one_letter(kinds: list[str]):
    pages = make_pages(" ".join(kinds))
    letters = split_letters(pages, "bakke.pdf")
    content = [p.number for p, k in zip(pages, kinds, strict=True) if k not in ("B", "N", "S")]
    assert [n for letter in letters for n in letter.page_numbers] == content
    assert all(letter.pages for letter in letters)
    starts = {letter.page_numbers[0] for letter in letters}
    for before, after in zip(pages, pages[1:], strict=False):
        if before.is_separator and after.number in content:
            assert after.number in starts  # a separator always ends the letter before it


# --- separator sheets on rendered pages -----------------------------------------------------------

DPI = 200


def render(draw) -> np.ndarray:
    """An A4 page drawn by reportlab, rasterised grey at 200 dpi like a scan."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    draw(pdf)
    pdf.showPage()
    pdf.save()
    document = pdfium.PdfDocument(buffer.getvalue())
    try:
        bitmap = document[0].render(scale=DPI / 72, grayscale=True)
        return np.ascontiguousarray(bitmap.to_numpy())
    finally:
        document.close()


def barcode_page(kind: str, value: str) -> np.ndarray:
    def draw(pdf: canvas.Canvas) -> None:
        if kind == "QR":
            drawing = createBarcodeDrawing("QR", value=value, width=45 * mm, height=45 * mm)
        else:
            drawing = createBarcodeDrawing(
                "Code128", value=value, barWidth=0.3 * mm, barHeight=15 * mm, humanReadable=True
            )
        renderPDF.draw(drawing, pdf, 60 * mm, 160 * mm)
        pdf.setFont("Helvetica", 16)
        pdf.drawString(60 * mm, 140 * mm, "Separatorark")
    return render(draw)


def letter_page() -> np.ndarray:
    def draw(pdf: canvas.Canvas) -> None:
        pdf.setFont("Helvetica-Bold", 18)
        pdf.drawString(20 * mm, 278 * mm, "Favrskov Kommune")
        pdf.setFont("Helvetica", 10)
        for k, text in enumerate(["Jens Hansen", "Skovvej 4", "8370 Hadsten"]):
            pdf.drawString(22 * mm, (240 - 4.8 * k) * mm, text)
        for k in range(30):
            pdf.drawString(20 * mm, (180 - 4.8 * k) * mm,
                           "Vi har behandlet din sag og lagt vægt på de oplysninger du har givet.")
    return render(draw)


def scanned(image: np.ndarray, skew_deg: float = 2.0, upside_down: bool = False,
            seed: int = 0) -> np.ndarray:
    """Skewed, noisy (sigma 8 grey levels, paper grey) and possibly upside down."""
    if upside_down:
        image = np.ascontiguousarray(image[::-1, ::-1])
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
    image = cv2.warpAffine(image, matrix, (w, h), borderValue=255)
    rng = np.random.default_rng(seed)
    noisy = image.astype(np.float32) * 0.94 + 6.0 + rng.normal(0.0, 8.0, image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    ("kind", "value", "skew", "upside_down", "expected"),
    [
        pytest.param("Code128", SEPARATOR_TEXT, 2.0, False, True, id="code128-skewed"),
        pytest.param("QR", SEPARATOR_TEXT, -2.0, False, True, id="qr-skewed"),
        pytest.param("Code128", SEPARATOR_TEXT, 3.0, True, True, id="code128-upside-down"),
        pytest.param("QR", SEPARATOR_TEXT, 2.0, True, True, id="qr-upside-down"),
        pytest.param("Code128", "PATCH2", 2.0, False, False, id="other-patch-code"),
        pytest.param("QR", "INVOICE-123", 2.0, False, False, id="other-qr"),
        pytest.param("Code128", "PATCHT-1", 0.0, False, False, id="patcht-prefix"),
    ],
)
def test_separator_sheet_is_recognised_by_its_barcode(kind, value, skew, upside_down, expected):
    image = scanned(barcode_page(kind, value), skew, upside_down)
    assert image.shape == (2339, 1654)
    assert is_separator(image) is expected


def test_sideways_separator_sheet_is_recognised():
    image = np.ascontiguousarray(np.rot90(scanned(barcode_page("Code128", SEPARATOR_TEXT))))
    assert is_separator(image)


def test_letter_and_empty_pages_are_not_separators():
    assert not is_separator(scanned(letter_page()))
    assert not is_separator(scanned(np.full((2339, 1654), 255, np.uint8)))


def test_large_scan_is_searched_shrunk():
    """A 400-dpi separator sheet is shrunk before the search and still found."""
    image = scanned(barcode_page("Code128", SEPARATOR_TEXT))
    large = cv2.resize(image, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    assert is_separator(large)
