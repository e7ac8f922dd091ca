"""Scans of graded badness for the corpus: clean, mild, medium, harsh.

Each level (LevelSpec) bounds what is done to a letter's scan: skew, noise, blur,
JPEG quality, faint print on grey paper, a dark scanner lid at the edges, stamps
and pen strokes; each letter draws its own values within them (plan_scan), and
scan_sheet applies the plan to a page's pixels. A plan with a paper tint (`colour`)
is a colour scan: the page stays RGB, stamps print in red and pens write in blue,
and the sensor adds a little noise of its own to each channel.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from postbakke_samples.letters import LetterSpec
from postbakke_samples.scanner import (
    BATCH_JPEG_QUALITY,
    PAPER_LUT,
    SCANNER_SMOOTHING_PX_AT_300_DPI,
    SPECKS_PER_PAGE,
    JpegPdfWriter,
    JpegTiffWriter,
    ScannerNoise,
)

DEGRADATION_LEVELS = ("clean", "mild", "medium", "harsh")


@dataclass(frozen=True)
class LevelSpec:
    """How hard the scanner is on a letter; each letter draws its own values within these."""

    skew_deg: tuple[float, float]  # |skew| of each sheet, degrees
    noise_sigma: float  # Gaussian sensor noise, grey levels (before the scanner's smoothing)
    salt_pepper: float  # share of pixels flipped to black or white
    blur_px_at_300: tuple[float, float]  # extra optical blur (Gaussian sigma at 300 dpi)
    jpeg_quality: int  # of the stored scan (lower: more block artefacts)
    low_contrast_share: float  # grey print on grey paper
    dark_edge_share: float  # sheet off-centre on a black scanner lid: dark bands and corners
    mark_share: float  # a rubber stamp or pen strokes near the text
    upside_down_share: float  # the whole letter fed in upside down


# Chosen so that "clean" is an office MFP on good paper, "harsh" the worst the
# issue names (skew up to 3 degrees, blur, strong noise, heavy JPEG, faint grey
# print on grey paper); each step roughly doubles noise and artefacts.
LEVEL_SPECS: dict[str, LevelSpec] = {
    "clean": LevelSpec((0.0, 0.5), 3.0, 0.0, (0.0, 0.0), 80, 0.0, 0.0, 0.0, 0.0),
    "mild": LevelSpec((0.2, 1.5), 6.0, 0.0, (0.0, 0.5), 60, 0.0, 0.25, 0.2, 0.1),
    "medium": LevelSpec((0.8, 2.5), 10.0, 0.0005, (0.5, 0.9), 45, 0.35, 0.5, 0.45, 0.15),
    "harsh": LevelSpec((1.5, 3.0), 14.0, 0.0015, (0.8, 1.3), 30, 0.65, 0.7, 0.75, 0.2),
}
LOW_CONTRAST_INK = (70, 100)  # grey level of black print on a faint copy
LOW_CONTRAST_PAPER = (190, 215)  # ...and of its paper
DARK_EDGE_SHIFT_MM = ((1.5, 5.0), (1.0, 4.0))  # |dx|, |dy|: the footer must stay on the sheet
DARK_EDGE_GREY = (25, 70)  # the scanner's lid seen beside the sheet
STAMP_TEXTS = ("MODTAGET", "KOPI", "SCANNET", "BESVARET", "JOURNALISERET")
# Stamp centres (mm) near the text but off the window and the info column's ID rows.
STAMP_SPOTS = ((160.0, 32.0), (150.0, 124.0), (140.0, 250.0))
SUBJECT_Y_MM = {"classic": 110.0, "block": 130.0, "compact": 108.0, "modern": 112.0}
# Colour scans: the inks' hues (RGB), shaded to the mark's grey level so that a colour
# mark is as dark, seen in grey, as the grey scan's; paper tints as gains on R, G, B
# (white, cream, recycled); each channel's own sensor noise, a share of the level's.
STAMP_INK_RGB = (205, 30, 40)  # red stamp pad
PEN_INK_RGB = (20, 50, 170)  # blue ballpoint
PAPER_TINT_GAINS = ((0.99, 1.0), (0.96, 1.0), (0.88, 0.98))
CHROMA_NOISE_SHARE = 0.5
BITONAL_THRESHOLD = 150  # grey level under which a bitonal (fax-like) scan prints black
BITONAL_DPI = 200


@dataclass
class ScanPlan:
    """Everything drawn for one letter's scan, before any pixel is touched."""

    level: str
    dpi: int
    skews: list[float]  # per content page
    upside_down: bool
    noise_sigma: float
    salt_pepper: float
    blur_px_at_300: float
    jpeg_quality: int | None  # None: stored lossless (PNG)
    contrast: tuple[int, int] | None  # (ink, paper) grey levels of a faint copy
    dark_edges: tuple[float, float, int] | None  # sheet shift dx, dy (mm) and lid grey
    marks: list[dict[str, Any]] = field(default_factory=list)
    colour: tuple[float, float, float] | None = None  # paper tint (R, G, B gains); None: grey
    bitonal: bool = False  # fax-like: every pixel black or white, stored 1 bit deep


    def details(self) -> dict[str, Any]:
        details = {
            "dpi": self.dpi,
            "skew_deg": self.skews,
            "upside_down": self.upside_down,
            "noise_sigma": self.noise_sigma,
            "salt_pepper": self.salt_pepper,
            "blur_px_at_300": self.blur_px_at_300,
            "jpeg_quality": self.jpeg_quality,
            "low_contrast": None if self.contrast is None else list(self.contrast),
            "dark_edges": None if self.dark_edges is None else list(self.dark_edges),
            "marks": [m["kind"] for m in self.marks],
        }
        if self.colour is not None:  # grey scans' details stay as they were
            details["colour"] = True
            details["paper_tint"] = list(self.colour)
        if self.bitonal:
            details["bitonal"] = True
        return details

    def label(self) -> str:
        """E.g. "harsh-300dpi-skew2.7-noise14-sp-blur1.1-jpeg30-lowcontrast-edges-stamp",
        with "-colour" at the end of a colour scan's."""
        parts = [self.level, f"{self.dpi}dpi", f"skew{max(abs(a) for a in self.skews):.1f}",
                 f"noise{self.noise_sigma:g}"]
        if self.salt_pepper:
            parts.append("sp")
        if self.blur_px_at_300:
            parts.append(f"blur{self.blur_px_at_300:.1f}")
        if self.jpeg_quality is not None:
            parts.append(f"jpeg{self.jpeg_quality}")
        if self.contrast:
            parts.append("lowcontrast")
        if self.dark_edges:
            parts.append("edges")
        parts += sorted({m["kind"] for m in self.marks})
        if self.upside_down:
            parts.append("upside-down")
        if self.colour is not None:
            parts.append("colour")
        if self.bitonal:
            parts.append("bitonal")
        return "-".join(parts)


