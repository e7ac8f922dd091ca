"""Marks on a page image: how many, and whether some look like a barcode or unread print.

Pure functions on numpy arrays, beside `preprocess`: the blank-page test, the
barcode-shape test that decides whether a page is searched for a separator sheet's
code, and the print Tesseract left unread in the address area.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from postbakke.reading.preprocess import (
    A4_WIDTH_MM,
    INK_LEVEL,
    INK_LEVEL_FOR_LINES,
    normalise_contrast,
    to_gray,
)

# Blank page: ignore the margins (scanner edges, staples; punch holes sit 9-15 mm
# from the left edge, ISO 838, or the right one when the sheet went in upside
# down), drop specks (scanner noise, dust) and count the marks the size of a
# character. Generated noise, dust, a hair, punch holes, scanner edges,
# show-through and shading gave 0-1 marks; the word "Bilag" 4-5, "Side 2 af 2" 7-8.
# A page wrongly called blank loses its text, one wrongly called not blank only
# costs an OCR run, hence the low limit.
BLANK_SIDE_MARGIN_MM = 16.0
BLANK_TOP_BOTTOM_MARGIN_MM = 8.0
BLANK_MIN_MARK_MM = 0.8  # a mark smaller than this in both directions is a speck
BLANK_MAX_MARK_MM = 40.0  # larger than this is an edge shadow or a fold, not text
BLANK_MAX_MARKS = 2
# A barcode's shape (survey_marks), which decides whether a page is searched for a
# separator's barcode. Linear codes: at least BAR_MIN_COUNT bars at least
# BAR_MIN_LENGTH_MM long, at most BAR_MAX_WIDTH_MM wide, BAR_MIN_ASPECT times longer
# than wide, their lengths within BAR_LENGTH_SPREAD of each other. PATCHT in Code 39
# has 40 bars, in Code 128 28; printed codes are >= 5 mm high (Paperless-ngx's sheets
# ~10 mm). A large Code 128 (the bench corpus's sheets: 1.1 mm modules, 60 mm high)
# has bars up to 4.4 mm wide: with a 2 mm limit 2 of its 10 sheets went unsearched.
# Text does not qualify: a 10-12 pt "l" is 2.5-3 mm, an 18 pt one ~4.6 mm but never
# six of one length side by side in a letterhead.
BAR_MIN_LENGTH_MM = 4.0
BAR_MAX_WIDTH_MM = 6.0
BAR_MIN_ASPECT = 3.0
BAR_MIN_COUNT = 6
BAR_LENGTH_SPREAD = 0.2
BAR_NEIGHBOUR_GAP = 1.0  # bars of a code stand closer than their length (usually < 0.3)
# Matrix codes and linear codes whose bars ran together (blur, fax, toner): one mark
# at least MATRIX_MIN_SIDE_MM both ways, filled at least MATRIX_MIN_FILL. The largest
# letters of a letterhead (18 pt bold) are < 5 mm; a stamp's or a signature's frame,
# large but thin, fills < 0.2 of its box; a page edge or fold is longer than
# MATRIX_MAX_SIDE_MM (and touches the margin). A logo qualifies: one search, ~30 ms.
MATRIX_MIN_SIDE_MM = 6.0
MATRIX_MAX_SIDE_MM = 150.0
MATRIX_MIN_FILL = 0.3


@dataclass(frozen=True, slots=True)
class MarkSurvey:
    """What the marks on a page look like: how many, and whether some look like a barcode."""

    marks: int
    # where something shaped like a barcode lies: (x0, y0, x1, y1) in px of the page
    barcode_boxes: tuple[tuple[int, int, int, int], ...] = ()

    @property
    def barcode_like(self) -> bool:
        return bool(self.barcode_boxes)


def count_marks(image: np.ndarray, dpi: float | None = None) -> int:
    """Marks the size of a character or more inside the margins (specks, edges, folds left out).

    `dpi` defaults to what the width implies for an A4 page.
    """
    return survey_marks(image, dpi).marks


def _barcode_boxes(
    stats: np.ndarray, px_per_mm: float, inner_shape: tuple[int, ...]
) -> list[tuple[int, int, int, int]]:
    """Boxes (px of the inner area) of the marks that have a barcode's shape (BAR_*, MATRIX_*).

    A linear code is a row of parallel bars, long and thin, of one length; a matrix
    code (QR, Data Matrix, Aztec) or a blurred or fax-quality linear code whose bars
    ran together is a dense block far larger than a letter. Marks touching the margin
    (scanner edges, folds) are left out.
    """
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    inside = (x > 0) & (y > 0) & (x + w < inner_shape[1]) & (y + h < inner_shape[0])
    long_mm = np.maximum(w, h) / px_per_mm
    short_mm = np.minimum(w, h) / px_per_mm
    bars = inside & (long_mm >= BAR_MIN_LENGTH_MM) & (short_mm <= BAR_MAX_WIDTH_MM) & (
        long_mm >= BAR_MIN_ASPECT * np.maximum(short_mm, 1e-3)
    )
    boxes: list[tuple[int, int, int, int]] = []
    if np.count_nonzero(bars) >= BAR_MIN_COUNT:
        for group in _bar_rows(np.flatnonzero(bars), stats, long_mm):
            boxes.append((int(x[group].min()), int(y[group].min()),
                          int((x[group] + w[group]).max()), int((y[group] + h[group]).max())))
    fill = stats[:, cv2.CC_STAT_AREA] / np.maximum(w * h, 1)
    blocks = inside & (short_mm >= MATRIX_MIN_SIDE_MM) & (long_mm <= MATRIX_MAX_SIDE_MM) & (
        fill >= MATRIX_MIN_FILL
    )
    for i in np.flatnonzero(blocks):
        boxes.append((int(x[i]), int(y[i]), int(x[i] + w[i]), int(y[i] + h[i])))
    return boxes


def _bar_rows(index: np.ndarray, stats: np.ndarray, long_mm: np.ndarray) -> list[np.ndarray]:
    """Groups of at least BAR_MIN_COUNT bars of one length standing side by side.

    Two bars are neighbours when their lengths agree within BAR_LENGTH_SPREAD, their
    centres are less than BAR_NEIGHBOUR_GAP lengths apart across the bars and less than
    half a length along them (vertical bars side by side, or horizontal ones on a
    sideways sheet). Tall letters scattered over a page never form such a row.
    """
    x, y = stats[index, cv2.CC_STAT_LEFT], stats[index, cv2.CC_STAT_TOP]
    w, h = stats[index, cv2.CC_STAT_WIDTH], stats[index, cv2.CC_STAT_HEIGHT]
    cx, cy, length = x + w / 2, y + h / 2, np.maximum(w, h).astype(float)
    upright = h >= w
    parent = list(range(len(index)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(index)):
        across = np.where(upright[i], np.abs(cx - cx[i]), np.abs(cy - cy[i]))
        along = np.where(upright[i], np.abs(cy - cy[i]), np.abs(cx - cx[i]))
        near = (
            (upright == upright[i]) & (across < BAR_NEIGHBOUR_GAP * length[i])
            & (along < 0.5 * length[i])
            & (np.abs(long_mm[index] - long_mm[index[i]]) <= BAR_LENGTH_SPREAD * long_mm[index[i]])
        )
        for j in np.flatnonzero(near):
            parent[root(int(j))] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(index)):
        groups.setdefault(root(i), []).append(i)
    return [index[np.array(g)] for g in groups.values() if len(g) >= BAR_MIN_COUNT]


def survey_marks(image: np.ndarray, dpi: float | None = None) -> MarkSurvey:
    """count_marks, and whether the page holds something shaped like a barcode (one pass).

    The shape decides which pages are searched for a separator's barcode (24-45 ms a
    page): a letter page has neither rows of long bars nor dense blocks, a separator
    sheet always one of them, however much text is printed around it.
    """
    gray = to_gray(image)
    height, width = gray.shape
    if dpi is None:
        dpi = width / (A4_WIDTH_MM / 25.4)
    px_per_mm = dpi / 25.4
    side = int(BLANK_SIDE_MARGIN_MM * px_per_mm)
    top = int(BLANK_TOP_BOTTOM_MARGIN_MM * px_per_mm)
    inner = gray[top : height - top, side : width - side]
    if inner.size == 0:
        return MarkSurvey(0)
    inner = cv2.medianBlur(normalise_contrast(inner, dpi), 3)
    ink = (inner < INK_LEVEL).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return MarkSurvey(0)
    extent_mm = stats[1:, [cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT]].max(axis=1) / px_per_mm
    marks = (extent_mm >= BLANK_MIN_MARK_MM) & (extent_mm <= BLANK_MAX_MARK_MM)
    boxes = tuple(
        (x0 + side, y0 + top, x1 + side, y1 + top)
        for x0, y0, x1, y1 in _barcode_boxes(stats[1:], px_per_mm, ink.shape)
    )
    return MarkSurvey(int(np.count_nonzero(marks)), boxes)


def is_blank(image: np.ndarray, dpi: float | None = None) -> bool:
    """True for a page with no text: only scanner noise, dust, edge shadows or show-through.

    A duplex scanner's empty back pages are about half of a tray; they are not
    OCR'd. A page with any word on it ("Side 2", "Bilag") is not blank.
    """
    return is_blank_mark_count(count_marks(image, dpi))


def is_blank_mark_count(marks: int) -> bool:
    """The blank-page rule on a count from `count_marks`, for a caller that has the count
    already (ingest uses it for the separator check too)."""
    return marks <= BLANK_MAX_MARKS


# Unread print (unread_lines): Tesseract's sparse-text mode (ocr.PAGE_SEGMENTATION_MODE)
# now and then drops a whole text line it plainly sees. On the bench corpus (seed 2026,
# bakke-03.pdf) it dropped a recipient's name line ("Lone Mette Petersen", sharp, alone
# in the window) and the bold labels of an info column ("Dato", "Mail", "CVR"), so the
# CVR beside its lost label was taken for a phone number. Read again on their own, the
# same crops read at 90-97. Print is looked for where the recipient and the IDs are:
# between the letterhead and the body (mm from the top), inside the side margins.
UNREAD_TOP_MM, UNREAD_BOTTOM_MM = 40.0, 130.0
UNREAD_SIDE_MARGIN_MM = 8.0
# A word's box is widened by this before its ink counts as read (anti-aliased edges,
# a box Tesseract drew a little tight).
UNREAD_WORD_MARGIN_MM = 0.8
# A mark counts as print when it is at least this large one way (a dot of noise, the
# dot of an "i" alone is not) and at most UNREAD_MAX_HEIGHT_MM high (12 pt capitals are
# ~3 mm; a pen stroke or a stamp's frame is taller).
UNREAD_MIN_MARK_MM = 0.8
UNREAD_MAX_HEIGHT_MM = 7.0
# Marks on one line closer than this belong to one crop; a wider gap parts the window's
# line from the info column's (models.COLUMN_GAP_MM).
UNREAD_JOIN_GAP_MM = 12.0
# A group of marks narrower than this is no word ("CVR" in 10 pt bold is ~7 mm).
UNREAD_MIN_WIDTH_MM = 2.5
# At most this many crops are read again on one page (a page full of stray marks).
UNREAD_MAX_CROPS = 6


def unread_lines(
    image: np.ndarray, dpi: float, read_boxes: list[tuple[float, float, float, float]]
) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1, px) of print in the address and info area with no word read.

    `read_boxes` are the words read, in px. A clean page (print black on white paper)
    is expected. Groups of character-sized marks on one line, top to bottom.
    """
    px_per_mm = dpi / 25.4
    height, width = image.shape
    top, bottom = int(UNREAD_TOP_MM * px_per_mm), min(height, int(UNREAD_BOTTOM_MM * px_per_mm))
    side = int(UNREAD_SIDE_MARGIN_MM * px_per_mm)
    if bottom <= top or width <= 2 * side:
        return []
    ink = (image[top:bottom, side : width - side] < INK_LEVEL_FOR_LINES).astype(np.uint8)
    pad = UNREAD_WORD_MARGIN_MM * px_per_mm
    for x0, y0, x1, y1 in read_boxes:
        ink[max(0, int(y0 - pad - top)) : max(0, int(y1 + pad - top) + 1),
            max(0, int(x0 - pad - side)) : max(0, int(x1 + pad - side) + 1)] = 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    marks = []
    for i in range(1, count):
        x, y, w, h = (int(stats[i, k]) for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP,
                                                 cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
        if max(w, h) >= UNREAD_MIN_MARK_MM * px_per_mm and h <= UNREAD_MAX_HEIGHT_MM * px_per_mm:
            marks.append([x + side, y + top, x + w + side, y + h + top])
    marks.sort(key=lambda m: (m[1] + m[3], m[0]))
    groups: list[list[int]] = []
    join = UNREAD_JOIN_GAP_MM * px_per_mm
    for mark in marks:
        for group in groups:
            overlap = min(group[3], mark[3]) - max(group[1], mark[1])
            near = mark[0] - group[2] <= join and group[0] - mark[2] <= join
            if near and overlap > 0.5 * min(group[3] - group[1], mark[3] - mark[1]):
                group[:] = [min(group[0], mark[0]), min(group[1], mark[1]),
                            max(group[2], mark[2]), max(group[3], mark[3])]
                break
        else:
            groups.append(list(mark))
    boxes = [
        (g[0], g[1], g[2], g[3]) for g in groups
        if g[2] - g[0] >= UNREAD_MIN_WIDTH_MM * px_per_mm
        and g[3] - g[1] >= UNREAD_MIN_MARK_MM * px_per_mm
    ]
    boxes.sort(key=lambda b: (b[1], b[0]))
    return boxes[:UNREAD_MAX_CROPS]
