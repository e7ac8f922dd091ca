"""File -> pages: type sniffing, hashing, text layers, scans in every format, bad files.

The letters are drawn here with reportlab (positions known to the millimetre),
rasterised at 300 dpi with pypdfium2 and "scanned": turned a little, noise
added, sometimes upside down or sideways. The tests marked `slow` run the real
Tesseract; the others replace it with a fake so that they show what ingest
itself does.
"""

from __future__ import annotations

import hashlib
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

import postbakke_samples as samples
from postbakke.errors import (
    EncryptedFileError,
    InputFileError,
    PageTimeoutError,
    UnsupportedFileError,
)
from postbakke.models import Page, Word
from postbakke.reading import ingest, marks, ocr, raster
from postbakke.reading.files import looks_complete

SCAN_DPI = 300
RECIPIENT = ("Birgitte Østergaard", "Søndergade 17, 2. tv.", "8600 Silkeborg")
RECIPIENT_X_MM = 22.0
RECIPIENT_BASELINES_MM = (55.0, 60.5, 66.0)
CPR_LINE = "CPR-nr.: 010203-1234"
INFO_X_MM = 128.0
INFO_LINES = (
    "Dato: 12. marts 2026",
    "Sagsnr.: 27.12.08-G01-3-26",
    CPR_LINE,
    "Sagsbehandler: Jens Mørk",
    "Direkte tlf.: 89 64 12 34",
)
INFO_BASELINES_MM = tuple(52.0 + 4.8 * i for i in range(len(INFO_LINES)))
CPR_BASELINE_MM = INFO_BASELINES_MM[INFO_LINES.index(CPR_LINE)]
SUBJECT = "Afgørelse om hjælp til tandbehandling"
BODY = (
    "Kommunen har modtaget din ansøgning om økonomisk hjælp til tandbehandling.",
    "Vi har behandlet ansøgningen og kan oplyse, at du får bevilget hjælp til",
    "den del af udgiften, som overstiger egenbetalingen. Beløbet bliver udbetalt",
    "til din NemKonto inden for fjorten dage. Hvis du ønsker at klage over",
    "afgørelsen, skal du sende klagen til kommunen inden fire uger.",
    "Vi gør opmærksom på, at du har pligt til at oplyse os om ændringer i din",
    "økonomi, som kan få betydning for hjælpen. Det gælder også for din ægtefælle.",
)
PAGE_TWO_HEADING = "Vejledning om klage"


# --- the letter factory --------------------------------------------------------------------------


def draw_letter(path: Path, encrypt: pdfencrypt.StandardEncryption | None = None) -> Path:
    """A two-page municipal letter with a text layer, laid out for a window envelope."""
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt, invariant=1)
    _, height = A4

    def text(x_mm: float, y_mm: float, s: str, font: str = "Helvetica", size: float = 10.5):
        c.setFont(font, size)
        c.drawString(x_mm * mm, height - y_mm * mm, s)

    text(20, 18, "Favrskov Kommune", "Helvetica-Bold", 16)
    text(20, 25, "Børn og Familie · Skovvej 20 · 8382 Hinnerup · Tlf. 89 64 10 10", size=9)
    c.line(20 * mm, height - 29 * mm, 190 * mm, height - 29 * mm)
    for line, y in zip(RECIPIENT, RECIPIENT_BASELINES_MM, strict=True):
        text(RECIPIENT_X_MM, y, line, size=11)
    for line, y in zip(INFO_LINES, INFO_BASELINES_MM, strict=True):
        text(INFO_X_MM, y, line, size=9.5)
    text(20, 100, SUBJECT, "Helvetica-Bold", 12)
    y = 112.0
    for line in ("Kære Birgitte", "", *BODY, "", "Med venlig hilsen", "", "Jens Mørk"):
        if line:
            text(20, y, line)
        y += 5.5
    text(20, y, "Socialrådgiver")
    text(175, 287, "Side 1 af 2", size=8)
    c.showPage()
    text(20, 20, PAGE_TWO_HEADING, "Helvetica-Bold", 12)
    y = 32.0
    for line in BODY * 2:
        text(20, y, line)
        y += 5.5
    text(175, 287, "Side 2 af 2", size=8)
    c.showPage()
    c.save()
    return path