def paper_tint(rng: random.Random) -> tuple[float, float, float]:
    """A colour scan's paper: gains on R, G, B from PAPER_TINT_GAINS."""
    r, g, b = (round(rng.uniform(lo, hi), 3) for lo, hi in PAPER_TINT_GAINS)
    return (r, g, b)


def colour_ink(hue: tuple[int, int, int], grey: int) -> tuple[float, float, float]:
    """The ink of `hue`, lightened towards white or darkened towards black until its
    luminance (ITU-R 601, as a grey conversion sees it) is `grey`."""
    luma = 0.299 * hue[0] + 0.587 * hue[1] + 0.114 * hue[2]
    if grey >= luma:
        strength = (255.0 - grey) / (255.0 - luma)
        r, g, b = (255.0 - (255.0 - c) * strength for c in hue)
    else:
        r, g, b = (c * grey / luma for c in hue)
    return (r, g, b)


def plan_scan(
    rng: random.Random, level: str, dpi: int, spec: LetterSpec, upside_down: bool,
    jpeg: bool = True,
) -> ScanPlan:
    ls = LEVEL_SPECS[level]

    def skew() -> float:
        return round(rng.uniform(*ls.skew_deg) * rng.choice([-1, 1]), 2)

    contrast = None
    if rng.random() < ls.low_contrast_share:
        contrast = (rng.randint(*LOW_CONTRAST_INK), rng.randint(*LOW_CONTRAST_PAPER))
    edges = None
    if rng.random() < ls.dark_edge_share:
        (dx0, dx1), (dy0, dy1) = DARK_EDGE_SHIFT_MM
        edges = (
            round(rng.uniform(dx0, dx1) * rng.choice([-1, 1]), 1),
            round(rng.uniform(dy0, dy1) * rng.choice([-1, 1]), 1),
            rng.randint(*DARK_EDGE_GREY),
        )
    marks: list[dict[str, Any]] = []
    if rng.random() < ls.mark_share:
        kind = rng.choice(["stamp", "pen"])
        if kind == "stamp":
            x, y = rng.choice(STAMP_SPOTS)
            marks.append({
                "kind": "stamp", "page": 1, "text": rng.choice(STAMP_TEXTS),
                "x": x + rng.uniform(-8, 8), "y": y + rng.uniform(-4, 4),
                "angle": rng.uniform(-15, 15), "grey": rng.randint(100, 150),
            })
        else:
            stroke = rng.choice(["underline", "tick", "initials"])
            page = spec.n_pages if stroke == "initials" else 1
            marks.append({
                "kind": "pen", "stroke": stroke, "page": page, "seed": rng.randrange(1 << 30),
                "subject_y": SUBJECT_Y_MM.get(spec.layout, 110.0),
                "grey": rng.randint(40, 90),
            })
    return ScanPlan(
        level=level,
        dpi=dpi,
        skews=[skew() for _ in range(spec.n_pages)],
        upside_down=upside_down,
        noise_sigma=ls.noise_sigma,
        salt_pepper=ls.salt_pepper,
        blur_px_at_300=round(rng.uniform(*ls.blur_px_at_300), 2),
        jpeg_quality=ls.jpeg_quality if jpeg else None,
        contrast=contrast,
        dark_edges=edges,
        marks=marks,
    )


