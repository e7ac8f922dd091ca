"""Separator sheets: a page whose barcode reads PATCHT (or `[scan] separator_text`).

The convention of Paperless-ngx and capture software for patch code T. People
print the sheets from whatever they have: Paperless-ngx's own in Code 39, others
Code 128, QR or Data Matrix, often with a line of text or instructions on the
sheet, sometimes faxed, blurred or copied mirrored. Read on the grey page image
before any OCR: a separator sheet is never OCR'd. Which pages are searched at all
is decided by the marks' shape (marks.survey_marks), not here.
"""

from __future__ import annotations

import cv2
import numpy as np
import zxingcpp

SEPARATOR_TEXT = "PATCHT"
# Every common linear and matrix format zxing reads that can hold the word: not the
# retail codes (EAN/UPC, digits only), not the industrial digit-only ones (ITF).
_SEPARATOR_FORMATS = zxingcpp.BarcodeFormats(
    [
        zxingcpp.BarcodeFormat.Code39, zxingcpp.BarcodeFormat.Code93,
        zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.Codabar,
        zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.MicroQRCode,
        zxingcpp.BarcodeFormat.DataMatrix, zxingcpp.BarcodeFormat.Aztec,
        zxingcpp.BarcodeFormat.PDF417,
    ]
)

# A page image larger than this (long side, px) is shrunk before the barcode
# search: A4 at 200 dpi is 2339 px and reads in ~20 ms; at 600 dpi the search
# would take ~9 times as long. 3600 px keeps a 300-dpi scan as it is.
SEPARATOR_MAX_SIDE_PX = 3600
SEPARATOR_TARGET_SIDE_PX = 2400
# Second try on a lightly blurred copy: on 216 generated separator pages
# (Code128 with 0.2-0.35 mm bars, 8-15 mm high, skew -3..+3 degrees, scanner
# noise sigma 8-20, upright and upside down) the page as it is read 210; the
# six misses (all at noise sigma 20) read after a 3x3 Gaussian blur. The blur
# alone missed 32 (the thinnest bars), so it is a fallback, not the first try.
SEPARATOR_BLUR_KERNEL = (3, 3)
# Third try for fax-quality and smeared codes: bars closed up by a 3x3 closing
# (white gaps widened back) after a stronger blur. Last, a mirrored copy: a code
# copied through the back of the paper or printed from a mirrored template.
SEPARATOR_SMEAR_KERNEL = (5, 5)


def _words_match(read: str, word: str) -> bool:
    """The code's text is the word: case, Code 39's start/stop asterisks and spaces aside."""
    return read.strip().strip("*").strip().casefold() == word.casefold()


# Around a candidate box (marks.survey_marks) this much of the page is searched:
# a linear code's quiet zone is 10 modules (~3-6 mm), and the box of a skewed or
# blurred code may miss its outermost bars.
# Boxes closer than SEARCH_JOIN_PX are one code (a QR code's three finder patterns
# are separate marks, 7 of its 21-29 modules apart); the joined box is searched with
# a margin of SEARCH_MARGIN_FRACTION of its size, at least SEARCH_MARGIN_MIN_PX
# (8 mm at 200 dpi).
SEARCH_JOIN_PX = 240
SEARCH_MARGIN_FRACTION = 0.35
SEARCH_MARGIN_MIN_PX = 64

Box = tuple[int, int, int, int]


def is_separator(
    gray: np.ndarray, separator_text: str = SEPARATOR_TEXT, boxes: tuple[Box, ...] | None = None
) -> bool:
    """True for a separator sheet: a barcode on it reads exactly `separator_text`.

    Called on the grey page image before OCR (a separator is never read). zxing
    searches every direction, so a skewed, sideways or upside-down sheet reads.
    With `boxes` (where the page's marks look like a barcode) only those parts of
    the page are searched: all formats over a whole text page take 0.2-0.5 s, Data
    Matrix alone 176 ms; a box of a few centimetres takes a few ms. Tries: as
    scanned, lightly blurred, smeared (fax, toner), mirrored.
    """
    image = np.ascontiguousarray(gray)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8:
        image = (image.astype(np.float64) / max(float(image.max()), 1.0) * 255).astype(np.uint8)
    if boxes is not None:
        return any(_search(_crop(image, box), separator_text) for box in _joined(boxes))
    long_side = max(image.shape[:2])
    if long_side > SEPARATOR_MAX_SIDE_PX:
        scale = SEPARATOR_TARGET_SIDE_PX / long_side
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return _search(image, separator_text)


def _joined(boxes: tuple[Box, ...]) -> list[Box]:
    """Boxes that lie within SEARCH_JOIN_PX of each other, as one box each."""
    joined: list[Box] = []
    for box in sorted(boxes):
        for k, other in enumerate(joined):
            if (box[0] <= other[2] + SEARCH_JOIN_PX and other[0] <= box[2] + SEARCH_JOIN_PX
                    and box[1] <= other[3] + SEARCH_JOIN_PX
                    and other[1] <= box[3] + SEARCH_JOIN_PX):
                joined[k] = (min(box[0], other[0]), min(box[1], other[1]),
                             max(box[2], other[2]), max(box[3], other[3]))
                break
        else:
            joined.append(box)
    return joined


def _crop(image: np.ndarray, box: Box) -> np.ndarray:
    x0, y0, x1, y1 = box
    margin = max(SEARCH_MARGIN_MIN_PX, round(SEARCH_MARGIN_FRACTION * max(x1 - x0, y1 - y0)))
    h, w = image.shape[:2]
    return np.ascontiguousarray(
        image[max(0, y0 - margin): min(h, y1 + margin), max(0, x0 - margin): min(w, x1 + margin)]
    )


def _search(image: np.ndarray, separator_text: str) -> bool:
    tries = (
        lambda: image,
        lambda: cv2.GaussianBlur(image, SEPARATOR_BLUR_KERNEL, 0),
        lambda: cv2.dilate(cv2.GaussianBlur(image, SEPARATOR_SMEAR_KERNEL, 0),
                           np.ones((3, 3), np.uint8)),
        lambda: np.ascontiguousarray(cv2.flip(image, 1)),
    )
    return any(_reads_separator(make(), separator_text) for make in tries)


def _reads_separator(image: np.ndarray, separator_text: str) -> bool:
    barcodes = zxingcpp.read_barcodes(image, formats=_SEPARATOR_FORMATS)
    return any(_words_match(barcode.text, separator_text) for barcode in barcodes)
