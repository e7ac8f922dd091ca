"""Trays: one letter a file, or whole batches with separator sheets and blank backs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageSequence

from postbakke.reading.marks import is_blank
from postbakke_samples.__main__ import main
from postbakke_samples.letters import make_letter_specs
from postbakke_samples.scanner import render_scan
from postbakke_samples.trays import (
    BATCH_PAGE_WEIGHTS,
    SEPARATOR_KINDS,
    make_batch,
    make_tray,
    render_separator_sheet,
)
from postbakke_samples.truth import BATCH_FILE, TRAY_DIR, load_batches, load_truth
from postbakke_samples.world import make_world


def test_same_seed_gives_the_same_tray(tmp_path: Path) -> None:
    for run in ("a", "b"):
        make_tray(tmp_path / run, seed=3, n_letters=4, scanned_share=0.5, dpi=60)
    truth_a = (tmp_path / "a" / "truth.json").read_text(encoding="utf-8")
    assert truth_a == (tmp_path / "b" / "truth.json").read_text(encoding="utf-8")
    for item in json.loads(truth_a):
        a = (tmp_path / "a" / TRAY_DIR / item["file"]).read_bytes()
        b = (tmp_path / "b" / TRAY_DIR / item["file"]).read_bytes()
        if item["degradation"] == "text":
            assert a == b, item["file"]


def test_tray_writes_files_registers_and_truth(tmp_path: Path) -> None:
    truths = make_tray(tmp_path, seed=9, n_letters=6, scanned_share=0.5, dpi=60)
    assert [t.file.split(".")[0] for t in truths] == [f"brev-{i:03d}" for i in range(1, 7)]
    assert sum(t.degradation != "text" for t in truths) == 3
    assert sum("upside-down" in t.degradation for t in truths) == 1
    for t in truths:
        assert (tmp_path / TRAY_DIR / t.file).is_file()
    assert (tmp_path / "registers" / "enrolment.csv").is_file()
    assert (tmp_path / "registers" / "staff.csv").is_file()
    assert load_truth(tmp_path / "truth.json") == truths


# --------------------------------------------------------------------------- batches

BATCH_DPI = 100  # enough for the barcodes and the blank-page checks; 9x cheaper than 300


def _batch_images(path: Path, dpi: int = BATCH_DPI) -> list[np.ndarray]:
    if path.suffix == ".pdf":
        doc = pdfium.PdfDocument(str(path))
        try:
            return [
                np.asarray(doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
                for i in range(len(doc))
            ]
        finally:
            doc.close()
    with Image.open(path) as im:
        return [np.asarray(frame.convert("L")) for frame in ImageSequence.Iterator(im)]


@pytest.fixture(scope="module")
def batch_tray(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GIVEN one tray folder with single letters, a PDF batch and a TIFF batch of one world."""
    out = tmp_path_factory.mktemp("batch")
    w = make_world(21)
    make_tray(out, seed=21, n_letters=3, scanned_share=0.0, world=w)
    common = {"world": w, "dpi": BATCH_DPI, "upside_down_share": 0.25}
    make_batch(out, 21, 8, name="bakke-a", **common)
    make_batch(out, 22, 6, name="bakke-b", fmt=".tif", separator_kind="qr", **common)
    return out


