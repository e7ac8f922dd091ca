"""Scanned file -> upright pages of words in mm: sniff the type, hash, text layer or OCR.

A PDF page with a usable text layer is read as it is (no OCR, exact words);
any other page, and every frame of a TIFF, PNG or JPEG, is rasterised,
cleaned (`preprocess`) and read by Tesseract (`ocr`). A file that cannot be
read raises an `InputFileError` with a Danish reason; a page that hits the OCR
time limit comes back with `Page.error` set and the rest of the file is read.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.utils.exceptions import PdfminerException
from PIL import Image, ImageSequence

from postbakke.config import DEFAULT_MAX_PAGES
from postbakke.errors import (
    EncryptedFileError,
    InputFileError,
    PageTimeoutError,
    UnsupportedFileError,
)
from postbakke.models import A4_WIDTH_MM, Page, Word
from postbakke.reading import barcodes, ocr, preprocess

MM_PER_INCH = 25.4
MM_PER_POINT = MM_PER_INCH / 72

# Magic bytes. A PDF may have a few bytes of junk before its header; readers
# (Acrobat, pdfminer) accept it within the first 1024 bytes.
PDF_HEADER = b"%PDF-"
PDF_HEADER_WINDOW = 1024
PDF_EOF_MARKER = b"%%EOF"
PDF_EOF_WINDOW = 2048  # writers may add a newline or a little padding after %%EOF
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
)

# A page whose text layer holds at least this many real words (two letters or
# more) is read from the layer. A stamp or a page number added to an image-only
# page gives a few; a printed letter page 100-250 (the generated letters).
MIN_TEXT_LAYER_WORDS = 5
REAL_WORD = re.compile(r"[A-Za-zÆØÅæøåÄÖÜäöüÉé]{2,}")

# Raster resolution: every raster page is resampled to this before it is cleaned
# and read. 200 dpi read the samples trays' scans almost as well as 300 dpi (94.4 %
# against 94.8 % of the words) in 1.0 s a page instead of 1.4 s. Enlarging poorer
# scans to it helps Tesseract a lot: at 150 dpi 89.8 % of the words instead of
# 77.6 %, at 120 dpi 87.6 % instead of 57.6 %.
OCR_DPI = 200
# Resolution metadata is trusted only if it gives a plausible paper size: many
# cameras and converters write 72 or 96 dpi whatever the scan.
PLAUSIBLE_DPI = (70.0, 1200.0)
PLAUSIBLE_WIDTH_MM = (90.0, 450.0)  # from A6 to A3 landscape

# Decompression bombs: a page larger than this many pixels is refused before it
# is decoded. A4 at 600 dpi is 35 million, A3 at 600 dpi 70 million.
MAX_PAGE_PIXELS = 80_000_000

# A scan clearly wider than tall is a portrait letter fed sideways: ask OSD.
LANDSCAPE_RATIO = 1.15

# Upside-down check, by reading: a page read upright gave a mean word
# confidence of 90-96 on the generated letters, upside down 35-45 (Tesseract
# still "reads" the turned glyphs, with low confidence). Below this the page is
# also read turned 180 degrees and the better reading is kept.
UPRIGHT_MIN_MEAN_CONF = 70.0
# ...and a reading with fewer real words than this is too short to judge by its
# confidence alone, so it is compared with the turned reading too.
UPRIGHT_MIN_WORDS = 8
# A word read at least this confidently counts towards a reading's score.
CONFIDENT_WORD = 60.0
# JPEG quality of the page images kept for review (the work station shows them).
REVIEW_IMAGE_QUALITY = 85
# Print the page's reading left out (preprocess.unread_lines) is read again crop by
# crop, as one block of text (psm 6: on the bench corpus's lost labels psm 11 read
# nothing from a tight crop, psm 6 read "Dato", "Mail", "CVR" at 93-97). The crop
# reaches this far around the marks (at 1.5 mm a name's last "d" was read as "c", at
# 3 mm bits of the neighbouring lines came in); a word read again is kept only at
# CONFIDENT_WORD or better (a pen stroke under a subject read as "eee" at 19), inside
# the crop's own marks, and where no word was read already.
SECOND_LOOK_PSM = 6
SECOND_LOOK_MARGIN_MM = 2.0

FILE_EMPTY = "filen er tom"
FILE_UNKNOWN = "ukendt filtype"
FILE_NOT_PDF = "filen hedder .pdf, men er ikke en PDF-fil"
PDF_DAMAGED = "PDF-filen er beskadiget"
PDF_TRUNCATED = "PDF-filen er beskadiget (filen er afkortet)"
PDF_ENCRYPTED = "PDF-filen er krypteret eller beskyttet med adgangskode"
PDF_PAGE_TOO_LARGE = "PDF-siden er for stor"
PDF_NO_PAGES = "PDF-filen har ingen sider"
IMAGE_TOO_LARGE = "billedet er for stort"
IMAGE_DAMAGED = "billedfilen er beskadiget"


def sniff_type(path: Path | str) -> str:
    """The file's type by its first bytes: "pdf", "tiff", "png" or "jpeg".

    The name's suffix is not trusted (a PNG named .pdf is read as a PNG); a file
    that is none of them raises `UnsupportedFileError`.
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(PDF_HEADER_WINDOW)
    if not head:
        raise InputFileError(path.name, FILE_EMPTY)
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if PDF_HEADER in head:
        return "pdf"
    if path.suffix.lower() == ".pdf":
        raise UnsupportedFileError(path.name, FILE_NOT_PDF)
    raise UnsupportedFileError(path.name, FILE_UNKNOWN)


