"""Separator sheets as people print them, made here (zxing's writer, OpenCV's text), never
copied from another project: Code 39 with Paperless-style instructions, Code 128, QR, Data
Matrix, Aztec; fax-quality, blurred, perspective-distorted, mirrored. Each must be searched
(its marks have a barcode's shape) and read; letter pages must not be searched."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest
import zxingcpp

from postbakke.reading import marks
from postbakke.reading.barcodes import is_separator

DPI = 200
PX_PER_MM = DPI / 25.4
A4_PX = (round(297 * PX_PER_MM), round(210 * PX_PER_MM))

INSTRUCTIONS = [
    "SEPARATOR SHEET - PATCH T",
    "Place this sheet between documents before scanning.",
    "The scanner splits the batch here; this page is discarded.",
    "Laeg arket mellem to breve. Arket scannes med og springes over.",
    "Sporgsmal: Postrummet, lokal 1234, tlf. 8964 1010",
]


def sheet(fmt: str, text: str = "PATCHT", width_mm: float = 80.0, top_mm: float = 40.0,
          instructions: bool = True) -> np.ndarray:
    """An A4 page at 200 dpi with one barcode `width_mm` wide and lines of instructions."""
    page = np.full(A4_PX, 255, np.uint8)
    code = np.array(zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, fmt))
                    .to_image(scale=1))
    if code.ndim == 3:
        code = cv2.cvtColor(code, cv2.COLOR_RGB2GRAY)
    linear = code.shape[0] != code.shape[1] and fmt not in ("PDF417",)
    width = round(width_mm * PX_PER_MM)
    height = round((15 if linear else width_mm) * PX_PER_MM) if linear else round(
        width * code.shape[0] / code.shape[1])
    code = cv2.resize(code, (width, height), interpolation=cv2.INTER_NEAREST)
    y0, x0 = round(top_mm * PX_PER_MM), (A4_PX[1] - width) // 2
    page[y0:y0 + height, x0:x0 + width] = code
    if instructions:
        y = y0 + height + round(15 * PX_PER_MM)
        for line in INSTRUCTIONS * 3:
            cv2.putText(page, line, (round(20 * PX_PER_MM), y), cv2.FONT_HERSHEY_SIMPLEX,
                        1.0, 0, 2, cv2.LINE_AA)
            y += round(8 * PX_PER_MM)
    return page


def fax(image: np.ndarray) -> np.ndarray:
    """Fax fine mode: 204 x 98 dpi, black and white, back to 200 dpi."""
    h, w = image.shape
    small = cv2.resize(image, (round(w * 204 / DPI), round(h * 98 / DPI)),
                       interpolation=cv2.INTER_AREA)
    small = np.where(small < 140, 0, 255).astype(np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


def blurred(image: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), 1.6)


def distorted(image: np.ndarray) -> np.ndarray:
    """A page photographed or fed at an angle: a perspective warp, corners moved 2-3 %."""
    h, w = image.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[0.02 * w, 0.01 * h], [0.97 * w, 0.03 * h], [w, 0.98 * h],
                      [0.01 * w, h]])
    return cv2.warpPerspective(image, cv2.getPerspectiveTransform(src, dst), (w, h),
                               borderValue=255)


def mirrored(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(cv2.flip(image, 1))


def noisy(image: np.ndarray, skew_deg: float = 1.5, seed: int = 3) -> np.ndarray:
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
    image = cv2.warpAffine(image, matrix, (w, h), borderValue=255)
    rng = np.random.default_rng(seed)
    return np.clip(image * 0.93 + 8 + rng.normal(0, 10, image.shape), 0, 255).astype(np.uint8)


SHEETS: list[tuple[str, Callable[[], np.ndarray]]] = [
    ("code39 with instructions (Paperless-ngx style)", lambda: noisy(sheet("Code39"))),
    ("code39 small, 50 mm", lambda: noisy(sheet("Code39", width_mm=50))),
    ("code128 with instructions", lambda: noisy(sheet("Code128"))),
    ("qr 40 mm with instructions", lambda: noisy(sheet("QRCode", width_mm=40))),
    ("qr 25 mm", lambda: noisy(sheet("QRCode", width_mm=25))),
    ("data matrix 30 mm", lambda: noisy(sheet("DataMatrix", width_mm=30))),
    ("aztec 30 mm", lambda: noisy(sheet("Aztec", width_mm=30))),
    ("code39 lower case word", lambda: noisy(sheet("Code39", text="patcht"))),
    ("code39 fax quality", lambda: fax(sheet("Code39", width_mm=90))),
    ("code128 fax quality", lambda: fax(sheet("Code128", width_mm=90))),
    ("qr fax quality", lambda: fax(sheet("QRCode", width_mm=40))),
    ("code39 blurred", lambda: noisy(blurred(sheet("Code39", width_mm=90)))),
    ("qr blurred", lambda: noisy(blurred(sheet("QRCode", width_mm=40)))),
    ("code128 distorted", lambda: noisy(distorted(sheet("Code128")))),
    ("data matrix distorted", lambda: noisy(distorted(sheet("DataMatrix", width_mm=30)))),
    ("code39 mirrored", lambda: noisy(mirrored(sheet("Code39")))),
    ("qr mirrored", lambda: noisy(mirrored(sheet("QRCode", width_mm=40)))),
    ("code128 upside down", lambda: noisy(sheet("Code128")[::-1, ::-1].copy())),
]


@pytest.mark.parametrize(("what", "make"), SHEETS, ids=[w for w, _ in SHEETS])
def test_separator_sheet_as_people_print_it_is_searched_and_read(what, make):
    image = make()
    survey = marks.survey_marks(image, DPI)
    assert survey.barcode_like, f"{what}: not searched"
    assert is_separator(image, boxes=survey.barcode_boxes), f"{what}: not read where searched"
    assert is_separator(image), f"{what}: not read on the whole page"


def test_the_word_is_a_setting():
    image = noisy(sheet("Code39", text="SKILLEARK"))
    assert not is_separator(image)
    assert is_separator(image, "SKILLEARK")
    assert not is_separator(noisy(sheet("Code128")), "SKILLEARK")


@pytest.mark.parametrize("text", ["PATCH2", "PATCHT-1", "INVOICE-123"])
def test_other_codes_are_not_separators(text):
    assert not is_separator(noisy(sheet("Code128", text=text)))
    assert not is_separator(noisy(sheet("QRCode", text=text, width_mm=40)))


@pytest.mark.parametrize("kind", ["code128", "qr", "code39-text", "datamatrix-text",
                                  "qr-small-text"])
def test_the_generators_separator_sheets_are_searched_and_read(tmp_path, kind):
    """The samples' own sheets (training: a large Code 128 with 1.1 mm modules, bars up to
    4.4 mm wide; validation: printed sheets with text), skewed and noisy."""
    import pypdfium2 as pdfium

    from postbakke_samples.trays import render_separator_sheet

    pdf = tmp_path / f"{kind}.pdf"
    render_separator_sheet(pdf, kind)
    document = pdfium.PdfDocument(str(pdf))
    image = np.ascontiguousarray(document[0].render(scale=DPI / 72, grayscale=True).to_numpy())
    document.close()
    image = noisy(image, skew_deg=-0.9)
    survey = marks.survey_marks(image, DPI)
    assert survey.barcode_like
    assert is_separator(image, boxes=survey.barcode_boxes)