def test_same_seed_gives_the_same_batch(tmp_path: Path) -> None:
    for run in ("a", "b"):
        make_batch(tmp_path / run, seed=3, n_letters=3, dpi=50)
    for name in ("truth.json", BATCH_FILE, f"{TRAY_DIR}/bakke-001.pdf"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    make_batch(tmp_path / "c", seed=4, n_letters=3, dpi=50)
    pdf = f"{TRAY_DIR}/bakke-001.pdf"
    assert (tmp_path / "a" / pdf).read_bytes() != (tmp_path / "c" / pdf).read_bytes()


@pytest.mark.parametrize("name", ["bakke-a.pdf", "bakke-b.tif"])
def test_batch_pages_add_up_to_letters_blanks_and_separators(batch_tray: Path, name: str) -> None:
    truths = [t for t in load_truth(batch_tray / "truth.json") if t.file == name]
    record = load_batches(batch_tray / BATCH_FILE)[name]
    roles = [page["role"] for page in record["pages"]]
    assert [page["page"] for page in record["pages"]] == list(range(1, len(roles) + 1))
    assert len(_batch_images(batch_tray / TRAY_DIR / name)) == record["n_pages"]
    assert record["n_pages"] == len(roles)
    counts = Counter(role.split(":")[0] for role in roles)
    assert set(counts) <= {"letter", "blank", "separator"}
    assert counts["letter"] == sum(len(t.pages) for t in truths)
    assert counts["blank"] == sum(len(t.pages) for t in truths if t.blank_backs)
    assert counts["separator"] == sum(t.separator_before for t in truths)
    assert counts["separator"] == round((len(truths) - 1) * 0.5)
    for i, t in enumerate(truths):
        assert t.pages == [n for n, role in enumerate(roles, 1) if role == f"letter:{i}"], i
        assert t.pages == list(range(t.pages[0], t.pages[0] + len(t.pages) * (1 + t.blank_backs),
                                     1 + t.blank_backs)), i
        pages = [record["pages"][n - 1] for n in t.pages]
        assert [p["letter_page"] for p in pages] == list(range(1, len(t.pages) + 1))
        assert all(p["upside_down"] == ("upside-down" in t.degradation) for p in pages), i
        assert t.degradation.startswith(f"batch{BATCH_DPI}-skew")
        if t.blank_backs:
            assert all(roles[n] == "blank" for n in t.pages), i  # page n+1, 0-based n
        before = roles[t.pages[0] - 2] if t.pages[0] > 1 else None
        assert (before == "separator") == t.separator_before, i
    assert truths[0].pages[0] == 1  # no separator before the first letter
    assert all(1 <= len(t.pages) <= 3 for t in truths)


def test_batches_and_single_files_share_one_tray(batch_tray: Path) -> None:
    truths = load_truth(batch_tray / "truth.json")
    files = Counter(t.file for t in truths)
    assert files == {"brev-001.pdf": 1, "brev-002.pdf": 1, "brev-003.pdf": 1,
                     "bakke-a.pdf": 8, "bakke-b.tif": 6}
    assert set(load_batches(batch_tray / BATCH_FILE)) == {
        "bakke-a.pdf", "bakke-b.tif"}
    assert sorted(p.name for p in (batch_tray / TRAY_DIR).iterdir()) == sorted(files)


def test_a_batch_written_again_replaces_its_entries(tmp_path: Path) -> None:
    w = make_world(5)
    make_batch(tmp_path, 5, 3, world=w, dpi=40, name="x")
    make_batch(tmp_path, 6, 2, world=w, dpi=40, name="x")
    assert [t.file for t in load_truth(tmp_path / "truth.json")] == ["x.pdf"] * 2
    with pytest.raises(ValueError, match="another world"):
        make_batch(tmp_path, 5, 1, world=make_world(6), dpi=40, name="y")


def test_longer_letters_only_when_max_pages_allows(tmp_path: Path) -> None:
    truths = make_batch(tmp_path, 8, 6, max_pages=1, dpi=30, separator_share=0.0)
    assert all(len(t.pages) == 1 for t in truths)
    specs = make_letter_specs(make_world(8), 8, 400, page_weights=BATCH_PAGE_WEIGHTS)
    lengths = Counter(s.n_pages for s in specs)
    assert lengths[1] > lengths[2] > lengths[3] > 0


@pytest.mark.parametrize("kind", SEPARATOR_KINDS)
def test_separator_sheet_reads_patcht_after_a_crooked_noisy_scan(tmp_path: Path, kind: str) -> None:
    pdf = tmp_path / "skilleark.pdf"
    render_separator_sheet(pdf, kind)
    with pdfplumber.open(pdf) as doc:
        assert len(doc.pages) == 1
        assert doc.pages[0].extract_text() == "PATCH T - skilleark"
    for skew, upside_down in ((2.0, False), (-1.5, True)):
        scan = tmp_path / f"scan{skew}.png"
        render_scan(pdf, scan, dpi=150, skew_deg=skew, noise=8, upside_down=upside_down, seed=3)
        gray = np.asarray(Image.open(scan).convert("L"))
        assert [b.text for b in zxingcpp.read_barcodes(gray)] == ["PATCHT"], (kind, skew)


def test_batch_separators_read_patcht_and_blank_backs_stay_blank(batch_tray: Path) -> None:
    batches = load_batches(batch_tray / BATCH_FILE)
    shadows = 0
    for name, record in batches.items():
        images = _batch_images(batch_tray / TRAY_DIR / name)
        roles = [page["role"] for page in record["pages"]]
        content = [img for img, role in zip(images, roles, strict=True) if role.startswith("l")]
        ink_level, _ = cv2.threshold(content[0], 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        assert 80 < ink_level < 200  # Otsu between ink and paper on a page with text
        for number, (img, page) in enumerate(zip(images, record["pages"], strict=True), 1):
            where = f"{name} page {number} ({page['role']})"
            if page["role"] == "separator":
                assert [b.text for b in zxingcpp.read_barcodes(img)] == ["PATCHT"], where
            elif page["role"] == "blank":
                # On a blank page Otsu only splits the noise (its threshold lands at
                # the paper grey), so the ink level comes from a page with text.
                assert np.mean(img < ink_level) < 0.005, where
                assert 235 < np.median(img) < 250, where
                assert is_blank(img, BATCH_DPI), where
                shadows += page["shadow"] is not None
            else:
                assert np.mean(img < ink_level) > 0.005, where
                assert not is_blank(img, BATCH_DPI), where
                assert not zxingcpp.read_barcodes(img), where
    assert shadows > 0  # some blank backs carry a shadow along an edge, and stay blank


def test_batch_cli_writes_one_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([str(tmp_path), "--batch", "2", "--seed", "4", "--format", "tif"])
    assert [p.name for p in (tmp_path / TRAY_DIR).iterdir()] == ["bakke-001.tif"]
    assert "2 breve" in capsys.readouterr().out