def content_hash(path: Path | str) -> str:
    """SHA-256 of the file's bytes as hex, read in chunks (scans can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class RasterJob:
    """One raster page waiting to be decoded, cleaned and OCR'd: picklable, for a worker.

    The page travels as its place in the file and is decoded by the worker: a PDF
    page rendered (or its scanned image taken), a TIFF/PNG/JPEG frame decoded.
    Decoding is then bounded by the page's time limit with the rest of its work (a
    damaged frame that hangs a decoder costs that page), and no full-page image
    crosses between processes.
    """

    reader: _RasterReader
    number: int
    source_dpi: float
    fault: str | None = None  # a test's injected fault (config.TEST_FAULT_ENV)
    kind: str = "pdf"  # the file's type (sniff_type): how a worker decodes the page

    def read(self) -> Page:
        inject_fault(self.fault, self.reader.source.name)
        source_dpi = self.source_dpi
        if self.kind == "pdf":
            gray, source_dpi = _pdf_page_image(self.reader.source, self.number - 1,
                                               int(self.source_dpi))
        else:
            gray = _decode_frame(self.reader.source, self.number - 1)
        return self.reader.read(self.number, gray, source_dpi)


def read_raster_job(job: RasterJob) -> Page:
    """Module-level so a process pool can call it."""
    return job.read()


def inject_fault(fault: str | None, name: str) -> None:
    """A test's fault, "hang:NAME", "raise:NAME" or "crash:NAME", on the pages of file NAME.

    Set only by tests (through $POSTBAKKE_TEST_FAULT, read by config): a page that
    hangs its worker, a worker that raises, a worker that dies of a signal.
    """
    if not fault:
        return
    action, _, target = fault.partition(":")
    if target != name:
        return
    if action == "hang":
        time.sleep(3600)
    elif action == "raise":
        raise RuntimeError("injiceret testfejl")
    elif action == "crash":
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True, slots=True)
class PdfLayers:
    """A PDF's text layers (None: no usable layer on that page) and page sizes in points."""

    layers: list[list[Word] | None]
    sizes: list[tuple[float, float]]