def rasterise(pdf: Path, page: int, dpi: int = SCAN_DPI) -> np.ndarray:
    document = pdfium.PdfDocument(str(pdf))
    try:
        image = document[page].render(scale=dpi / 72, grayscale=True).to_numpy()
    finally:
        document.close()
    return np.ascontiguousarray(image if image.ndim == 2 else image[..., 0])


def scan(
    clean: np.ndarray, skew_deg: float = 0.0, turn: int = 0, noise: float = 8.0, seed: int = 0
) -> np.ndarray:
    """What a mailroom scanner makes of the page: a tilt (counter-clockwise), a turn
    (clockwise, in 90 degree steps), grey paper, sensor noise and dust specks."""
    rng = np.random.default_rng(seed)
    height, width = clean.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), skew_deg, 1.0)
    page = cv2.warpAffine(clean, matrix, (width, height), borderValue=255).astype(np.float32)
    page = page * 0.94 + 6 + rng.normal(0, noise, page.shape)
    specks = rng.random(page.shape) < 0.0005
    page[specks] = 20
    page = np.clip(page, 0, 255).astype(np.uint8)
    rotations = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180}
    return cv2.rotate(page, rotations[turn]) if turn else page


def blank_scan(seed: int = 0, dpi: int = SCAN_DPI) -> np.ndarray:
    """An empty back page: grey paper, noise, dust, two punch holes in the margin."""
    width, height = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    page = np.full((height, width), 255, np.uint8)
    for y_mm in (100, 200):
        center = (round(12 / 25.4 * dpi), round(y_mm / 25.4 * dpi))
        cv2.circle(page, center, round(3 / 25.4 * dpi), 30, -1)
    return scan(page, noise=12, seed=seed)


@dataclass(frozen=True)
class Letter:
    pdf: Path
    page1: np.ndarray  # 300 dpi rasters of the clean pages
    page2: np.ndarray


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> Letter:
    pdf = draw_letter(tmp_path_factory.mktemp("brev") / "brev.pdf")
    return Letter(pdf=pdf, page1=rasterise(pdf, 0), page2=rasterise(pdf, 1))


def save(image: np.ndarray, path: Path, dpi: int | None = SCAN_DPI, **options) -> Path:
    if dpi:
        options["dpi"] = (dpi, dpi)
    Image.fromarray(image).save(path, **options)
    return path


def line_with(page: Page, needle: str):
    lines = [line for line in page.lines if needle in line.text]
    assert lines, f"{needle!r} not read; page text:\n{page.text}"
    return lines[0]


def assert_drawn_at(page: Page, needle: str, x_mm: float, baseline_mm: float) -> None:
    """The line holding `needle` starts at x_mm and sits on baseline_mm (within 2 mm)."""
    line = line_with(page, needle)
    assert abs(line.x0 - x_mm) < 2.0, f"{needle!r} starts at {line.x0:.1f} mm, drawn at {x_mm}"
    assert line.y0 - 2.0 < baseline_mm - 1.0 < line.y1 + 2.0, (
        f"{needle!r} spans y {line.y0:.1f}-{line.y1:.1f} mm, drawn on baseline {baseline_mm}"
    )


class FakeOcr:
    """Stands in for Tesseract: records its calls, returns one fixed word per page.

    A crop read again (ingest's second look, with a `psm`) is recorded apart and reads
    as nothing."""

    def __init__(self, words: list[Word] | None = None, error: Exception | None = None):
        self.calls: list[tuple[np.ndarray, int]] = []
        self.crops: list[tuple[np.ndarray, int]] = []
        self.words = words if words is not None else [
            Word(f"ord{i}", 20 + 10 * i, 50, 28 + 10 * i, 54, 95) for i in range(10)
        ]
        self.error = error

    def __call__(
        self, image: np.ndarray, dpi: int, timeout_s: float, psm: int | None = None
    ) -> list[Word]:
        if psm is not None:
            self.crops.append((image, dpi))
            return []
        self.calls.append((image, dpi))
        if self.error:
            raise self.error
        return list(self.words)


