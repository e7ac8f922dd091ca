"""Clean page image -> words with boxes in mm and confidences: the only caller of Tesseract.

Everything Tesseract-specific lives here (like OCRmyPDF's `_exec/tesseract.py`):
where its models are, how it is called, how its quirks and failures are turned
into postbakke's typed errors with Danish messages.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytesseract

from postbakke.errors import InputFileError, MissingDependencyError, PageTimeoutError
from postbakke.models import Word

# Debian's Danish model (tesseract-ocr-dan 4.1, a "fast" model) has no "@", "§"
# or "·" in its character set: "jmo@favrskov.dk" comes out as "jmoQfavrskov.dk",
# "jmoefavrskov.dk" or "jmo&favrskov.dk". "dan+eng" reads the "@" but was slower
# (1.26 vs 1.00 s a page) and worse overall (91.4 % vs 92.4 % of words; it split a
# CPR number and lost an "ø"), so e-mail addresses are repaired by extraction.
LANGUAGE = "dan"

# Page segmentation mode, chosen by measurement (ocr_models/README.md): 48 generated
# letters in three layouts (postbakke.samples trays, seeds 7-9: 300 dpi scans, skew
# up to 2 degrees, noise, 1 in 6 upside down; 56 pages) read through read_pages at
# 200 dpi. psm 11 (sparse text) read 94.8 % of all words, psm 3 (automatic layout)
# 93.6 %; both read every recipient name and every printed CPR/CVR number, at the
# same ~0.74 s a page. psm 4 (one column) and psm 6 (one block) ran recipient-block
# lines into the info-column line beside them, with stray "." words and misread
# names (42/48 and 13/16 names, on binarised pages). Lines are rebuilt from the
# word boxes by models.group_lines, so Tesseract's own line structure is not needed.
PAGE_SEGMENTATION_MODE = 11

# Tesseract's OpenMP threads made one page 4-5x slower on a 2-core machine (3.3 s
# against 0.76 s measured here): one thread per Tesseract process, parallelism
# comes from running several pages or files at once.
OMP_THREADS = "1"

SYSTEM_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
CONFIG_NAME = "postbakke.config"


def models_dir() -> Path:
    """The project's OCR assets: $POSTBAKKE_OCR_MODELS, else `ocr_models/` next to the package."""
    override = os.environ.get("POSTBAKKE_OCR_MODELS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / "ocr_models"


def tessdata_dir() -> Path:
    """The project's copy of the Danish model if present, else Debian's tessdata."""
    own = models_dir() / "tessdata"
    if (own / f"{LANGUAGE}.traineddata").is_file():
        return own
    return SYSTEM_TESSDATA


def _config(psm: int, dpi: int | None = None) -> str:
    """Tesseract's command-line options for one call (paths quoted for shlex)."""
    parts = [f"--psm {psm}"]
    if dpi:
        parts.append(f"--dpi {int(round(dpi))}")
    tessdata = tessdata_dir()
    if tessdata.is_dir():
        parts.append(f"--tessdata-dir {shlex.quote(str(tessdata))}")
    config_file = models_dir() / CONFIG_NAME
    if config_file.is_file():
        parts.append(shlex.quote(str(config_file)))
    return " ".join(parts)


def _run(call: Callable[..., Any], image_path: Path, timeout_s: float, **kwargs: Any) -> Any:
    """Run one pytesseract call on a file, turning its failures into postbakke errors."""
    os.environ["OMP_THREAD_LIMIT"] = OMP_THREADS  # read by the Tesseract child process
    try:
        return call(str(image_path), timeout=timeout_s, **kwargs)
    except pytesseract.TesseractNotFoundError as exc:
        raise MissingDependencyError(
            "Tesseract er ikke installeret "
            "(Debian: apt-get install tesseract-ocr tesseract-ocr-dan)"
        ) from exc
    except pytesseract.TesseractError as exc:
        message = str(exc.message)
        if "Failed loading language" in message or "traineddata" in message:
            raise MissingDependencyError(
                f"Tesseracts sprogmodel mangler i {tessdata_dir()} "
                "(Debian: apt-get install tesseract-ocr-dan)"
            ) from exc
        reason = f"Tesseract kunne ikke læse billedet: {message}"
        raise InputFileError(image_path.name, reason) from exc
    except RuntimeError as exc:
        # pytesseract raises a bare RuntimeError after killing Tesseract on timeout.
        if "timeout" in str(exc).lower():
            raise PageTimeoutError(
                f"OCR af siden tog mere end {timeout_s:g} sekunder og blev afbrudt"
            ) from exc
        raise


def ocr_image_file(
    image_path: Path, dpi: int, timeout_s: float, psm: int | None = None
) -> list[Word]:
    """Read the words on one page image file, with boxes converted from pixels to mm.

    Tesseract is given the file path: handing pytesseract an array makes it
    re-encode the image as PNG first (+0.8 s a page). Words with a negative
    confidence (layout boxes, not words) and empty words are dropped.
    """
    data = _run(
        pytesseract.image_to_data,
        Path(image_path),
        timeout_s,
        lang=LANGUAGE,
        config=_config(PAGE_SEGMENTATION_MODE if psm is None else psm, dpi),
        output_type=pytesseract.Output.DICT,
    )
    mm_per_px = 25.4 / dpi
    words: list[Word] = []
    for text, conf, left, top, width, height in zip(
        data["text"], data["conf"], data["left"], data["top"], data["width"], data["height"],
        strict=True,
    ):
        text = str(text).strip()
        confidence = float(conf)
        if not text or confidence < 0:
            continue
        words.append(
            Word(
                text=text,
                x0=left * mm_per_px,
                y0=top * mm_per_px,
                x1=(left + width) * mm_per_px,
                y1=(top + height) * mm_per_px,
                conf=confidence,
            )
        )
    return words


def detect_orientation(image_path: Path, timeout_s: float) -> int | None:
    """Tesseract's OSD (`--psm 0`): degrees to turn the page clockwise to make it upright.

    Costs ~0.6 s a page, so it is only asked when the cheaper checks cannot
    tell (a landscape-shaped scan of a portrait letter). None when OSD finds
    too little text to say.
    """
    for tessdata in (tessdata_dir(), SYSTEM_TESSDATA):
        if (tessdata / "osd.traineddata").is_file():
            break
    else:
        return None  # no OSD model installed: the page is read as scanned
    config = f"--tessdata-dir {shlex.quote(str(tessdata))}"
    try:
        result = _run(
            pytesseract.image_to_osd,
            Path(image_path),
            timeout_s,
            config=config,
            output_type=pytesseract.Output.DICT,
        )
    except InputFileError:
        return None  # "Too few characters": OSD cannot say
    return int(result["rotate"]) % 360