def pdf_text_layers(path: Path) -> PdfLayers:
    """Parse every page's text layer (pdfplumber): the slow, unbounded part of a PDF.

    Module-level so a worker can run it under a time limit (pipeline.PageReader).
    """
    try:
        layers: list[list[Word] | None] = []
        sizes: list[tuple[float, float]] = []
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                layers.append(_text_layer_words(page))
                sizes.append((float(page.width), float(page.height)))
                page.close()  # drop its parsed objects: a tray's PDF can have hundreds of pages
    except PdfminerException as exc:
        raise _pdf_error(path, exc.args[0] if exc.args else exc) from exc
    except PDFEncryptionError as exc:
        raise _pdf_error(path, exc) from exc
    except RecursionError as exc:  # a page tree that loops back on itself
        raise InputFileError(path.name, PDF_DAMAGED) from exc
    except Exception as exc:  # pdfminer's parser raises many kinds on a broken file
        raise InputFileError(path.name, PDF_DAMAGED) from exc
    return PdfLayers(layers, sizes)


PdfParser = Callable[[Path, int], PdfLayers]


def _parse_here(path: Path, n_pages: int) -> PdfLayers:
    return pdf_text_layers(path)


def page_sources(
    path: Path, workdir: Path, timeout_s: float = 30.0, dpi: int = OCR_DPI,
    max_pages: int = DEFAULT_MAX_PAGES, parse: PdfParser = _parse_here,
    fault: str | None = None, separator_text: str = barcodes.SEPARATOR_TEXT,
) -> Iterator[Page | RasterJob]:
    """A file's pages in order: text-layer pages read, raster pages as jobs to OCR.

    Lazy, so that a caller can keep only a few page images in memory at a time
    and hand the jobs to worker processes. `parse(path, n_pages)` parses a PDF's
    text layers (a caller may run it in a worker, under a time limit). Raises
    `InputFileError` (possibly after some pages) when the file cannot be read,
    also when it has no pages at all.
    """
    path = Path(path)
    kind = sniff_type(path)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    reader = _RasterReader(
        path, workdir, content_hash(path)[:16], timeout_s, dpi, separator_text
    )
    if kind == "pdf":
        yield from _pdf_sources(path, reader, dpi, max_pages, parse, fault)
    else:
        for number, frame_dpi in _image_frames(path, max_pages):
            yield RasterJob(reader, number, frame_dpi, fault, kind)


def read_pages(
    path: Path, workdir: Path, timeout_s: float = 30.0, dpi: int = OCR_DPI,
    max_pages: int = DEFAULT_MAX_PAGES, separator_text: str = barcodes.SEPARATOR_TEXT,
) -> list[Page]:
    """Read every page of a scanned file into upright pages of words in mm, in this process.

    `timeout_s` bounds the OCR of one page (both readings, if it is checked
    upside down); `dpi` is the resolution OCR works at. Page images that were
    OCR'd are kept, cleaned, as PNG files in `workdir` (named after the file's
    content hash) and named in `Page.image_path`.
    """
    return [
        item if isinstance(item, Page) else item.read()
        for item in page_sources(path, workdir, timeout_s, dpi, max_pages,
                                 separator_text=separator_text)
    ]


def _too_many_pages(path: Path, count: int, max_pages: int) -> InputFileError:
    return InputFileError(
        path.name, f"filen har {count} sider, mere end de højst {max_pages}; del scanningen op"
    )


# --- PDF ---------------------------------------------------------------------------------------


def _pdf_sources(
    path: Path, reader: _RasterReader, dpi: int, max_pages: int, parse: PdfParser,
    fault: str | None,
) -> Iterator[Page | RasterJob]:
    _check_pdf_complete(path)
    document = _open_pdfium(path)
    try:
        count = len(document)
    finally:
        document.close()
    if count > max_pages:
        raise _too_many_pages(path, count, max_pages)
    if count == 0:
        raise InputFileError(path.name, PDF_NO_PAGES)
    parsed = parse(path, count)
    for index, words in enumerate(parsed.layers):
        number = index + 1
        width_pt, height_pt = parsed.sizes[index]
        if words is not None:
            yield Page(
                number=number,
                words=tuple(words),
                width_mm=width_pt * MM_PER_POINT,
                height_mm=height_pt * MM_PER_POINT,
                method="text",
            )
            continue
        yield RasterJob(reader, number, dpi, fault)