@pytest.fixture
def fake_ocr(monkeypatch: pytest.MonkeyPatch) -> FakeOcr:
    fake = FakeOcr()
    monkeypatch.setattr(ocr, "ocr_image", fake)
    return fake


# --- sniffing and hashing ------------------------------------------------------------------------

MAGIC_SAMPLES = [
    ("scan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
    ("junk-before-header.pdf", b"\r\n\r\n%PDF-1.4\n", "pdf"),
    ("scan.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
    ("scan.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
    ("scan.tif", b"II*\x00\x08\x00\x00\x00", "tiff"),
    ("scan.tiff", b"MM\x00*\x00\x00\x00\x08", "tiff"),
    ("png-named.pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
    ("pdf-named.jpg", b"%PDF-1.4\n", "pdf"),
    ("no-suffix", b"\xff\xd8\xff\xdb", "jpeg"),
]


@pytest.mark.parametrize(("name", "head", "kind"), MAGIC_SAMPLES)
def test_file_type_is_read_from_the_bytes_not_the_name(tmp_path, name, head, kind):
    path = tmp_path / name
    path.write_bytes(head + b"\x00" * 64)
    assert ingest.sniff_type(path) == kind, name


@pytest.mark.parametrize(
    ("name", "content", "error", "reason"),
    [
        ("tom.pdf", b"", InputFileError, "filen er tom"),
        ("tom.png", b"", InputFileError, "filen er tom"),
        ("brev.docx", b"PK\x03\x04" + b"\x00" * 64, UnsupportedFileError, "ukendt filtype"),
        ("noter.txt", "Kære Birgitte".encode(), UnsupportedFileError, "ukendt filtype"),
        ("brev.pdf", b"<html><body>404</body></html>", UnsupportedFileError, "ikke en PDF-fil"),
    ],
)
def test_unreadable_file_kinds_are_refused_with_a_danish_reason(
    tmp_path, name, content, error, reason
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error) as caught:
        ingest.read_pages(path, tmp_path / "work")
    assert reason in caught.value.reason
    assert caught.value.file == name
    assert str(caught.value).startswith(f"{name}: ")


def test_content_hash_is_sha256_of_the_bytes_read_in_chunks(tmp_path):
    data = bytes(range(256)) * 9000  # 2.3 MB: more than one chunk
    path = tmp_path / "stor.tif"
    path.write_bytes(data)
    assert ingest.content_hash(path) == hashlib.sha256(data).hexdigest()


# --- PDFs: text layer, image-only pages, broken and locked files -----------------------------


def test_text_layer_pdf_is_read_without_ocr(letter, tmp_path, monkeypatch):
    """GIVEN a letter printed to PDF WHEN it is read THEN its own words are used, in mm."""

    def no_ocr(*args, **kwargs):
        raise AssertionError("a text-layer page must not be OCR'd")

    monkeypatch.setattr(ocr, "ocr_image", no_ocr)
    pages = ingest.read_pages(letter.pdf, tmp_path)
    assert [p.number for p in pages] == [1, 2]
    first = pages[0]
    assert first.method == "text"
    # kept as an image for the work station, at the screen's size
    assert Image.open(first.image_path).size == pytest.approx((1100, 1555), abs=3)
    assert first.width_mm == pytest.approx(210, abs=0.5)
    assert first.height_mm == pytest.approx(297, abs=0.5)
    assert all(w.conf == 100 for w in first.words)
    assert_drawn_at(first, RECIPIENT[0], RECIPIENT_X_MM, RECIPIENT_BASELINES_MM[0])
    assert_drawn_at(first, CPR_LINE, INFO_X_MM, CPR_BASELINE_MM)
    assert line_with(first, RECIPIENT[0]).text == RECIPIENT[0]
    assert line_with(first, "CPR-nr.").text == CPR_LINE
    assert PAGE_TWO_HEADING in pages[1].text


def test_pdf_mixing_text_and_scanned_pages_ocrs_only_the_scanned_one(letter, tmp_path, fake_ocr):
    scanned = tmp_path / "scannet.pdf"
    save(scan(letter.page2, skew_deg=1.0), scanned, dpi=None, resolution=float(SCAN_DPI))
    mixed = tmp_path / "blandet.pdf"
    document = pdfium.PdfDocument(str(letter.pdf))
    document.del_page(1)
    document.import_pages(pdfium.PdfDocument(str(scanned)))
    document.save(str(mixed))
    document.close()

    pages = ingest.read_pages(mixed, tmp_path / "work")
    assert [p.method for p in pages] == ["text", "ocr"]
    assert len(fake_ocr.calls) == 1
    image, dpi = fake_ocr.calls[0]
    assert dpi == ingest.OCR_DPI and image.shape == pytest.approx((2339, 1654), abs=2)
    assert pages[1].image_path and Path(pages[1].image_path).is_file()
    assert Image.open(pages[1].image_path).size == pytest.approx((1654, 2339), abs=2)


def test_truncated_pdf_is_set_aside_as_damaged(letter, tmp_path):
    data = letter.pdf.read_bytes()
    for cut in (len(data) // 2, len(data) - 40):
        path = tmp_path / f"afkortet-{cut}.pdf"
        path.write_bytes(data[:cut])
        with pytest.raises(InputFileError) as caught:
            ingest.read_pages(path, tmp_path / "work")
        assert "PDF-filen er beskadiget" in caught.value.reason


def test_pdf_with_garbage_after_its_header_is_damaged(tmp_path):
    path = tmp_path / "skrald.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"ikke en pdf " * 200 + b"\n%%EOF\n")
    with pytest.raises(InputFileError) as caught:
        ingest.read_pages(path, tmp_path / "work")
    assert caught.value.reason == "PDF-filen er beskadiget"


def test_password_protected_pdf_is_refused_as_encrypted(tmp_path):
    locked = pdfencrypt.StandardEncryption("hemmelig", ownerPassword="ejer")
    path = draw_letter(tmp_path / "laast.pdf", encrypt=locked)
    with pytest.raises(EncryptedFileError) as caught:
        ingest.read_pages(path, tmp_path / "work")
    assert caught.value.reason == "PDF-filen er krypteret eller beskyttet med adgangskode"


def test_pdf_with_only_an_owner_password_is_still_read(tmp_path, fake_ocr):
    """Printing/copy restrictions without an opening password do not stop reading."""
    restricted = pdfencrypt.StandardEncryption("", ownerPassword="ejer", canCopy=0)
    path = draw_letter(tmp_path / "begraenset.pdf", encrypt=restricted)
    pages = ingest.read_pages(path, tmp_path / "work")
    assert line_with(pages[0], "CPR-nr.").text == CPR_LINE


# --- images: formats, resolution, blank pages, bombs ---------------------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size but holds almost nothing: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [9_000, 40_000])  # our limit (81 Mpx), Pillow's own (1.6 Gpx)
def test_absurdly_large_image_is_refused_before_decoding(tmp_path, fake_ocr, side):
    path = tmp_path / "bombe.png"
    path.write_bytes(_png_header_only(side, side))
    with pytest.raises(InputFileError) as caught:
        ingest.read_pages(path, tmp_path / "work")
    assert caught.value.reason == "billedet er for stort"
    assert not fake_ocr.calls


def test_damaged_image_is_set_aside(tmp_path, letter):
    good = save(scan(letter.page1), tmp_path / "god.png")
    path = tmp_path / "beskadiget.png"
    path.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(InputFileError) as caught:
        ingest.read_pages(path, tmp_path / "work")
    assert caught.value.reason == "billedfilen er beskadiget"


@pytest.mark.parametrize(
    ("dpi_written", "options"),
    [
        (SCAN_DPI, {}),  # honest metadata
        (None, {}),  # none: A4 width assumed
        (72, {"quality": 90}),  # a converter's 72 dpi default: implausible, A4 assumed
    ],
)
def test_image_resolution_comes_from_metadata_or_a4_width(
    tmp_path, letter, fake_ocr, dpi_written, options
):
    suffix = ".jpg" if options else ".png"
    path = save(scan(letter.page1), tmp_path / f"brev{suffix}", dpi=dpi_written, **options)
    (page,) = ingest.read_pages(path, tmp_path / "work")
    assert page.width_mm == pytest.approx(210, abs=1)
    assert page.height_mm == pytest.approx(297, abs=1)
    assert fake_ocr.calls[0][1] == ingest.OCR_DPI
    assert Image.open(page.image_path).size == pytest.approx((1654, 2339), abs=2)


def test_bilevel_fax_tiff_is_read_and_its_blank_page_skipped(tmp_path, letter, fake_ocr):
    """Mailroom scanners often write 1-bit CCITT group 4 TIFFs."""

    def bilevel(image: np.ndarray) -> Image.Image:
        return Image.fromarray(np.where(image > 140, 255, 0).astype(np.uint8)).convert("1")

    path = tmp_path / "fax.tif"
    frames = [bilevel(scan(letter.page1, skew_deg=1.0)), bilevel(blank_scan())]
    frames[0].save(
        path, save_all=True, append_images=frames[1:], compression="group4",
        dpi=(SCAN_DPI, SCAN_DPI),
    )
    first, second = ingest.read_pages(path, tmp_path / "work")
    assert first.words and first.skew_deg == pytest.approx(1.0, abs=0.3)
    assert second.words == ()
    assert len(fake_ocr.calls) == 1


def test_blank_back_page_is_not_ocrd(tmp_path, fake_ocr):
    path = save(blank_scan(), tmp_path / "bagside.png")
    (page,) = ingest.read_pages(path, tmp_path / "work")
    assert page.words == () and page.error is None and page.image_path is None
    assert not fake_ocr.calls


def test_page_over_its_time_limit_is_marked_and_the_rest_is_read(tmp_path, letter, monkeypatch):
    class SlowFirstPage(FakeOcr):
        def __call__(self, image, dpi, timeout_s, psm=None):
            if not self.calls:
                self.calls.append((image, dpi))
                raise PageTimeoutError("OCR af siden tog mere end 30 sekunder og blev afbrudt")
            return super().__call__(image, dpi, timeout_s, psm)

    monkeypatch.setattr(ocr, "ocr_image", SlowFirstPage())
    path = tmp_path / "to-sider.tif"
    frames = [Image.fromarray(scan(letter.page1)), Image.fromarray(scan(letter.page2))]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(SCAN_DPI, SCAN_DPI))
    first, second = ingest.read_pages(path, tmp_path / "work")
    assert first.error and "sekunder" in first.error and first.words == ()
    assert second.error is None and second.words


def test_low_confidence_reading_is_retried_upside_down_and_the_better_kept(
    tmp_path, letter, monkeypatch
):
    garbage = [Word("ʇǝʞ", 20, 50, 30, 54, 30.0) for _ in range(20)]
    good = [Word("Birgitte", 22, 52, 40, 56, 96.0) for _ in range(20)]

    class TurnedScan(FakeOcr):
        def __call__(self, image, dpi, timeout_s, psm=None):
            if psm is not None:
                return super().__call__(image, dpi, timeout_s, psm)
            super().__call__(image, dpi, timeout_s)
            return good if len(self.calls) == 2 else garbage

    fake = TurnedScan()
    monkeypatch.setattr(ocr, "ocr_image", fake)
    # an upright page whose first reading is garbage (a harsh scan): the turned one is tried
    path = save(scan(letter.page1), tmp_path / "vendt.png")
    (page,) = ingest.read_pages(path, tmp_path / "work")
    assert page.rotation == 180 and page.words[0].text == "Birgitte"
    assert len(fake.calls) == 2
    first, second = (image for image, _ in fake.calls)
    assert np.array_equal(second, first[::-1, ::-1]), "the second reading is of the turned page"
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == [Path(page.image_path).name]
    kept = np.asarray(Image.open(page.image_path)).astype(int)  # JPEG: near, not equal
    assert np.abs(kept - second).mean() < 1.0 < np.abs(kept - first).mean()


def test_upside_down_scan_is_turned_before_it_is_read_once(tmp_path, letter, fake_ocr):
    path = save(scan(letter.page1, turn=180, skew_deg=1.0), tmp_path / "vendt.png")
    (page,) = ingest.read_pages(path, tmp_path / "work")
    assert page.rotation == 180 and len(fake_ocr.calls) == 1
    upright = save(scan(letter.page1, skew_deg=1.0), tmp_path / "oprejst.png")
    (page,) = ingest.read_pages(upright, tmp_path / "work")
    assert page.rotation == 0 and len(fake_ocr.calls) == 2


def colour_scan(clean: np.ndarray) -> np.ndarray:
    """A colour scan of `clean`: the letterhead in municipal blue, a red stamp, cream paper."""
    page = np.repeat(scan(clean, noise=4.0)[:, :, None], 3, axis=2).astype(np.float32)
    head = page[: round(30 / 25.4 * SCAN_DPI)]
    ink = head[:, :, 0] < 128
    head[ink] = (20, 60, 140)
    stamp = (slice(round(140 / 25.4 * SCAN_DPI), round(155 / 25.4 * SCAN_DPI)),
             slice(round(140 / 25.4 * SCAN_DPI), round(190 / 25.4 * SCAN_DPI)))
    page[stamp] *= np.array([0.95, 0.5, 0.5], np.float32)
    page *= np.array([1.0, 0.97, 0.9], np.float32)
    return np.clip(page, 0, 255).astype(np.uint8)


def test_colour_scans_in_every_format_reach_ocr_as_the_same_grey_page(
    tmp_path, letter, fake_ocr
):
    """GIVEN one colour scan stored as an RGB JPEG in an image-only PDF, an RGB JPEG TIFF,
    an RGB JPEG, an RGB PNG and an RGBA PNG (paper transparent)
    WHEN each is read THEN each is one complete page, OCR'd once, in grey, and all agree."""
    from postbakke_samples.scanner import JpegPdfWriter, JpegTiffWriter

    rgb = colour_scan(letter.page1)
    files = []
    for name, writer_cls in (("farve.pdf", JpegPdfWriter), ("farve.tif", JpegTiffWriter)):
        writer = writer_cls(tmp_path / name, SCAN_DPI)
        writer.add(rgb, 80)
        writer.close()
        files.append(tmp_path / name)
    files.append(save(rgb, tmp_path / "farve.jpg", quality=85))
    files.append(save(rgb, tmp_path / "farve.png"))
    alpha = np.where(rgb.min(axis=2) > 200, 0, 255).astype(np.uint8)
    files.append(save(np.dstack([rgb, alpha]), tmp_path / "farve-alfa.png"))
    with Image.open(files[1]) as tiff:
        assert tiff.mode == "RGB"
    assert b"/DeviceRGB" in files[0].read_bytes()
    reference = ingest.read_pages(save(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), tmp_path / "gr.png"),
                                  tmp_path / "work")[0]
    grey_seen = fake_ocr.calls[-1][0]
    for path in files:
        assert looks_complete(path), path.name
        (page,) = ingest.read_pages(path, tmp_path / "work")
        image, _ = fake_ocr.calls[-1]
        assert page.error is None and page.words, path.name
        assert image.ndim == 2 and image.dtype == np.uint8, path.name
        h, w = (min(a, b) for a, b in zip(image.shape, grey_seen.shape, strict=True))
        assert max(image.shape[0] - h, image.shape[1] - w) <= 1  # a PDF's points round
        assert page.rotation == reference.rotation, path.name
        agree = np.mean(np.abs(image[:h, :w].astype(int) - grey_seen[:h, :w].astype(int)) < 40)
        assert agree > 0.99, (path.name, agree)
        ink = grey_seen[:h, :w] < 128  # the print, where a wrong conversion would show
        assert np.mean(image[:h, :w][ink] < 128) > 0.85, path.name  # PDF: resampled 1 px
    assert len(fake_ocr.calls) == len(files) + 1


# --- real Tesseract on generated scans -----------------------------------------------------------


@pytest.mark.slow
def test_skewed_noisy_png_reads_recipient_and_cpr_where_they_were_printed(tmp_path, letter):
    path = save(scan(letter.page1, skew_deg=2.0, seed=1), tmp_path / "brev.png")
    (page,) = ingest.read_pages(path, tmp_path / "work")
    assert page.method == "ocr" and page.rotation == 0 and page.error is None
    assert page.skew_deg == pytest.approx(2.0, abs=0.3)
    assert Path(page.image_path).is_file()
    assert line_with(page, "Birgitte").text == RECIPIENT[0]
    assert line_with(page, "CPR").text == CPR_LINE
    assert_drawn_at(page, RECIPIENT[0], RECIPIENT_X_MM, RECIPIENT_BASELINES_MM[0])
    assert_drawn_at(page, RECIPIENT[2], RECIPIENT_X_MM, RECIPIENT_BASELINES_MM[2])
    assert_drawn_at(page, CPR_LINE, INFO_X_MM, CPR_BASELINE_MM)
    assert page.mean_conf > 80


@pytest.mark.slow
def test_upside_down_jpeg_comes_out_upright(tmp_path, letter):
    image = scan(letter.page1, skew_deg=-1.5, turn=180, seed=2)
    path = save(image, tmp_path / "vendt.jpg", dpi=None, quality=85)
    (page,) = ingest.read_pages(path, tmp_path / "work")
    assert page.rotation == 180
    assert page.skew_deg == pytest.approx(-1.5, abs=0.3)
    assert line_with(page, "CPR").text == CPR_LINE
    assert_drawn_at(page, RECIPIENT[0], RECIPIENT_X_MM, RECIPIENT_BASELINES_MM[0])
    assert_drawn_at(page, CPR_LINE, INFO_X_MM, CPR_BASELINE_MM)


@pytest.mark.slow
def test_two_frame_tiff_gives_two_pages_and_a_blank_third_is_empty(tmp_path, letter):
    path = tmp_path / "bakke.tif"
    frames = [
        Image.fromarray(scan(letter.page1, skew_deg=0.7, seed=3)),
        Image.fromarray(scan(letter.page2, skew_deg=-0.4, seed=4)),
        Image.fromarray(blank_scan(seed=5)),
    ]
    frames[0].save(
        path, save_all=True, append_images=frames[1:], dpi=(SCAN_DPI, SCAN_DPI),
        compression="tiff_deflate",
    )
    pages = ingest.read_pages(path, tmp_path / "work")
    assert [p.number for p in pages] == [1, 2, 3]
    assert line_with(pages[0], "Birgitte").text == RECIPIENT[0]
    assert PAGE_TWO_HEADING in pages[1].text
    assert pages[2].words == ()
    assert [p.skew_deg for p in pages[:2]] == [
        pytest.approx(0.7, abs=0.3), pytest.approx(-0.4, abs=0.3)
    ]


@pytest.mark.slow
def test_image_only_pdf_is_ocrd(tmp_path, letter):
    path = tmp_path / "scannet.pdf"
    save(scan(letter.page1, skew_deg=1.2, seed=6), path, dpi=None, resolution=float(SCAN_DPI))
    (page,) = ingest.read_pages(path, tmp_path / "work")
    assert page.method == "ocr"
    assert_drawn_at(page, CPR_LINE, INFO_X_MM, CPR_BASELINE_MM)
    assert_drawn_at(page, RECIPIENT[1], RECIPIENT_X_MM, RECIPIENT_BASELINES_MM[1])


@pytest.mark.slow
def test_sideways_scan_is_turned_upright(tmp_path, letter):
    path = save(scan(letter.page1, turn=90, seed=7), tmp_path / "paa-siden.png")
    (page,) = ingest.read_pages(path, tmp_path / "work")
    assert page.rotation == 270  # turned 270 degrees clockwise = 90 back
    assert page.width_mm == pytest.approx(210, abs=1)
    assert_drawn_at(page, RECIPIENT[0], RECIPIENT_X_MM, RECIPIENT_BASELINES_MM[0])


@pytest.mark.parametrize("kind", ["code128", "qr"])
def test_separator_sheet_with_printed_instructions_is_still_a_separator(tmp_path, fake_ocr, kind):
    """Pages with many marks skip the barcode search; a separator's few lines of text must
    not make it one of them."""
    pdf = tmp_path / "skilleark.pdf"
    samples.render_separator_sheet(pdf, kind)
    document = pdfium.PdfDocument(str(pdf))
    image = document[0].render(scale=200 / 72, grayscale=True).to_numpy()
    document.close()
    image = np.ascontiguousarray(image)
    for i, text in enumerate(["Skilleark: laeg dette ark mellem to breve i bakken.",
                              "Arket scannes med og springes over af postbakke.",
                              "Spoergsmaal: postrummet, lokal 1234"]):
        at = (round(20 / 25.4 * 200), round((240 + 8 * i) / 25.4 * 200))
        cv2.putText(image, text, at, cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)
    assert marks.count_marks(image, 200) > 60  # more text than the bench's separators
    path = save(image, tmp_path / "skilleark.png", dpi=200)
    (page,) = ingest.read_pages(path, tmp_path / "work")
    assert page.is_separator and not fake_ocr.calls


# --- a second look at print the page's reading left out (issue 15 item 3) ----------------------


def _page_with_lines(*lines: tuple[float, float, str]) -> np.ndarray:
    """A clean 200-dpi page (black print on white) with lines of text at (x, baseline) mm."""
    px = ingest.OCR_DPI / 25.4
    page = np.full((round(297 * px), round(210 * px)), 255, np.uint8)
    for x, y, text in lines:
        cv2.putText(page, text, (round(x * px), round(y * px)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.9, 0, 2, cv2.LINE_AA)
    return page


def _reader(tmp_path: Path) -> raster.RasterReader:
    return raster.RasterReader(tmp_path / "scan.png", tmp_path, "key", 30.0, ingest.OCR_DPI)


def test_print_the_reading_left_out_is_read_again_and_placed_on_the_page(tmp_path, monkeypatch):
    image = _page_with_lines((22, 55, "Lone Mette Petersen"), (22, 61, "Tjornestien 22"))
    street = [Word("Tjornestien", 22, 57.5, 45, 61.5, 90), Word("22", 46, 57.5, 50, 61.5, 97)]
    crops: list[tuple[int, int]] = []

    def fake(image, dpi, timeout_s, psm=None):
        assert psm == raster.SECOND_LOOK_PSM, "the page itself is not read again"
        crops.append(image.shape)
        return [Word("Lone", 1.5, 1.5, 8.0, 4.5, 96), Word("~~", 20.0, 1.5, 24.0, 4.5, 20)]

    monkeypatch.setattr(ocr, "ocr_image", fake)
    reading = raster.Reading(words=street, rotation=0, image=image)
    again = _reader(tmp_path)._second_look(reading, time.monotonic() + 30)
    assert len(crops) == 1, "one crop: the name line"
    added = again.words[len(street):]
    assert [w.text for w in added] == ["Lone"], "a word read unsurely is left out"
    (lone,) = added
    assert 21 <= lone.x0 <= 24 and 51 <= lone.y0 <= 55, "crop coordinates turned into page mm"


def test_a_page_read_in_full_is_not_read_again(tmp_path, monkeypatch):
    image = _page_with_lines((22, 61, "Tjornestien 22"))
    read = [Word("Tjornestien", 21, 57, 51, 62, 90)]
    monkeypatch.setattr(ocr, "ocr_image", FakeOcr(error=AssertionError("read again")))
    reading = raster.Reading(words=read, rotation=0, image=image)
    assert _reader(tmp_path)._second_look(reading, time.monotonic() + 30) is reading


@pytest.mark.slow
def test_a_name_line_the_reading_lost_is_read_by_tesseract_on_a_second_look(tmp_path, letter):
    """Real Tesseract on a generated scan: the reading's recipient name line taken away
    (as Tesseract's sparse mode dropped it on the bench corpus's bakke-03.pdf page 5) is
    read again from its crop, where it was printed."""
    path = save(scan(letter.page1, skew_deg=1.0, seed=7), tmp_path / "brev.png")
    (page,) = ingest.read_pages(path, tmp_path / "work")
    name = line_with(page, "Birgitte")
    kept = [w for w in page.words if w not in name.words]
    image = np.asarray(Image.open(page.image_path))
    reading = raster.Reading(words=kept, rotation=0, image=image)
    again = _reader(tmp_path)._second_look(reading, time.monotonic() + 30)
    reread = Page(number=1, words=tuple(again.words), method="ocr")
    assert line_with(reread, "Birgitte").text == RECIPIENT[0]
    assert_drawn_at(reread, RECIPIENT[0], RECIPIENT_X_MM, RECIPIENT_BASELINES_MM[0])
