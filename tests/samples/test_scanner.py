"""Scanned letters: no text layer, turned, skewed and noised, the right file formats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from PIL import Image
from sample_letters import adult, letter_spec

from postbakke_samples.letter_pdf import render_letter_pdf
from postbakke_samples.scanner import render_scan
from postbakke_samples.world import World

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


# --------------------------------------------------------------------------- colour scans


def _colour_sheet(world: World, tmp_path: Path, colour: tuple[float, float, float] | None,
                  dpi: int = 100) -> np.ndarray:
    """A letter with a blue letterhead through the corpus's scanner, in colour or grey,
    with a stamp and a pen stroke; the same random streams either way."""
    from postbakke_samples.degrade import NoiseFields, ScanPlan, scan_sheet
    from postbakke_samples.scanner import render_pages

    pdf = tmp_path / "farvet-brevhoved.pdf"
    spec = letter_spec(world, adult(world, "tilmeldt"), letterhead_colour=(0.0, 0.25, 0.55))
    render_letter_pdf(world, spec, pdf)
    marks = [
        {"kind": "stamp", "page": 1, "text": "MODTAGET", "x": 150.0, "y": 124.0, "angle": 5.0,
         "grey": 120},
        {"kind": "pen", "stroke": "tick", "page": 1, "seed": 7, "subject_y": 110.0,
         "grey": 60},
    ]
    plan = ScanPlan("medium", dpi, [1.5], False, 10.0, 0.0005, 0.5, 45, None,
                     (2.0, 1.5, 40), marks, colour=colour)
    clean = render_pages(pdf, dpi, colour is not None)[0]
    return scan_sheet(clean, plan, 1.5, NoiseFields(np.random.default_rng(1)),
                       np.random.default_rng(2), marks, NoiseFields(np.random.default_rng(3)))


def test_colour_scan_prints_the_stamp_red_and_the_pen_blue_on_tinted_paper(
    world: World, tmp_path: Path
) -> None:
    """GIVEN a colour plan (cream paper) WHEN a letter with a blue letterhead, a stamp and a
    tick is scanned THEN the page is RGB: blue letterhead, red stamp, blue pen, cream paper,
    and the scanner lid beside the turned sheet is grey, not coloured."""
    import cv2

    from postbakke_samples.degrade import ScanPlan

    page = _colour_sheet(world, tmp_path, (1.0, 0.97, 0.9))
    assert page.shape == (1170, 827, 3) and page.dtype == np.uint8
    r, g, b = (page[:, :, c].astype(int) for c in range(3))
    px = 100 / 25.4
    paper = page[round(200 * px):round(220 * px), round(60 * px):round(100 * px)].reshape(-1, 3)
    pr, pg, pb = np.median(paper, axis=0)
    assert pr > pg > pb and pr - pb > 12  # cream
    stamp = (slice(round(112 * px), round(136 * px)), slice(round(125 * px), round(175 * px)))
    assert np.sum((r - g > 60)[stamp]) > 200, "a red stamp"
    head = (slice(0, round(30 * px)), slice(0, page.shape[1]))
    assert np.sum((b - r > 60)[head]) > 100, "a blue letterhead"
    margin = (slice(round(130 * px), round(240 * px)), slice(0, round(19 * px)))
    assert np.sum((b - r > 40)[margin]) > 10, "a blue tick in the margin"
    corners = np.concatenate([page[:3, :3].reshape(-1, 3), page[-3:, -3:].reshape(-1, 3)])
    assert np.all(corners.max(axis=1) - corners.min(axis=1) < 40) and corners.max() < 120
    grey = _colour_sheet(world, tmp_path, None)
    assert grey.shape == page.shape[:2]
    seen_grey = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    assert np.mean(np.abs(seen_grey.astype(int) - grey.astype(int))) < 12  # as dark, in grey
    with pytest.raises(ValueError):
        from postbakke_samples.degrade import NoiseFields, scan_sheet

        plan = ScanPlan("clean", 100, [0.0], False, 3.0, 0.0, 0.0, 80, None, None,
                         colour=(1.0, 1.0, 1.0))
        scan_sheet(grey, plan, 0.0, NoiseFields(np.random.default_rng(1)),
                    np.random.default_rng(2), colour_noise=NoiseFields(np.random.default_rng(3)))