def _check_pdf_complete(path: Path) -> None:
    """A PDF cut short (an interrupted copy) lacks its final %%EOF: refuse it rather than
    let a parser's recovery silently drop the pages that were lost."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - PDF_EOF_WINDOW))
        tail = handle.read()
    if PDF_EOF_MARKER not in tail:
        raise InputFileError(path.name, PDF_TRUNCATED)


def _pdf_error(path: Path, cause: BaseException) -> InputFileError:
    if isinstance(cause, PDFEncryptionError):
        return EncryptedFileError(path.name, PDF_ENCRYPTED)
    return InputFileError(path.name, PDF_DAMAGED)


def _text_layer_words(page: pdfplumber.page.Page) -> list[Word] | None:
    """The page's words from its text layer in mm, or None if it has no usable layer."""
    try:
        raw = page.extract_words()
    except Exception:  # a broken content stream: the raster may still be readable
        return None
    if sum(1 for word in raw if REAL_WORD.search(word["text"])) < MIN_TEXT_LAYER_WORDS:
        return None
    return [
        Word(
            text=word["text"],
            x0=float(word["x0"]) * MM_PER_POINT,
            y0=float(word["top"]) * MM_PER_POINT,
            x1=float(word["x1"]) * MM_PER_POINT,
            y1=float(word["bottom"]) * MM_PER_POINT,
            conf=100.0,
        )
        for word in raw
        if word["text"].strip()
    ]


