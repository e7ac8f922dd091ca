"""The Tesseract wrapper: where its models are, how it is called, what its failures become."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from postbakke.errors import MissingDependencyError, PageTimeoutError
from postbakke.reading import ocr

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

REPO = Path(__file__).resolve().parents[2]


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


def test_settings_file_is_read_as_name_value_lines(tmp_path):
    config = tmp_path / ocr.CONFIG_NAME
    config.write_text("# comment\nthresholding_method 0  # Otsu\n\ntessedit_do_invert 0\n")
    assert ocr.config_variables(config) == {"thresholding_method": "0", "tessedit_do_invert": "0"}
    assert ocr.config_variables(tmp_path / "none") == {}


def test_projects_settings_file_is_what_tesseract_gets():
    assert ocr.config_variables() == {"thresholding_method": "0"}


def test_missing_danish_model_is_said_in_danish(monkeypatch, tmp_path):
    monkeypatch.setenv("POSTBAKKE_OCR_MODELS", str(tmp_path))
    monkeypatch.setattr(ocr, "SYSTEM_TESSDATA", tmp_path / "ingen")
    with pytest.raises(MissingDependencyError) as caught:
        ocr.ocr_image(np.full((100, 100), 255, np.uint8), dpi=200, timeout_s=5)
    assert "sprogmodel" in caught.value.message


def test_missing_engine_is_said_in_danish(monkeypatch):
    monkeypatch.setattr(ocr, "tesserocr", None)
    with pytest.raises(MissingDependencyError) as caught:
        ocr.ocr_image(np.full((100, 100), 255, np.uint8), dpi=200, timeout_s=5)
    assert "ikke installeret" in caught.value.message


def _line_image(text: str) -> np.ndarray:
    """One line of 12 pt type, 30 mm from the left, its baseline 20 mm from the top, at 200
    dpi. Drawn with DejaVu Sans (Debian's fonts-dejavu-core, which tesseract-ocr pulls in),
    not OpenCV's Hershey font, whose glyphs differ between OpenCV 4.x and 5.x."""
    image = Image.new("L", (1654, 400), 255)
    font = ImageFont.truetype(str(DEJAVU_SANS), 33)
    ImageDraw.Draw(image).text((236, 157), text, fill=0, font=font, anchor="ls")
    return np.asarray(image)


@pytest.mark.slow
def test_real_tesseract_reads_a_cpr_line_at_its_place(tmp_path):
    words = ocr.ocr_image(_line_image("CPR-nr.: 010203-1234"), dpi=200, timeout_s=30)
    assert [w.text for w in words] == ["CPR-nr.:", "010203-1234"]
    assert words[0].x0 == pytest.approx(30, abs=1.5)
    assert words[0].y1 == pytest.approx(20, abs=1.5)
    assert all(w.conf > 80 for w in words)


@pytest.mark.slow
def test_real_tesseract_is_stopped_at_its_time_limit(tmp_path):
    page = np.vstack([_line_image("Kommunen har modtaget din ansogning")] * 6)
    with pytest.raises(PageTimeoutError) as caught:
        ocr.ocr_image(page, dpi=200, timeout_s=0.001)
    assert "afbrudt" in caught.value.message
    # the engine is fine afterwards: the next page is read
    assert ocr.ocr_image(_line_image("Side 2 af 2"), dpi=200, timeout_s=30)


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
    assert ocr.detect_orientation(cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE), 200) == 270
    assert ocr.detect_orientation(cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE), 200) == 90


def test_tesseract_loads_only_when_a_page_is_read_and_after_the_thread_limit(tmp_path):
    """GIVEN a fresh process WHEN ocr.py is imported THEN tesserocr is not yet loaded;
    WHEN the engine library is first asked for THEN OMP_THREAD_LIMIT is 1 already."""
    import os
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "from postbakke.reading import ocr\n"
        "assert 'tesserocr' not in sys.modules and 'OMP_THREAD_LIMIT' not in os.environ\n"
        "import builtins\n"
        "real = builtins.__import__\n"
        "def spy(name, *a, **k):\n"
        "    if name == 'tesserocr':\n"
        "        print('limit at import:', os.environ.get('OMP_THREAD_LIMIT'))\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = spy\n"
        "ocr._library()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True)
    assert set(result.stdout.splitlines()) == {"limit at import: 1"}
