"""A scanner's PDF page is its image: taken as it is when it is nothing else, rendered otherwise.

Rendering a 300 dpi scan with pdfium's smoothing resampler took ~70 ms a page,
decoding the page's own image ~15 ms; the picture must be the same either way,
and every page that is more than one upright image must still be rendered.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from postbakke.reading import ingest
from postbakke.reading.images import decode_frame
from postbakke.reading.pdf import pdf_page_image

SCAN_DPI = 300
A4_PX = (2480, 3508)  # 210 x 297 mm at 300 dpi


def scanned_sheet(mode: str = "L") -> Image.Image:
    """A page as a scanner sees it: grey paper, dark text-like bars, a frame."""
    image = Image.new(mode, A4_PX, "#f0f0f0" if mode == "RGB" else 240)
    draw = ImageDraw.Draw(image)
    for row in range(40):
        y = 300 + row * 70
        draw.rectangle((250, y, 250 + 40 * (row % 37 + 5), y + 28),
                       fill=(20, 30, 120) if mode == "RGB" else 25)
    draw.rectangle((100, 100, 2380, 3408), outline=0 if mode == "L" else (0, 0, 0), width=6)
    return image


def scanner_pdf(path: Path, image: Image.Image) -> Path:
    """A PDF as scanners write them: one page, one image filling it (PIL embeds a JPEG)."""
    image.save(path, resolution=SCAN_DPI)
    return path


def render(path: Path, dpi: int) -> np.ndarray:
    document = pdfium.PdfDocument(str(path))
    try:
        bitmap = document[0].render(scale=dpi / 72, grayscale=True)
        return np.array(bitmap.to_numpy())[..., 0] if bitmap.to_numpy().ndim == 3 \
            else np.array(bitmap.to_numpy())
    finally:
        document.close()


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_a_scanner_page_is_its_own_image_at_its_own_resolution(tmp_path, mode):
    path = scanner_pdf(tmp_path / "scan.pdf", scanned_sheet(mode))
    image, dpi = pdf_page_image(path, 0, 200)
    assert dpi == pytest.approx(SCAN_DPI, abs=1)
    assert image.shape == (A4_PX[1], A4_PX[0]) and image.dtype == np.uint8
    # the same picture as pdfium's rendering of the page at the scan's resolution
    rendered = render(path, SCAN_DPI)
    height, width = (min(a, b) for a, b in zip(rendered.shape, image.shape, strict=True))
    assert abs(rendered.shape[1] - image.shape[1]) <= 1  # pdfium rounds the page up
    difference = rendered[:height, :width].astype(int) - image[:height, :width].astype(int)
    assert np.abs(difference).mean() < 2.0


def test_a_page_with_more_than_its_image_is_rendered(tmp_path):
    path = tmp_path / "stempel.pdf"
    sheet = tmp_path / "sheet.png"
    scanned_sheet().save(sheet)
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(str(sheet), 0, 0, width=A4[0], height=A4[1])
    c.drawString(100, 100, "Modtaget 25.11.2026")  # a stamp added after scanning
    c.save()
    image, dpi = pdf_page_image(path, 0, 200)
    assert dpi == 200 and image.shape[1] == round(A4[0] / 72 * 200)


def test_a_turned_or_partly_covering_image_is_rendered(tmp_path):
    turned = scanner_pdf(tmp_path / "vendt.pdf", scanned_sheet())
    document = pdfium.PdfDocument(str(turned))
    document[0].set_rotation(90)
    document.save(str(tmp_path / "vendt2.pdf"))
    document.close()
    image, dpi = pdf_page_image(tmp_path / "vendt2.pdf", 0, 200)
    assert dpi == 200 and image.shape[1] > image.shape[0], "the page's /Rotate applied"

    small = tmp_path / "lille.pdf"
    sheet = tmp_path / "sheet.png"
    scanned_sheet().save(sheet)
    c = canvas.Canvas(str(small), pagesize=A4)
    c.drawImage(str(sheet), 50, 50, width=A4[0] / 2, height=A4[1] / 2)
    c.save()
    image, dpi = pdf_page_image(small, 0, 200)
    assert dpi == 200


def test_a_one_bit_fax_page_is_rendered(tmp_path):
    path = scanner_pdf(tmp_path / "fax.pdf", scanned_sheet().convert("1"))
    image, dpi = pdf_page_image(path, 0, 200)
    assert dpi == 200
    assert image.min() < 50 and image.max() > 200  # ink and paper both there


def test_scanned_pdf_pages_and_image_frames_are_decoded_in_the_job(tmp_path):
    """The main process hands out places in the file, not decoded images: decoding runs
    in the worker, under the page's time limit."""
    pdf = scanner_pdf(tmp_path / "scan.pdf", scanned_sheet())
    tiff = tmp_path / "scan.tif"
    frames = [scanned_sheet(), scanned_sheet("RGB")]
    frames[0].save(tiff, save_all=True, append_images=frames[1:], dpi=(SCAN_DPI, SCAN_DPI))
    for path, pages in ((pdf, 1), (tiff, 2)):
        jobs = list(ingest.page_sources(path, tmp_path / "work"))
        assert len(jobs) == pages
        # a job is a place in the file, not an image: a few hundred bytes to a worker
        assert all(isinstance(j, ingest.RasterJob) and len(pickle.dumps(j)) < 4_000
                   for j in jobs)
    second = list(ingest.page_sources(tiff, tmp_path / "work"))[1]
    assert second.source_dpi == pytest.approx(SCAN_DPI)
    decoded = decode_frame(tiff, 1)
    assert decoded.shape == (A4_PX[1], A4_PX[0]) and decoded.ndim == 2
