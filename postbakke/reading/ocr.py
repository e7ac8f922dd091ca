"""Clean page image -> words with boxes in mm and confidences: the only caller of Tesseract.

Everything Tesseract-specific lives here (like OCRmyPDF's `_exec/tesseract.py`):
where its models are, how it is called, how its quirks and failures are turned
into postbakke's typed errors with Danish messages.

Tesseract is driven through its C++ API (tesserocr), one engine per process,
kept loaded between pages, and given the page image straight from memory.
Against the `tesseract` command (through pytesseract) on the same 12 cleaned
pages at 200 dpi: 0.74 s a page instead of 1.05 s, the same words. The command
starts a process, loads the model and reads a PNG file for every page; the
API does none of that after the first page. The time limit is Tesseract's own
(its progress monitor cancels the recognition), so no process has to be killed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from postbakke.config import limit_ocr_threads, ocr_models_override
from postbakke.errors import InputFileError, MissingDependencyError, PageTimeoutError
from postbakke.models import Word


class Engine(Protocol):
    """What postbakke calls on tesserocr's PyTessBaseAPI.

    tesserocr's own stubs are not marked typed (no py.typed), so mypy would see
    `Any`; this says what the code relies on.
    """

    def SetVariable(self, name: str, value: str) -> bool: ...
    def SetImageBytes(self, imagedata: bytes, width: int, height: int, bytes_per_pixel: int,
                      bytes_per_line: int) -> None: ...
    def SetSourceResolution(self, ppi: int) -> None: ...
    def Recognize(self, timeout: int = 0) -> bool: ...
    def GetIterator(self) -> Any: ...  # a tesserocr.PyResultIterator, walked by iterate_level
    def DetectOrientationScript(self) -> dict[str, Any] | None: ...
    def Clear(self) -> None: ...


# tesserocr (and with it libtesseract and OpenMP) is imported on first use, by
# _library(), right after config.limit_ocr_threads(): OpenMP reads its thread
# limit once, when it loads. None: not installed.
_NOT_LOADED = ModuleType("tesserocr (not loaded yet)")
tesserocr: ModuleType | None = _NOT_LOADED

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
OSD_SEGMENTATION_MODE = 0  # orientation and script detection only

SYSTEM_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
CONFIG_NAME = "postbakke.config"

NOT_INSTALLED = (
    "Tesseract er ikke installeret (kør make install, "
    "eller pip install tesserocr og apt-get install tesseract-ocr-dan)"
)


def models_dir() -> Path:
    """The project's OCR assets: $POSTBAKKE_OCR_MODELS, else `ocr_models/` next to the package."""
    override = ocr_models_override()
    if override is not None:
        return override
    return Path(__file__).resolve().parents[2] / "ocr_models"


def tessdata_dir() -> Path:
    """The project's copy of the Danish model if present, else Debian's tessdata."""
    own = models_dir() / "tessdata"
    if (own / f"{LANGUAGE}.traineddata").is_file():
        return own
    return SYSTEM_TESSDATA


def config_variables(path: Path | None = None) -> dict[str, str]:
    """Tesseract settings from `ocr_models/postbakke.config` ("name value" lines, # comments)."""
    path = path or models_dir() / CONFIG_NAME
    if not path.is_file():
        return {}
    settings: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, _, value = line.partition(" ")
            settings[name] = value.strip()
    return settings


def _library() -> ModuleType:
    """tesserocr, imported on first use, once this process's OpenMP thread limit is set."""
    global tesserocr
    if tesserocr is _NOT_LOADED:
        limit_ocr_threads()  # before libtesseract loads: see config.OCR_THREAD_LIMIT
        try:
            import tesserocr as module
        except ImportError:  # a broken install; said in Danish
            module = None
        tesserocr = module
    if tesserocr is None:
        raise MissingDependencyError(NOT_INSTALLED)
    return tesserocr


# This process's loaded engines, by (tessdata folder, language, segmentation mode).
_engines: dict[tuple[str, str, int], Engine] = {}


