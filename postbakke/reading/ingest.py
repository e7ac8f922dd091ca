"""Scanned file -> upright pages of words in mm: sniff the type, hash, text layer or OCR.

A PDF page with a usable text layer is read as it is (no OCR, exact words);
any other page, and every frame of a TIFF, PNG or JPEG, is rasterised,
cleaned (`preprocess`) and read by Tesseract (`ocr`). A file that cannot be
read raises an `InputFileError` with a Danish reason; a page that hits the OCR
time limit comes back with `Page.error` set and the rest of the file is read.

The steps, each in its module: `files` (the type by the first bytes, the content
hash, whether the scanner is done), `pdf` (text layers, page images), `images`
(TIFF, PNG and JPEG frames), `raster` (a page image cleaned, turned and read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from postbakke.config import DEFAULT_MAX_PAGES
from postbakke.models import Page
from postbakke.reading import barcodes
from postbakke.reading.files import content_hash, sniff_type
from postbakke.reading.images import image_frames
from postbakke.reading.pdf import PdfLayers, page_count, pdf_text_layers, save_text_page_images
from postbakke.reading.raster import RasterJob, RasterReader

# Raster resolution: every raster page is resampled to this before it is cleaned
# and read. 200 dpi read the samples trays' scans almost as well as 300 dpi (94.4 %
# against 94.8 % of the words) in 1.0 s a page instead of 1.4 s. Enlarging poorer
# scans to it helps Tesseract a lot: at 150 dpi 89.8 % of the words instead of
# 77.6 %, at 120 dpi 87.6 % instead of 57.6 %.
OCR_DPI = 200


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
    reader = RasterReader(
        path, workdir, content_hash(path)[:16], timeout_s, dpi, separator_text
    )
    if kind == "pdf":
        yield from _pdf_sources(path, reader, dpi, max_pages, parse, fault)
    else:
        for number, frame_dpi in image_frames(path, max_pages):
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


def _pdf_sources(
    path: Path, reader: RasterReader, dpi: int, max_pages: int, parse: PdfParser,
    fault: str | None,
) -> Iterator[Page | RasterJob]:
    parsed = parse(path, page_count(path, max_pages))
    text_pages = [i for i in range(len(parsed.layers)) if parsed.layers[i] is not None]
    images = [reader.workdir / f"{reader.key}-p{i + 1:03d}.jpg" for i in text_pages]
    if text_pages:
        # the work station shows a text-layer page as its image too (outlined like a scan)
        save_text_page_images(path, text_pages, images)
    image_of = dict(zip(text_pages, images, strict=True))
    for index in range(len(parsed.layers)):
        page = parsed.text_page(index)
        if page is None:
            yield RasterJob(reader, index + 1, dpi, fault)
        else:
            yield replace(page, image_path=str(image_of[index]))
