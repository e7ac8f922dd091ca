"""The Tesseract wrapper: where its models are, how it is called, what its failures become."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import cv2
import numpy as np
import pytesseract
import pytest
from PIL import Image

from postbakke import ocr
from postbakke.errors import InputFileError, MissingDependencyError, PageTimeoutError

REPO = Path(__file__).resolve().parents[1]


def test_ocr_assets_are_the_projects_own_folder_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.delenv("POSTBAKKE_OCR_MODELS", raising=False)
    assert ocr.models_dir() == REPO / "ocr_models"
    assert (REPO / "ocr_models" / ocr.CONFIG_NAME).is_file()
    assert (REPO / "ocr_models" / "README.md").is_file()
    monkeypatch.setenv("POSTBAKKE_OCR_MODELS", str(tmp_path))
    assert ocr.models_dir() == tmp_path


def test_projects_danish_model_is_preferred_over_the_systems(monkeypatch, tmp_path):
    monkeypatch.setenv("POSTBAKKE_OCR_MODELS", str(tmp_path))
    assert ocr.tessdata_dir() == ocr.SYSTEM_TESSDATA
    (tmp_path / "tessdata").mkdir()
    (tmp_path / "tessdata" / "dan.traineddata").write_bytes(b"model")
    assert ocr.tessdata_dir() == tmp_path / "tessdata"


def test_command_line_names_mode_resolution_models_and_config(monkeypatch, tmp_path):
    models = tmp_path / "ocr modeller"  # a space in the path must survive shlex
    (models / "tessdata").mkdir(parents=True)
    (models / "tessdata" / "dan.traineddata").write_bytes(b"model")
    (models / ocr.CONFIG_NAME).write_text("thresholding_method 0\n")
    monkeypatch.setenv("POSTBAKKE_OCR_MODELS", str(models))
    args = shlex.split(ocr._config(11, 200))
    assert args[:4] == ["--psm", "11", "--dpi", "200"]
    assert args[args.index("--tessdata-dir") + 1] == str(models / "tessdata")
    assert args[-1] == str(models / ocr.CONFIG_NAME)


class FakeTesseract:
    """pytesseract.image_to_data's answer for a page with a layout row, an empty word,
    a word, and a rejected (-1) box."""

    def __init__(self):
        self.calls: list[tuple[object, dict]] = []

    def __call__(self, image, **kwargs):
        self.calls.append((image, kwargs))
        return {
            "text": ["", "  ", "CPR-nr.:", "støj"],
            "conf": [-1, 95, "91.5", -1],
            "left": [0, 10, 1000, 5],
            "top": [0, 10, 480, 5],
            "width": [1654, 5, 160, 4],
            "height": [2339, 5, 25, 4],
        }


def test_words_come_back_in_mm_without_layout_rows_or_empty_words(monkeypatch, tmp_path):
    fake = FakeTesseract()
    monkeypatch.setattr(pytesseract, "image_to_data", fake)
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    (word,) = ocr.ocr_image_file(tmp_path / "side.png", dpi=200, timeout_s=7)
    assert word.text == "CPR-nr.:" and word.conf == 91.5
    assert (word.x0, word.y0) == pytest.approx((127.0, 60.96))
    assert (word.x1, word.y1) == pytest.approx((147.32, 64.135))
    image, kwargs = fake.calls[0]
    assert image == str(tmp_path / "side.png"), "Tesseract must get the file, not an array"
    assert kwargs["lang"] == "dan" and kwargs["timeout"] == 7
    assert "--psm 11" in kwargs["config"]
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


@pytest.mark.parametrize(
    ("raised", "expected", "words_in_message"),
    [
        (pytesseract.TesseractNotFoundError(), MissingDependencyError, "ikke installeret"),
        (
            pytesseract.TesseractError(1, "Failed loading language 'dan'"),
            MissingDependencyError,
            "sprogmodel",
        ),
        (
            pytesseract.TesseractError(1, "Error in pixReadStream"),
            InputFileError,
            "kunne ikke læse billedet",
        ),
        (RuntimeError("Tesseract process timeout"), PageTimeoutError, "sekunder"),
    ],
)
def test_tesseract_failures_become_typed_errors_in_danish(
    monkeypatch, tmp_path, raised, expected, words_in_message
):
    def failing(image, **kwargs):
        raise raised

    monkeypatch.setattr(pytesseract, "image_to_data", failing)
    with pytest.raises(expected) as caught:
        ocr.ocr_image_file(tmp_path / "side.png", dpi=200, timeout_s=5)
    assert words_in_message in str(caught.value)


def _line_image(path: Path, text: str) -> Path:
    """One line of type, 30 mm from the left and 20 mm from the top, at 200 dpi."""
    image = np.full((400, 1654), 255, np.uint8)
    cv2.putText(image, text, (236, 157), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2, cv2.LINE_AA)
    Image.fromarray(image).save(path, dpi=(200, 200))
    return path


@pytest.mark.slow
def test_real_tesseract_reads_a_cpr_line_at_its_place(tmp_path):
    path = _line_image(tmp_path / "linje.png", "CPR-nr.: 010203-1234")
    words = ocr.ocr_image_file(path, dpi=200, timeout_s=30)
    assert [w.text for w in words] == ["CPR-nr.:", "010203-1234"]
    assert words[0].x0 == pytest.approx(30, abs=1.5)
    assert words[0].y1 == pytest.approx(20, abs=1.5)
    assert all(w.conf > 80 for w in words)


@pytest.mark.slow
def test_real_tesseract_is_stopped_at_its_time_limit(tmp_path):
    path = _line_image(tmp_path / "linje.png", "Kommunen har modtaget din ansøgning")
    with pytest.raises(PageTimeoutError) as caught:
        ocr.ocr_image_file(path, dpi=200, timeout_s=0.001)
    assert "afbrudt" in caught.value.message


@pytest.mark.slow
def test_osd_says_how_to_turn_a_sideways_page(tmp_path):
    lines = [
        "Kommunen har modtaget din ansogning om hjaelp til tandbehandling.",
        "Vi har behandlet ansogningen og kan oplyse, at du far bevilget hjaelp.",
    ]
    image = np.full((2339, 1654), 255, np.uint8)
    for i in range(30):
        cv2.putText(
            image, lines[i % 2], (160, 300 + 55 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2
        )
    path = tmp_path / "side.png"
    Image.fromarray(cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)).save(path, dpi=(200, 200))
    assert ocr.detect_orientation(path, timeout_s=30) == 270