def _engine(language: str, psm: int) -> Engine:
    """This process's engine for `language` and `psm`, loaded on first use."""
    library = _library()
    tessdata = tessdata_dir() if language == LANGUAGE else _osd_dir()
    key = (str(tessdata), language, psm)
    api = _engines.get(key)
    if api is None:
        if not (tessdata / f"{language}.traineddata").is_file():
            raise MissingDependencyError(
                f"Tesseracts sprogmodel mangler i {tessdata} "
                "(Debian: apt-get install tesseract-ocr-dan)"
            )
        try:
            api = library.PyTessBaseAPI(
                path=f"{tessdata}/", lang=language, psm=psm, init=True
            )
        except RuntimeError as exc:
            raise MissingDependencyError(
                f"Tesseract kunne ikke indlæse sprogmodellen i {tessdata}: {exc}"
            ) from exc
        for name, value in config_variables().items():
            api.SetVariable(name, value)
        _engines[key] = api
    return api


def _osd_dir() -> Path:
    for tessdata in (tessdata_dir(), SYSTEM_TESSDATA):
        if (tessdata / "osd.traineddata").is_file():
            return tessdata
    return tessdata_dir()


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Keep Leptonica's C-level chatter ("Error in pixScanForForeground: invalid box", said
    of harmless empty boxes) off the terminal: mailroom staff read only postbakke's lines."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _set_image(api: Engine, image: np.ndarray, dpi: int) -> None:
    if image.ndim != 2 or image.dtype != np.uint8:
        raise InputFileError("side", "billedet er ikke et gråtonebillede")
    image = np.ascontiguousarray(image)
    height, width = image.shape
    api.SetImageBytes(image.tobytes(), width, height, 1, width)
    api.SetSourceResolution(int(round(dpi)))


def _timeout_error(timeout_s: float) -> PageTimeoutError:
    return PageTimeoutError(f"OCR af siden tog mere end {timeout_s:g} sekunder og blev afbrudt")


def ocr_image(
    image: np.ndarray, dpi: int, timeout_s: float, psm: int | None = None
) -> list[Word]:
    """Read the words on one grey page image, with boxes converted from pixels to mm.

    Words with a negative confidence (layout boxes, not words) and empty words
    are dropped. Raises `PageTimeoutError` when Tesseract needs more than
    `timeout_s` seconds.
    """
    if timeout_s <= 0:
        raise _timeout_error(timeout_s)
    api = _engine(LANGUAGE, PAGE_SEGMENTATION_MODE if psm is None else psm)
    _set_image(api, image, dpi)
    with _quiet_stderr():
        recognised = api.Recognize(max(1, int(timeout_s * 1000)))
    if not recognised:
        api.Clear()
        raise _timeout_error(timeout_s)
    mm_per_px = 25.4 / dpi
    words: list[Word] = []
    library = _library()
    level = library.RIL.WORD
    iterator = api.GetIterator()
    if iterator is not None:
        for item in library.iterate_level(iterator, level):
            try:
                text = item.GetUTF8Text(level).strip()
            except RuntimeError:  # "No text returned": an empty box
                continue
            confidence = float(item.Confidence(level))
            box = item.BoundingBox(level)
            if not text or confidence < 0 or box is None:
                continue
            left, top, right, bottom = box
            words.append(
                Word(
                    text=text,
                    x0=left * mm_per_px,
                    y0=top * mm_per_px,
                    x1=right * mm_per_px,
                    y1=bottom * mm_per_px,
                    conf=confidence,
                )
            )
    api.Clear()
    return words


def detect_orientation(image: np.ndarray, dpi: int) -> int | None:
    """Tesseract's OSD: degrees to turn the page clockwise to make it upright.

    Costs ~0.6 s a page, so it is only asked when the cheaper checks cannot
    tell (a landscape-shaped scan of a portrait letter). None when OSD finds
    too little text to say, or no OSD model is installed.
    """
    if not (_osd_dir() / "osd.traineddata").is_file():
        return None  # the page is read as scanned
    api = _engine("osd", OSD_SEGMENTATION_MODE)
    _set_image(api, image, dpi)
    try:
        with _quiet_stderr():
            result = api.DetectOrientationScript()
    finally:
        api.Clear()
    if not result:
        return None
    # orient_deg is how far the page was turned clockwise: turn it back the rest of the way
    return (360 - int(result["orient_deg"])) % 360
