"""Tray batches end to end: one scanned file, many letters, real OCR.

GIVEN a whole tray put through the scanner at once (separator sheets in part of
it, blank duplex backs in part, letters of 1-3 pages, mild skew and noise)
WHEN it is scanned
THEN it is split into exactly the letters it holds, each read right.
"""

from __future__ import annotations

import pytest
from test_scan_e2e import differences, scan_summary, scan_tray

from postbakke_samples import make_batch, make_world


@pytest.mark.slow
def test_forty_letter_tray_in_one_pdf_is_split_exactly(tmp_path, monkeypatch):
    truths = make_batch(tmp_path / "bakke", seed=40, n_letters=40, separator_share=0.5,
                        blank_back_share=0.5)
    assert any(t.separator_before for t in truths) and any(t.blank_backs for t in truths)
    assert {len(t.pages) for t in truths} == {1, 2, 3}
    letters, output = scan_tray(tmp_path / "bakke", tmp_path / "ws", monkeypatch)
    assert [row["pages"] for row in letters] == [t.pages for t in truths]
    assert differences(truths, letters) == []
    assert scan_summary(output)["Breve"] == "40"


@pytest.mark.slow
def test_tiff_batch_without_separators_splits_by_first_pages(tmp_path, monkeypatch):
    world = make_world(41)
    truths = make_batch(tmp_path / "bakke", seed=41, n_letters=8, world=world,
                        separator_share=0.0, blank_back_share=0.5, fmt=".tif",
                        separator_kind="qr")
    letters, _ = scan_tray(tmp_path / "bakke", tmp_path / "ws", monkeypatch)
    assert [row["pages"] for row in letters] == [t.pages for t in truths]
    assert differences(truths, letters) == []


@pytest.mark.slow
def test_qr_separators_between_letters_that_look_alike(tmp_path, monkeypatch):
    truths = make_batch(tmp_path / "bakke", seed=42, n_letters=6, separator_share=1.0,
                        blank_back_share=0.0, separator_kind="qr")
    letters, _ = scan_tray(tmp_path / "bakke", tmp_path / "ws", monkeypatch)
    assert [row["pages"] for row in letters] == [t.pages for t in truths]
