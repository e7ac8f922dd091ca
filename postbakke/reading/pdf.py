"""A PDF's pages: the text layers read as words in mm, every other page as a grey image.

A page with a usable text layer is read from it as it is (no OCR, exact words). Any
other page is a raster page: the scanner's own image when the page is nothing but
that image, else the page rendered; `raster` reads it. A PDF cut short, encrypted or
damaged is refused with a Danish reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.utils.exceptions import PdfminerException

from postbakke.errors import EncryptedFileError, InputFileError
from postbakke.models import Page, Word
from postbakke.reading import preprocess
from postbakke.reading.files import PDF_EOF_MARKER, PDF_EOF_WINDOW
from postbakke.reading.images import MAX_PAGE_PIXELS, MM_PER_INCH, too_many_pages

MM_PER_POINT = MM_PER_INCH / 72

# A page whose text layer holds at least this many real words (two letters or
# more) is read from the layer. A stamp or a page number added to an image-only
# page gives a few; a printed letter page 100-250 (the generated letters).
MIN_TEXT_LAYER_WORDS = 5
REAL_WORD = re.compile(r"[A-Za-zÆØÅæøåÄÖÜäöüÉé]{2,}")

PDF_DAMAGED = "PDF-filen er beskadiget"
PDF_TRUNCATED = "PDF-filen er beskadiget (filen er afkortet)"
PDF_ENCRYPTED = "PDF-filen er krypteret eller beskyttet med adgangskode"
PDF_PAGE_TOO_LARGE = "PDF-siden er for stor"
PDF_NO_PAGES = "PDF-filen har ingen sider"


@dataclass(frozen=True, slots=True)
class PdfLayers:
    """A PDF's text layers (None: no usable layer on that page) and page sizes in points."""

    layers: list[list[Word] | None]
    sizes: list[tuple[float, float]]

    def text_page(self, index: int) -> Page | None:
        """Page `index` (0-based) read from its text layer; None: a raster page."""
        words = self.layers[index]
        if words is None:
            return None
        width_pt, height_pt = self.sizes[index]
        return Page(number=index + 1, words=tuple(words), width_mm=width_pt * MM_PER_POINT,
                    height_mm=height_pt * MM_PER_POINT, method="text")


def pdf_text_layers(path: Path) -> PdfLayers:
    """Parse every page's text layer (pdfplumber): the slow, unbounded part of a PDF.

    Module-level so a worker can run it under a time limit (reading.page_reader.PageReader).
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


def page_count(path: Path, max_pages: int) -> int:
    """How many pages the PDF has; refused when it is cut short, has none or too many."""
    _check_pdf_complete(path)
    document = _open_pdfium(path)
    try:
        count = len(document)
    finally:
        document.close()
    if count > max_pages:
        raise too_many_pages(path, count, max_pages)
    if count == 0:
        raise InputFileError(path.name, PDF_NO_PAGES)
    return count


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


def pdf_page_image(path: Path, index: int, dpi: int) -> tuple[np.ndarray, float]:
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


# A text-layer page is kept as an image too, for the work station (it shows every letter
# as its page, with the fields outlined): rendered at the screen's size (an A4 page is
# ~1,100 px wide there, so 133 dpi), not at OCR's 200 dpi, which no one reads. Measured
# on 16 generated text-layer pages: ~5 ms a page to render and save (parsing the text
# layer takes ~70 ms), ~96 KB a page.
TEXT_PAGE_IMAGE_DPI = 133
TEXT_PAGE_IMAGE_QUALITY = 85


def save_text_page_images(path: Path, indices: list[int], stored: list[Path]) -> None:
    """Render text-layer pages (0-based `indices`) to the JPEG files `stored`, one open."""
    from PIL import Image

    document = _open_pdfium(path)
    try:
        for index, target in zip(indices, stored, strict=True):
            image = _render_pdf_page(path, document, index, TEXT_PAGE_IMAGE_DPI)
            target.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(target, dpi=(TEXT_PAGE_IMAGE_DPI,) * 2,
                                        quality=TEXT_PAGE_IMAGE_QUALITY)
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