def _open_pdfium(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedFileError(path.name, PDF_ENCRYPTED) from exc
        raise InputFileError(path.name, PDF_DAMAGED) from exc


def _pdf_page_image(path: Path, index: int, dpi: int) -> tuple[np.ndarray, float]:
    """One PDF page as a grey image and its resolution: the scanner's own image when the
    page is nothing but that image, else rendered at `dpi`."""
    document = _open_pdfium(path)
    try:
        page = document[index]
        try:
            scan = _scanned_image(page)
        finally:
            page.close()
        if scan is not None:
            return scan
        return _render_pdf_page(path, document, index, dpi), float(dpi)
    finally:
        document.close()


# Image objects taken as they are (`_scanned_image`): 8-bit grey or 24-bit colour
# (DeviceGray, DeviceRGB, ICCBased), decoded by pdfium into grey, BGR or BGRx.
_DIRECT_COLOURSPACES = frozenset({1, 2, 7})
_DIRECT_BITS = frozenset({8, 24})
_DIRECT_FORMATS = frozenset({1, 2, 3})
_MIN_DIRECT_DPI = 150.0  # below this the renderer's own resampling is as good
_PLACEMENT_TOLERANCE_PT = 1.0


def _scanned_image(page: pdfium.PdfPage) -> tuple[np.ndarray, float] | None:
    """(grey image, dpi) of a scanner's page: one upright image covering the whole page.

    A scanner writes each page as one JPEG or Flate image filling the page, so its
    pixels are the page: decoding them (~15 ms at 300 dpi) instead of rendering
    the page (~70 ms, pdfium's smoothing resampler) gives the same picture. Anything
    else (text, vector art, a second image, a turned or cropped placement, 1-bit,
    CMYK, indexed or masked images) returns None and is rendered.
    """
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pdfium.raw.FPDF_PAGEOBJ_IMAGE:
        return None
    image = objects[0]
    a, b, c, d, _, _ = image.get_matrix().get()
    if b or c or a <= 0 or d <= 0:
        return None
    page_box = page.get_bbox()
    if any(abs(x - y) > _PLACEMENT_TOLERANCE_PT
           for x, y in zip(image.get_bounds(), page_box, strict=True)):
        return None
    try:
        metadata = image.get_metadata()
        if (metadata.colorspace not in _DIRECT_COLOURSPACES
                or metadata.bits_per_pixel not in _DIRECT_BITS):
            return None
        width_px, height_px = metadata.width, metadata.height
        if width_px * height_px > MAX_PAGE_PIXELS:
            return None
        dpi = width_px / ((page_box[2] - page_box[0]) / 72)
        if dpi < _MIN_DIRECT_DPI:
            return None
        bitmap = image.get_bitmap(render=False)
    except pdfium.PdfiumError:
        return None  # let the renderer judge (and name) the damage
    if bitmap.format not in _DIRECT_FORMATS or bitmap.rev_byteorder:
        return None
    pixels = np.array(bitmap.to_numpy(), copy=True)  # the bitmap's memory is pdfium's
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    return preprocess.to_gray(pixels), dpi


def _render_pdf_page(path: Path, document: pdfium.PdfDocument, index: int, dpi: int) -> np.ndarray:
    """One PDF page as a grey image at `dpi` (pdfium applies the page's /Rotate)."""
    page = document[index]
    try:
        width_pt, height_pt = page.get_size()
        scale = dpi / 72
        if width_pt * scale * height_pt * scale > MAX_PAGE_PIXELS:
            raise InputFileError(path.name, PDF_PAGE_TOO_LARGE)
        try:
            bitmap = page.render(scale=scale, grayscale=True)
        except pdfium.PdfiumError as exc:
            raise InputFileError(path.name, PDF_DAMAGED) from exc
        image = np.ascontiguousarray(bitmap.to_numpy())
        bitmap.close()
    finally:
        page.close()
    return preprocess.to_gray(image)


# --- TIFF, PNG, JPEG ---------------------------------------------------------------------------


def _image_frames(path: Path, max_pages: int) -> Iterator[tuple[int, float]]:
    """(page number, dpi) for each frame, checked for size; the frames are decoded later
    (`_decode_frame`, in a worker under the page's time limit)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise InputFileError(path.name, IMAGE_TOO_LARGE) from exc
    except OSError as exc:
        raise InputFileError(path.name, IMAGE_DAMAGED) from exc
    with image:
        try:
            count = getattr(image, "n_frames", 1)
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise InputFileError(path.name, IMAGE_DAMAGED) from exc
        if count > max_pages:
            raise _too_many_pages(path, count, max_pages)
        frames: list[tuple[int, float]] = []
        try:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                width, height = frame.size
                if width * height > MAX_PAGE_PIXELS:
                    raise InputFileError(path.name, IMAGE_TOO_LARGE)
                frames.append((index + 1, _image_dpi(frame)))
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise InputFileError(path.name, IMAGE_DAMAGED) from exc
    yield from frames


def _decode_frame(path: Path, index: int) -> np.ndarray:
    """Frame `index` of a TIFF, PNG or JPEG as a grey image (its size checked before)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.seek(index)
                if image.size[0] * image.size[1] > MAX_PAGE_PIXELS:
                    raise InputFileError(path.name, IMAGE_TOO_LARGE)
                return np.asarray(_to_grey(image))
    except Image.DecompressionBombError as exc:
        raise InputFileError(path.name, IMAGE_TOO_LARGE) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InputFileError(path.name, IMAGE_DAMAGED) from exc


def _to_grey(frame: Image.Image) -> Image.Image:
    if frame.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grey: scale to 8 bits rather than clip.
        data = np.asarray(frame, dtype=np.float64)
        top = max(float(data.max()), 1.0)
        return Image.fromarray((data / top * 255).astype(np.uint8))
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    return frame.convert("L")


def _image_dpi(frame: Image.Image) -> float:
    """The frame's horizontal resolution: its metadata if plausible, else A4 width assumed."""
    width_px = frame.size[0]
    dpi = frame.info.get("dpi")
    if isinstance(dpi, tuple) and dpi:
        try:
            value = float(dpi[0])
        except (TypeError, ValueError):
            value = 0.0
        if PLAUSIBLE_DPI[0] <= value <= PLAUSIBLE_DPI[1]:
            width_mm = width_px / value * MM_PER_INCH
            if PLAUSIBLE_WIDTH_MM[0] <= width_mm <= PLAUSIBLE_WIDTH_MM[1]:
                return value
    # No usable metadata: a portrait A4 page's short side is 210 mm.
    short_side_px = min(frame.size)
    return short_side_px / (A4_WIDTH_MM / MM_PER_INCH)


# --- raster pages: clean, orient, OCR ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reading:
    words: list[Word]
    rotation: int
    image: np.ndarray  # the page as it was read

    @property
    def score(self) -> float:
        """How well the page read: characters in confident, word-like words."""
        confident = (w for w in self.words if w.conf >= CONFIDENT_WORD and REAL_WORD.search(w.text))
        return float(sum(len(w.text) for w in confident))

    @property
    def looks_upright(self) -> bool:
        real = [w for w in self.words if REAL_WORD.search(w.text)]
        if len(real) < UPRIGHT_MIN_WORDS:
            return False
        return sum(w.conf for w in self.words) / len(self.words) >= UPRIGHT_MIN_MEAN_CONF


def _inside(word: Word, box: tuple[float, float, float, float]) -> bool:
    """Whether a word's centre lies in a box (mm)."""
    return box[0] <= word.xc <= box[2] and box[1] <= word.yc <= box[3]


def _overlaps(word: Word, other: Word) -> bool:
    """Whether two words' boxes share more than a third of the smaller one."""
    width = min(word.x1, other.x1) - max(word.x0, other.x0)
    height = min(word.y1, other.y1) - max(word.y0, other.y0)
    if width <= 0 or height <= 0:
        return False
    smaller = min((word.x1 - word.x0) * word.height, (other.x1 - other.x0) * other.height)
    return width * height > smaller / 3


@dataclass(frozen=True, slots=True)
class _RasterReader:
    """Turns a grey page image into a Page: resample, orient, deskew, blank check, OCR."""

    source: Path
    workdir: Path
    key: str  # content-hash prefix naming this file's page images
    timeout_s: float
    dpi: int
    separator_text: str = barcodes.SEPARATOR_TEXT

    def read(self, number: int, gray: np.ndarray, source_dpi: float) -> Page:
        """One raster page: resample, turn a sideways scan, skip a blank one, clean, read."""
        deadline = time.monotonic() + self.timeout_s
        gray = preprocess.resize_to_dpi(gray, source_dpi, self.dpi)
        turned = 0
        if gray.shape[1] > LANDSCAPE_RATIO * gray.shape[0]:
            turned = self._sideways_rotation(gray)
            gray = preprocess.turn(gray, turned)
        page = Page(
            number=number,
            words=(),
            width_mm=gray.shape[1] / self.dpi * MM_PER_INCH,
            height_mm=gray.shape[0] / self.dpi * MM_PER_INCH,
            method="ocr",
            rotation=turned,
        )
        survey = preprocess.survey_marks(gray, self.dpi)
        if survey.barcode_like and barcodes.is_separator(
            gray, self.separator_text, survey.barcode_boxes
        ):
            # a separator sheet between letters: never OCR'd (a QR code can be a
            # single mark, so this comes before the blank check)
            return replace(page, is_separator=True)
        if preprocess.is_blank_mark_count(survey.marks):
            # a duplex scanner's empty back page: nothing to read or keep
            return replace(page, is_blank=True)

        clean = preprocess.clean_page(gray, self.dpi)
        page = replace(page, skew_deg=clean.skew_deg)
        image, rotation = clean.image, turned
        if preprocess.looks_upside_down(image, self.dpi):
            # a sheet fed upside down: turned first, so it is read once, not twice
            image, rotation = preprocess.turn(image, 180), (turned + 180) % 360
        try:
            reading = self._ocr(image, rotation, deadline)
        except PageTimeoutError as exc:
            return replace(page, error=exc.message)
        if not reading.looks_upright:
            reading = self._better_of(reading, deadline)
        reading = self._second_look(reading, deadline)
        # named by opaque ids only (content hash, page): never after the scanned file
        image_path = self.workdir / f"{self.key}-p{number:03d}.jpg"
        # JPEG: 6 ms a page where PNG took 36 ms, and a smaller file (~240 KB); the
        # cleaned page is black print on white, which JPEG at this quality keeps sharp
        Image.fromarray(reading.image).save(
            image_path, dpi=(self.dpi, self.dpi), quality=REVIEW_IMAGE_QUALITY
        )
        return replace(
            page, words=tuple(reading.words), rotation=reading.rotation, image_path=str(image_path)
        )

    def _better_of(self, reading: _Reading, deadline: float) -> _Reading:
        """Read the page turned 180 degrees too and keep the reading with more real words."""
        try:
            other = self._ocr(
                preprocess.turn(reading.image, 180), (reading.rotation + 180) % 360, deadline
            )
        except PageTimeoutError:
            return reading  # no time left for a second reading: keep the first
        return other if other.score > reading.score else reading

    def _second_look(self, reading: _Reading, deadline: float) -> _Reading:
        """Read again, crop by crop, print in the address and info area left unread."""
        px_per_mm = self.dpi / MM_PER_INCH
        read_boxes = [(w.x0 * px_per_mm, w.y0 * px_per_mm, w.x1 * px_per_mm, w.y1 * px_per_mm)
                      for w in reading.words]
        added: list[Word] = []
        image = reading.image
        margin = int(round(SECOND_LOOK_MARGIN_MM * px_per_mm))
        for x0, y0, x1, y1 in preprocess.unread_lines(image, self.dpi, read_boxes):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            left, top = max(0, x0 - margin), max(0, y0 - margin)
            crop = image[top : y1 + margin, left : x1 + margin]
            try:
                words = ocr.ocr_image(crop, self.dpi, remaining, psm=SECOND_LOOK_PSM)
            except PageTimeoutError:
                break
            except InputFileError as exc:
                raise InputFileError(self.source.name, exc.reason) from exc
            dx, dy = left / px_per_mm, top / px_per_mm
            box = (x0 / px_per_mm, y0 / px_per_mm, x1 / px_per_mm, y1 / px_per_mm)
            for word in words:
                moved = replace(word, x0=word.x0 + dx, y0=word.y0 + dy,
                                x1=word.x1 + dx, y1=word.y1 + dy)
                if (moved.conf >= CONFIDENT_WORD and _inside(moved, box)
                        and not any(_overlaps(moved, w) for w in reading.words)):
                    added.append(moved)
        if not added:
            return reading
        return replace(reading, words=reading.words + added)

    def _ocr(self, image: np.ndarray, rotation: int, deadline: float) -> _Reading:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PageTimeoutError(
                f"OCR af siden tog mere end {self.timeout_s:g} sekunder og blev afbrudt"
            )
        try:
            words = ocr.ocr_image(image, self.dpi, remaining)
        except InputFileError as exc:
            raise InputFileError(self.source.name, exc.reason) from exc
        return _Reading(words=words, rotation=rotation, image=image)

    def _sideways_rotation(self, gray: np.ndarray) -> int:
        """Clockwise turn (90 or 270) that makes a sideways scan portrait, by Tesseract's OSD."""
        flat = preprocess.whiten_paper(preprocess.normalise_contrast(gray, self.dpi))
        # None: too little text for OSD to say; leave it as scanned.
        return ocr.detect_orientation(flat, self.dpi) or 0


# --- is the scanner done writing? ----------------------------------------------------------------

# How many IFDs (pages) of a TIFF are followed before it is taken as it is: far above
# max_pages, so only a file whose chain of pages loops back on itself stops here.
_TIFF_MAX_IFDS = 10_000
PNG_END = b"IEND\xaeB`\x82"
JPEG_END = b"\xff\xd9"
_TAIL_BYTES = 64


def looks_complete(path: Path | str) -> bool:
    """Whether a scanner seems done writing the file: decodable to its last page.

    The watch folder asks this before it hands a settled file over: a scanner that
    pauses longer than the settle time between the pages of a multi-page TIFF
    leaves a file that reads, but short. A PDF needs its final %%EOF, a PNG its
    IEND chunk, a JPEG its end marker, a TIFF every page's directory inside the
    file and its last page decodable. A file of no known type is "complete": the
    reader sets it aside with its reason.
    """
    path = Path(path)
    try:
        kind = sniff_type(path)
        size = path.stat().st_size
        with path.open("rb") as handle:
            handle.seek(max(0, size - PDF_EOF_WINDOW))
            tail = handle.read()
    except InputFileError:
        return True
    if kind == "pdf":
        return PDF_EOF_MARKER in tail
    if kind == "png":
        return PNG_END in tail[-_TAIL_BYTES:]
    if kind == "jpeg":
        return JPEG_END in tail[-_TAIL_BYTES:]
    return _tiff_complete(path, size)


_TIFF_TYPE_SIZES = {3: 2, 4: 4, 16: 8}  # SHORT, LONG, LONG8: the types offsets come in
_TIFF_DATA_TAGS = ((273, 279), (324, 325))  # (Strip|Tile)Offsets, (Strip|Tile)ByteCounts


def _tiff_complete(path: Path, size: int) -> bool:
    """Every page directory and every page's image data lie inside the file."""
    with path.open("rb") as handle:
        head = handle.read(16)
        endian: Any = "little" if head[:2] == b"II" else "big"
        big = int.from_bytes(head[2:4], endian) == 43
        offset_size, count_size, entry_size = (8, 8, 20) if big else (4, 2, 12)
        offset = int.from_bytes(head[8:16] if big else head[4:8], endian)
        seen: set[int] = set()

        def number(raw: bytes) -> int:
            return int.from_bytes(raw, endian)

        def values(entry: bytes) -> list[int]:
            kind, count = number(entry[2:4]), number(entry[4:4 + (8 if big else 4)])
            width = _TIFF_TYPE_SIZES.get(kind)
            if width is None or count > 1_000_000:
                return []
            raw = entry[(12 if big else 8):]
            if width * count > offset_size:
                handle.seek(number(raw))
                raw = handle.read(width * count)
                if len(raw) < width * count:
                    return [size + 1]  # the list itself lies past the end
            return [number(raw[i * width:(i + 1) * width]) for i in range(count)]

        while offset:
            if offset in seen or len(seen) > _TIFF_MAX_IFDS:
                return True  # a loop: the reader will say what is wrong
            seen.add(offset)
            if offset + count_size > size:
                return False
            handle.seek(offset)
            count = number(handle.read(count_size))
            end = offset + count_size + count * entry_size + offset_size
            if end > size:
                return False
            entries = {}
            for _ in range(count):
                entry = handle.read(entry_size)
                entries[number(entry[:2])] = entry
            after = handle.tell()
            for offsets_tag, counts_tag in _TIFF_DATA_TAGS:
                if offsets_tag in entries and counts_tag in entries:
                    starts, lengths = values(entries[offsets_tag]), values(entries[counts_tag])
                    if any(a + b > size for a, b in zip(starts, lengths, strict=False)):
                        return False
            handle.seek(after)
            offset = number(handle.read(offset_size))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                image.seek(getattr(image, "n_frames", 1) - 1)
                image.load()
    except Image.DecompressionBombError:
        return True  # complete, but too large: the reader says so
    except (OSError, ValueError, SyntaxError, EOFError):
        return False
    return True
