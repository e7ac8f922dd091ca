"""Scanned letters: no text layer, turned, skewed and noised, the right file formats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from PIL import Image
from sample_letters import adult, letter_spec

from postbakke.samples.letter_pdf import render_letter_pdf
from postbakke.samples.scanner import render_scan
from postbakke.samples.world import World

# --------------------------------------------------------------------------- scans


@pytest.fixture(scope="module")
def letter_pdf(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pdf = tmp_path_factory.mktemp("scan") / "brev.pdf"
    render_letter_pdf(world, letter_spec(world, adult(world, "tilmeldt"), n_pages=2), pdf)
    return pdf


def test_scanned_pdf_has_no_text_layer(letter_pdf: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan.pdf"
    render_scan(letter_pdf, out, dpi=72, skew_deg=1.2, noise=8, seed=1)
    with pdfplumber.open(out) as doc:
        assert len(doc.pages) == 2
        assert all(not p.chars for p in doc.pages)
    with pdfplumber.open(letter_pdf) as doc:
        assert doc.pages[0].chars


def test_upside_down_scan_is_turned_half_round(letter_pdf: Path, tmp_path: Path) -> None:
    render_scan(letter_pdf, tmp_path / "up.tif", dpi=50)
    render_scan(letter_pdf, tmp_path / "down.tif", dpi=50, upside_down=True)
    up, down = Image.open(tmp_path / "up.tif"), Image.open(tmp_path / "down.tif")
    assert getattr(up, "n_frames", 1) == getattr(down, "n_frames", 1) == 2
    a, b = np.asarray(up.convert("L")), np.asarray(down.convert("L"))
    assert not np.array_equal(a, b)
    assert np.array_equal(a, np.rot90(b, 2))


def test_skew_and_noise_change_the_page_but_keep_its_size(letter_pdf: Path, tmp_path: Path) -> None:
    render_scan(letter_pdf, tmp_path / "clean.pdf", dpi=50)
    render_scan(letter_pdf, tmp_path / "skew.pdf", dpi=50, skew_deg=2.0, noise=8, seed=2)
    sizes = []
    for name in ("clean.pdf", "skew.pdf"):
        doc = pdfium.PdfDocument(str(tmp_path / name))
        sizes.append(doc[0].get_size())
        doc.close()
    assert sizes[0] == pytest.approx(sizes[1], abs=1)
    assert sizes[0] == pytest.approx((595, 842), abs=2)  # A4 in points at resolution=dpi


def test_single_image_formats_refuse_multi_page_letters(letter_pdf: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        render_scan(letter_pdf, tmp_path / "x.png", dpi=30)


def test_jpeg_scan_records_its_resolution(world: World, tmp_path: Path) -> None:
    pdf = tmp_path / "one.pdf"
    render_letter_pdf(world, letter_spec(world, adult(world, "tilmeldt")), pdf)
    render_scan(pdf, tmp_path / "one.jpg", dpi=100, noise=8, seed=4)
    im = Image.open(tmp_path / "one.jpg")
    assert im.mode == "L"
    assert im.size == pytest.approx((827, 1169), abs=1)  # A4 at 100 dpi
    assert tuple(round(v) for v in im.info["dpi"]) == (100, 100)


# --------------------------------------------------------------------------- verdicts
