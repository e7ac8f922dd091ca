"""Separator sheets: a page whose barcode (Code 128 or QR) reads PATCHT.

The convention of Paperless-ngx and capture software for patch code T. Read
on the grey page image before any OCR: a separator sheet is never OCR'd.
"""

from __future__ import annotations

import cv2
import numpy as np
import zxingcpp

SEPARATOR_TEXT = "PATCHT"
_SEPARATOR_FORMATS = zxingcpp.BarcodeFormats(
    [zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode]
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


def is_separator(gray: np.ndarray) -> bool:
    """True for a separator sheet: a Code 128 or QR barcode on it reads exactly PATCHT.

    Called on the grey page image before OCR (a separator is never read). zxing
    searches every direction, so a skewed, sideways or upside-down sheet reads;
    measured ~20 ms for an A4 page at 200 dpi, ~45 ms when nothing is found
    (the blurred second try).
    """
    image = np.ascontiguousarray(gray)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8:
        image = (image.astype(np.float64) / max(float(image.max()), 1.0) * 255).astype(np.uint8)
    long_side = max(image.shape[:2])
    if long_side > SEPARATOR_MAX_SIDE_PX:
        scale = SEPARATOR_TARGET_SIDE_PX / long_side
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if _reads_separator(image):
        return True
    return _reads_separator(cv2.GaussianBlur(image, SEPARATOR_BLUR_KERNEL, 0))


def _reads_separator(image: np.ndarray) -> bool:
    barcodes = zxingcpp.read_barcodes(image, formats=_SEPARATOR_FORMATS)
    return any(barcode.text.strip() == SEPARATOR_TEXT for barcode in barcodes)
