"""Raster pages: a grey page image cleaned, turned upright and read by OCR.

A `RasterJob` is one page waiting for a worker: it decodes its page (a PDF page's image,
a TIFF/PNG/JPEG frame) and hands it to the `RasterReader`, which resamples it, turns a
sideways or upside-down scan, knows a separator sheet and a blank back, cleans the page
and reads it; a page read poorly is read turned 180 degrees too, and print the reading
left out gets a second look, crop by crop. A page over its OCR time limit comes back
with `Page.error` set.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from postbakke.errors import InputFileError, PageTimeoutError
from postbakke.models import Page, Word
from postbakke.reading import barcodes, marks, ocr, preprocess
from postbakke.reading.images import MM_PER_INCH, decode_frame
from postbakke.reading.pdf import REAL_WORD, pdf_page_image

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
# Print the page's reading left out (marks.unread_lines) is read again crop by
# crop, as one block of text (psm 6: on the bench corpus's lost labels psm 11 read
# nothing from a tight crop, psm 6 read "Dato", "Mail", "CVR" at 93-97). The crop
# reaches this far around the marks (at 1.5 mm a name's last "d" was read as "c", at
# 3 mm bits of the neighbouring lines came in); a word read again is kept only at
# CONFIDENT_WORD or better (a pen stroke under a subject read as "eee" at 19), inside
# the crop's own marks, and where no word was read already.
SECOND_LOOK_PSM = 6
SECOND_LOOK_MARGIN_MM = 2.0


@dataclass(frozen=True, slots=True)
class RasterJob:
    """One raster page waiting to be decoded, cleaned and OCR'd: picklable, for a worker.

    The page travels as its place in the file and is decoded by the worker: a PDF
    page rendered (or its scanned image taken), a TIFF/PNG/JPEG frame decoded.
    Decoding is then bounded by the page's time limit with the rest of its work (a
    damaged frame that hangs a decoder costs that page), and no full-page image
    crosses between processes.
    """

    reader: RasterReader
    number: int
    source_dpi: float
    fault: str | None = None  # a test's injected fault (config.TEST_FAULT_ENV)
    kind: str = "pdf"  # the file's type (sniff_type): how a worker decodes the page

    def read(self) -> Page:
        inject_fault(self.fault, self.reader.source.name)
        source_dpi = self.source_dpi
        if self.kind == "pdf":
            gray, source_dpi = pdf_page_image(self.reader.source, self.number - 1,
                                              int(self.source_dpi))
        else:
            gray = decode_frame(self.reader.source, self.number - 1)
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
class Reading:
    """One reading of a page: its words, the turn it was read at, the image it was read from."""

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
class RasterReader:
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
        survey = marks.survey_marks(gray, self.dpi)
        if survey.barcode_like and barcodes.is_separator(
            gray, self.separator_text, survey.barcode_boxes
        ):
            # a separator sheet between letters: never OCR'd (a QR code can be a
            # single mark, so this comes before the blank check)
            return replace(page, is_separator=True)
        if marks.is_blank_mark_count(survey.marks):
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

    def _better_of(self, reading: Reading, deadline: float) -> Reading:
        """Read the page turned 180 degrees too and keep the reading with more real words."""
        try:
            other = self._ocr(
                preprocess.turn(reading.image, 180), (reading.rotation + 180) % 360, deadline
            )
        except PageTimeoutError:
            return reading  # no time left for a second reading: keep the first
        return other if other.score > reading.score else reading

    def _second_look(self, reading: Reading, deadline: float) -> Reading:
        """Read again, crop by crop, print in the address and info area left unread."""
        px_per_mm = self.dpi / MM_PER_INCH
        read_boxes = [(w.x0 * px_per_mm, w.y0 * px_per_mm, w.x1 * px_per_mm, w.y1 * px_per_mm)
                      for w in reading.words]
        added: list[Word] = []
        image = reading.image
        margin = int(round(SECOND_LOOK_MARGIN_MM * px_per_mm))
        for x0, y0, x1, y1 in marks.unread_lines(image, self.dpi, read_boxes):
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

    def _ocr(self, image: np.ndarray, rotation: int, deadline: float) -> Reading:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PageTimeoutError(
                f"OCR af siden tog mere end {self.timeout_s:g} sekunder og blev afbrudt"
            )
        try:
            words = ocr.ocr_image(image, self.dpi, remaining)
        except InputFileError as exc:
            raise InputFileError(self.source.name, exc.reason) from exc
        return Reading(words=words, rotation=rotation, image=image)

    def _sideways_rotation(self, gray: np.ndarray) -> int:
        """Clockwise turn (90 or 270) that makes a sideways scan portrait, by Tesseract's OSD."""
        flat = preprocess.whiten_paper(preprocess.normalise_contrast(gray, self.dpi))
        # None: too little text for OSD to say; leave it as scanned.
        return ocr.detect_orientation(flat, self.dpi) or 0