def _draw_stamp(arr: np.ndarray, mark: dict[str, Any], dpi: int,
                ink: int | tuple[float, float, float] | None = None) -> None:
    """A rectangular rubber stamp, two lines, turned, in mid-grey ink (or `ink`, a colour
    scan's red) multiplied onto the page."""
    import cv2

    px = dpi / 25.4
    font = cv2.FONT_HERSHEY_DUPLEX
    lines = [mark["text"], "25 NOV 2026"]
    scale = 4.0 * px / cv2.getTextSize("M", font, 1.0, 1)[0][1]  # capitals 4 mm high
    thick = max(1, round(0.5 * px))
    sizes = [cv2.getTextSize(t, font, scale, thick)[0] for t in lines]
    pad = round(2.5 * px)
    w = max(s[0] for s in sizes) + 2 * pad
    h = sum(s[1] for s in sizes) + 3 * pad
    layer: np.ndarray = np.full((h + 2 * pad, w + 2 * pad), 255, np.uint8)
    cv2.rectangle(layer, (pad, pad), (pad + w, pad + h), 0, thick, cv2.LINE_AA)
    y = 2 * pad
    for text, (tw, th) in zip(lines, sizes, strict=True):
        y += th
        cv2.putText(layer, text, (pad + (w - tw) // 2, y), font, scale, 0, thick, cv2.LINE_AA)
        y += pad
    lh, lw = layer.shape
    matrix = cv2.getRotationMatrix2D((lw / 2, lh / 2), mark["angle"], 1.0)
    layer = cv2.warpAffine(layer, matrix, (lw, lh), borderValue=255)
    _multiply(arr, layer, round(mark["x"] * px - lw / 2), round(mark["y"] * px - lh / 2),
              mark["grey"] if ink is None else ink)


def _draw_pen(arr: np.ndarray, mark: dict[str, Any], dpi: int,
              ink: int | tuple[float, float, float] | None = None) -> None:
    """A pen stroke near the text: the subject underlined, a tick in the margin, initials;
    in grey, or in `ink` (a colour scan's blue)."""
    import cv2

    px = dpi / 25.4
    rng = np.random.default_rng(mark["seed"])
    stroke = mark["stroke"]
    if stroke == "underline":
        y = mark["subject_y"] + 1.8
        x0 = 19.0
        x1 = x0 + rng.uniform(50, 120)
        xs = np.linspace(x0, x1, 40)
        ys = y + 0.6 * np.sin(np.linspace(0, rng.uniform(2, 6), 40)) + rng.normal(0, 0.1, 40)
    elif stroke == "tick":
        x, y = rng.uniform(8, 14), rng.uniform(140, 230)
        xs = np.array([x, x + 2.0, x + 7.0])
        ys = np.array([y, y + 3.0, y - 5.0])
    elif stroke == "address":  # a handwritten tick and underline over the recipient block
        x, y = 21.0 + rng.uniform(0, 6), 58.5 + rng.uniform(0, 6)
        t = np.linspace(0, 1, 50)
        xs = x + rng.uniform(35, 60) * t
        ys = y + 0.8 * np.sin(t * rng.uniform(6, 14)) + rng.normal(0, 0.12, 50)
    elif stroke == "note":  # a scribbled word in the right margin between info and subject
        x, y = rng.uniform(140, 165), rng.uniform(88, 98)
        t = np.linspace(0, 1, 80)
        xs = x + 25 * t
        ys = y + 2.2 * np.sin(t * rng.uniform(25, 40)) + rng.normal(0, 0.15, 80)
    else:  # initials and a date scribbled near the signature
        x, y = rng.uniform(110, 160), rng.uniform(225, 262)
        t = np.linspace(0, 1, 60)
        xs = x + 28 * t
        ys = y + 3.0 * np.sin(t * rng.uniform(12, 20)) * np.exp(-t) + rng.normal(0, 0.15, 60)
    points = np.stack([xs * px, ys * px], axis=1).round().astype(np.int32)
    layer = np.full(arr.shape[:2], 255, np.uint8)
    cv2.polylines(layer, [points], False, 0, max(1, round(0.5 * px)), cv2.LINE_AA)
    _multiply(arr, layer, 0, 0, mark["grey"] if ink is None else ink)


def _multiply(arr: np.ndarray, layer: np.ndarray, x: int, y: int,
              ink: int | tuple[float, float, float]) -> None:
    """Print `layer` (0 = ink) onto arr at (x, y) in an ink of grey level `ink` (or of
    RGB `ink` on a colour page), clipped."""
    h, w = arr.shape[:2]
    lh, lw = layer.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + lw), min(h, y + lh)
    if x0 >= x1 or y0 >= y1:
        return
    piece = layer[y0 - y : y1 - y, x0 - x : x1 - x].astype(np.float32) / 255.0
    if isinstance(ink, tuple):  # RGB ink on a colour page
        piece = piece[:, :, None]
        rgb = np.asarray(ink, dtype=np.float32) / np.float32(255.0)
        tint = piece + (np.float32(1.0) - piece) * rgb
    else:
        tint = piece + (1.0 - piece) * (ink / 255.0)  # 1 where no ink, ink/255 under the stamp
    region = arr[y0:y1, x0:x1].astype(np.float32) * tint
    arr[y0:y1, x0:x1] = np.clip(region, 0, 255).astype(np.uint8)


class NoiseFields:
    """One smoothed sensor-noise field per (page size, sigma), cut anew for every page."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.fields: dict[tuple[tuple[int, int], float, int], ScannerNoise] = {}

    def cut(self, shape: tuple[int, int], sigma: float, dpi: int) -> np.ndarray:
        key = (shape, sigma, dpi)
        if key not in self.fields:
            self.fields[key] = ScannerNoise(shape, sigma, dpi, self.rng)
        return self.fields[key].cut(shape, self.rng)


def scan_sheet(
    clean: np.ndarray, plan: ScanPlan, skew_deg: float, noise: NoiseFields,
    rng: np.random.Generator, marks: Sequence[dict[str, Any]] = (),
    colour_noise: NoiseFields | None = None,
) -> np.ndarray:
    """One sheet through the feeder at plan.dpi: marks, turn, skew, blur, grey, noise.

    A colour plan (plan.colour) takes an RGB page (h, w, 3) and gives one back: the
    same steps on every channel, then the paper tint, and besides the shared noise
    (drawn from `noise` and `rng` exactly as for a grey page) each channel's own noise
    from `colour_noise`.
    """
    import cv2

    dpi = plan.dpi
    colour = plan.colour is not None
    if colour != (clean.ndim == 3):
        raise ValueError("a colour plan scans an RGB page, a grey plan a grey one")
    if colour and colour_noise is None:
        raise ValueError("a colour scan needs its own noise fields")
    arr: np.ndarray = np.array(clean, dtype=np.uint8, copy=True)
    blank = arr.min() == 255
    for mark in marks:
        if mark["kind"] == "stamp":
            _draw_stamp(arr, mark, dpi, colour_ink(STAMP_INK_RGB, mark["grey"]) if colour
                        else None)
        else:
            _draw_pen(arr, mark, dpi, colour_ink(PEN_INK_RGB, mark["grey"]) if colour else None)
    if plan.upside_down:
        arr = np.ascontiguousarray(arr[::-1, ::-1])
    h, w = arr.shape[:2]
    outside = None
    if skew_deg or plan.dark_edges:
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
        if plan.dark_edges:
            matrix[0, 2] += plan.dark_edges[0] * dpi / 25.4
            matrix[1, 2] += plan.dark_edges[1] * dpi / 25.4
        if not blank:
            arr = cv2.warpAffine(arr, matrix, (w, h), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT,
                                 borderValue=(255, 255, 255) if colour else 255)
        if plan.dark_edges:
            sheet = cv2.warpAffine(np.full((h, w), 255, np.uint8), matrix, (w, h),
                                   flags=cv2.INTER_LINEAR, borderValue=0)
            outside = sheet < 128
    smoothing = SCANNER_SMOOTHING_PX_AT_300_DPI + plan.blur_px_at_300
    arr = cv2.GaussianBlur(arr, (0, 0), smoothing * dpi / 300)
    if plan.contrast:
        ink, paper = plan.contrast
        lut = np.clip(ink + np.arange(256) * (paper - ink) / 255.0, 0, 255)
        arr = cv2.LUT(arr, lut.round().astype(np.uint8))
    else:
        arr = cv2.LUT(arr, PAPER_LUT)
    if plan.colour is not None:  # tinted paper: the gains darken paper more than ink
        out = np.rint(arr.astype(np.float32) * np.asarray(plan.colour, np.float32)
                      ).astype(np.int16)
    else:
        out = arr.astype(np.int16)
    if outside is not None and plan.dark_edges:
        out[outside] = plan.dark_edges[2]
    shared = noise.cut((h, w), plan.noise_sigma, dpi)
    if colour and colour_noise is not None:
        out += shared[:, :, None]
        sigma = plan.noise_sigma * CHROMA_NOISE_SHARE
        for channel in range(3):
            out[:, :, channel] += colour_noise.cut((h, w), sigma, dpi)
    else:
        out += shared
    ys = rng.integers(0, h - 3, SPECKS_PER_PAGE)
    xs = rng.integers(0, w - 3, SPECKS_PER_PAGE)
    sizes = np.maximum(1, np.rint(rng.integers(1, 4, SPECKS_PER_PAGE) * dpi / 300)).astype(int)
    dark = rng.random(SPECKS_PER_PAGE) < 0.7
    for y, x, s, d in zip(ys, xs, sizes, dark, strict=True):
        out[y : y + s, x : x + s] = 20 if d else 255
    if plan.salt_pepper:
        n = int(plan.salt_pepper * h * w)
        flat = out.reshape(h * w, -1)  # one row a pixel: its grey, or its R, G, B
        where = rng.integers(0, h * w, n)
        flat[where] = np.where(rng.random(n) < 0.5, 0, 255)[:, None]
    np.clip(out, 0, 255, out=out)
    if plan.bitonal:  # a fax-like scanner's fixed threshold: no grey left
        return np.where(out < BITONAL_THRESHOLD, 0, 255).astype(np.uint8)
    return out.astype(np.uint8)


def write_single_scan(
    path: Path, pages: list[np.ndarray], plan: ScanPlan
) -> None:
    from PIL import Image

    suffix = path.suffix.lower()
    quality = plan.jpeg_quality or BATCH_JPEG_QUALITY
    if plan.bitonal:  # 1 bit a pixel: PNG, or TIFF with CCITT group 4 as fax software stores it
        if suffix not in (".png", ".tif"):
            raise ValueError(f"a bitonal scan is stored as .png or .tif, not {suffix}")
        images = [Image.fromarray(page).convert("L").point(lambda v: 255 if v >= 128 else 0,
                                                              mode="1") for page in pages]
        if suffix == ".png":
            if len(images) != 1:
                raise ValueError(f".png holds one page, not {len(images)}")
            images[0].save(path, dpi=(plan.dpi, plan.dpi), optimize=True)
        else:
            images[0].save(path, save_all=True, append_images=images[1:],
                           compression="group4", dpi=(plan.dpi, plan.dpi))
        return
    if suffix in (".png", ".jpg"):
        if len(pages) != 1:
            raise ValueError(f"{suffix} holds one page, not {len(pages)}")
        image = Image.fromarray(pages[0], mode="L" if pages[0].ndim == 2 else "RGB")
        if suffix == ".png":
            image.save(path, dpi=(plan.dpi, plan.dpi), optimize=True)
        else:
            image.save(path, quality=quality, dpi=(plan.dpi, plan.dpi), optimize=True)
        return
    writer: JpegPdfWriter | JpegTiffWriter
    writer = JpegPdfWriter(path, plan.dpi) if suffix == ".pdf" else JpegTiffWriter(path, plan.dpi)
    try:
        for page in pages:
            writer.add(page, quality)
    finally:
        writer.close()
