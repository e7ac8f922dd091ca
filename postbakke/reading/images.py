"""TIFF, PNG and JPEG pages: the frames counted and checked for size, then each decoded
to grey (in a worker, under its page's time limit); the resolution from the file's
metadata when it is plausible."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence

from postbakke.errors import InputFileError
from postbakke.models import A4_WIDTH_MM

MM_PER_INCH = 25.4

# Resolution metadata is trusted only if it gives a plausible paper size: many
# cameras and converters write 72 or 96 dpi whatever the scan.
PLAUSIBLE_DPI = (70.0, 1200.0)
PLAUSIBLE_WIDTH_MM = (90.0, 450.0)  # from A6 to A3 landscape

# Decompression bombs: a page larger than this many pixels is refused before it
# is decoded. A4 at 600 dpi is 35 million, A3 at 600 dpi 70 million.
MAX_PAGE_PIXELS = 80_000_000

IMAGE_TOO_LARGE = "billedet er for stort"
IMAGE_DAMAGED = "billedfilen er beskadiget"


def too_many_pages(path: Path, count: int, max_pages: int) -> InputFileError:
    """The file's reason for being set aside when it has more pages than allowed."""
    return InputFileError(
        path.name, f"filen har {count} sider, mere end de højst {max_pages}; del scanningen op"
    )


def image_frames(path: Path, max_pages: int) -> Iterator[tuple[int, float]]:
    """(page number, dpi) for each frame, checked for size; the frames are decoded later
    (`decode_frame`, in a worker under the page's time limit)."""
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
            raise too_many_pages(path, count, max_pages)
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


def decode_frame(path: Path, index: int) -> np.ndarray:
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
