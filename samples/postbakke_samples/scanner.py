"""An office scanner: a PDF rastered, skewed, noised and stored as JPEG, PNG, TIFF or PDF.

render_scan makes one letter's scan file (make_tray); the batch helpers here
(scanner noise, dust, JPEG in a PDF or a multi-page TIFF) serve make_batch and
make_corpus. A seeded numpy Generator draws every pixel of noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SCAN_DPI = 300
SCAN_NOISE_SIGMA = 8.0  # grey levels; mild, like an office MFP at 300 dpi
SCAN_MAX_SKEW_DEG = 2.0
UPSIDE_DOWN_SHARE = 1 / 6
JPEG_QUALITY = 85

# The batch is stored as JPEG (in the PDF or the TIFF), as office scanners do.
# Pure sensor noise of sigma 8 costs ~1.3 MB a page at quality 75; a scanner's
# own processing smooths the grain first (Gaussian, 1 px at 300 dpi: left-over
# paper noise ~2 grey levels) and at quality 60 a page costs ~0.2-0.4 MB.
BATCH_JPEG_QUALITY = 60
SCANNER_SMOOTHING_PX_AT_300_DPI = 1.0
SPECKS_PER_PAGE = 150  # dust, 0.1-0.25 mm: far below a character



def skewed(arr: np.ndarray, skew_deg: float) -> np.ndarray:
    """The page turned by `skew_deg` about its centre, as a crooked feed does; white fills."""
    import cv2

    h, w = arr.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
    return cv2.warpAffine(arr, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def render_scan(
    pdf_path: Path,
    out_path: Path,
    dpi: int = SCAN_DPI,
    skew_deg: float = 0.0,
    noise: float = 0.0,
    upside_down: bool = False,
    seed: int = 0,
) -> None:
    """Raster a PDF like a mailroom scanner would, in grayscale, and degrade it.

    skew_deg turns the page counter-clockwise around its centre (OpenCV's sign),
    filling with white; noise is the Gaussian sigma in grey levels and also adds
    a few salt-and-pepper specks; upside_down turns every page 180 degrees.
    The output format follows the suffix: .png and .jpg hold one page, .tif and
    .pdf (image only, no text layer) hold all pages.
    """
    import pypdfium2 as pdfium
    from PIL import Image

    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    rng = np.random.default_rng(seed)
    images: list[Image.Image] = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            pil = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            arr: np.ndarray = np.asarray(pil, dtype=np.uint8)
            if upside_down:
                arr = np.ascontiguousarray(arr[::-1, ::-1])
            if skew_deg:
                arr = skewed(arr, skew_deg)
            if noise > 0:
                arr = _add_noise(arr, noise, rng)
            images.append(Image.fromarray(arr, mode="L"))
    finally:
        pdf.close()
    if not images:
        raise ValueError(f"{pdf_path} has no pages")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".png", ".jpg", ".jpeg"):
        if len(images) > 1:
            raise ValueError(f"{suffix} holds one page; this letter has {len(images)}")
        if suffix == ".png":
            images[0].save(out_path, dpi=(dpi, dpi))
        else:
            images[0].save(out_path, quality=JPEG_QUALITY, dpi=(dpi, dpi))
    elif suffix in (".tif", ".tiff"):
        images[0].save(
            out_path,
            save_all=True,
            append_images=images[1:],
            compression="tiff_deflate",
            dpi=(dpi, dpi),
        )
    elif suffix == ".pdf":
        images[0].save(out_path, save_all=True, append_images=images[1:], resolution=float(dpi))
    else:
        raise ValueError(f"unsupported scan format {suffix!r}")


def _add_noise(arr: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Paper grey, Gaussian sensor noise and a few dust specks."""
    h, w = arr.shape
    out = arr.astype(np.float32) * 0.94 + 6.0  # white paper scans at ~245, black at ~6
    out += rng.normal(0.0, sigma, size=arr.shape).astype(np.float32)
    n_specks = 150
    ys = rng.integers(0, h - 3, n_specks)
    xs = rng.integers(0, w - 3, n_specks)
    sizes = rng.integers(1, 4, n_specks)
    dark = rng.random(n_specks) < 0.7
    for y, x, s, d in zip(ys, xs, sizes, dark, strict=True):
        out[y : y + s, x : x + s] = 20.0 if d else 255.0
    return np.clip(out, 0, 255).astype(np.uint8)


def scan_degradation(dpi: int, skew_deg: float, noise: float, upside_down: bool) -> str:
    label = f"scan{dpi}-skew{skew_deg:.1f}"
    if noise > 0:
        label += "-noise"
    if upside_down:
        label += "-upside-down"
    return label


class ScannerNoise:
    """Sensor noise after the scanner's smoothing, for every page of a batch.

    Drawing and smoothing fresh noise for each page took ~0.1 s of numpy work a
    page; one field a little larger than the page, cut at a new offset and
    flipped at random per page, costs one add.
    """

    MARGIN_PX = 128

    def __init__(self, shape: tuple[int, int], sigma: float, dpi: int, rng: np.random.Generator):
        import cv2

        h, w = shape
        raw = rng.standard_normal((h + self.MARGIN_PX, w + self.MARGIN_PX), dtype=np.float32)
        raw *= np.float32(sigma)
        field = cv2.GaussianBlur(raw, (0, 0), SCANNER_SMOOTHING_PX_AT_300_DPI * dpi / 300)
        self.field = np.rint(field).astype(np.int16)

    def cut(self, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
        h, w = shape
        dy, dx = (int(v) for v in rng.integers(0, self.MARGIN_PX + 1, 2))
        piece = self.field[dy : dy + h, dx : dx + w]
        if piece.shape != (h, w):
            raise ValueError(f"page {shape} larger than the noise field")
        flip_y, flip_x = rng.random(2) < 0.5
        return piece[:: -1 if flip_y else 1, :: -1 if flip_x else 1]


# 0..255 -> paper grey: white paper scans at ~245, black at ~6 (as render_scan's _add_noise)
PAPER_LUT = np.clip(np.arange(256) * 0.94 + 6.0, 0, 255).round().astype(np.uint8)


def degrade_page(
    clean: np.ndarray,
    *,
    dpi: int,
    skew_deg: float,
    upside_down: bool,
    noise: ScannerNoise | None,
    rng: np.random.Generator,
    shadow: tuple[str, float, float] | None = None,
) -> np.ndarray:
    """One sheet through the feeder: turned, skewed, smoothed, paper grey, noise, dust specks.

    shadow (edge, width in mm, depth in grey levels) darkens one edge of a blank sheet.
    """
    import cv2

    arr = clean
    if upside_down:
        arr = arr[::-1, ::-1]
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape
    if skew_deg and arr.min() < 255:  # turning a white page changes nothing
        arr = skewed(arr, skew_deg)
    if noise is not None:  # the optics and the scanner's processing soften the print a little
        arr = cv2.GaussianBlur(arr, (0, 0), SCANNER_SMOOTHING_PX_AT_300_DPI * dpi / 300)
    out = cv2.LUT(arr, PAPER_LUT).astype(np.int16)
    if shadow is not None:
        edge, width_mm, depth = shadow
        n = max(2, round(width_mm / 25.4 * dpi))
        ramp = np.rint(depth * np.linspace(1.0, 0.0, n) ** 2).astype(np.int16)
        if edge == "top":
            out[:n, :] -= ramp[:, None]
        elif edge == "bottom":
            out[-n:, :] -= ramp[::-1, None]
        elif edge == "left":
            out[:, :n] -= ramp[None, :]
        else:
            out[:, -n:] -= ramp[None, ::-1]
    if noise is not None:
        out += noise.cut((h, w), rng)
        ys = rng.integers(0, h - 3, SPECKS_PER_PAGE)
        xs = rng.integers(0, w - 3, SPECKS_PER_PAGE)
        # dust is 0.1-0.25 mm whatever the dpi: 1-3 px at 300 dpi
        sizes = np.maximum(1, np.rint(rng.integers(1, 4, SPECKS_PER_PAGE) * dpi / 300))
        dark = rng.random(SPECKS_PER_PAGE) < 0.7
        for y, x, s, d in zip(ys, xs, sizes.astype(int), dark, strict=True):
            out[y : y + s, x : x + s] = 20 if d else 255
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def _pil_mode(arr: np.ndarray) -> str:
    """"L" for a grey page (h, w), "RGB" for a colour scan (h, w, 3)."""
    if arr.ndim == 2:
        return "L"
    if arr.ndim == 3 and arr.shape[2] == 3:
        return "RGB"
    raise ValueError(f"a page is grey (h, w) or RGB (h, w, 3), not {arr.shape}")


def _jpeg_bytes(arr: np.ndarray, dpi: int, quality: int = BATCH_JPEG_QUALITY) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(arr, mode=_pil_mode(arr)).save(
        buffer, "JPEG", quality=quality, optimize=True, dpi=(dpi, dpi)
    )
    return buffer.getvalue()


class JpegPdfWriter:
    """An image-only PDF written page by page: one JPEG per page (grey, or RGB for a colour
    scan), nothing kept in memory.

    Byte-stable (no dates, no IDs), so a seed gives the same file every time.
    """

    def __init__(self, path: Path, dpi: int) -> None:
        self.dpi = dpi
        self.file = Path(path).open("wb")
        self.offsets: dict[int, int] = {}
        self.pages: list[int] = []
        self.file.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._object(1, b"<< /Type /Catalog /Pages 2 0 R >>")

    def _object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.file.tell()
        self.file.write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self.file.write(b"\nstream\n" + stream + b"\nendstream")
        self.file.write(b"\nendobj\n")

    def add(self, arr: np.ndarray, quality: int = BATCH_JPEG_QUALITY) -> None:
        h, w = arr.shape[:2]
        image = 3 + 3 * len(self.pages)
        content, page = image + 1, image + 2
        jpeg = _jpeg_bytes(arr, self.dpi, quality)
        space = b"/DeviceGray" if _pil_mode(arr) == "L" else b"/DeviceRGB"
        self._object(
            image,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
            b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>" % (w, h, space, len(jpeg)),
            jpeg,
        )
        width_pt, height_pt = w * 72 / self.dpi, h * 72 / self.dpi
        draw = f"q {width_pt:.2f} 0 0 {height_pt:.2f} 0 0 cm /Im0 Do Q".encode()
        self._object(content, b"<< /Length %d >>" % len(draw), draw)
        self._object(
            page,
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt:.2f} {height_pt:.2f}] "
            f"/Resources << /XObject << /Im0 {image} 0 R >> >> /Contents {content} 0 R >>".encode(),
        )
        self.pages.append(page)

    def close(self) -> None:
        kids = " ".join(f"{p} 0 R" for p in self.pages)
        self._object(2, f"<< /Type /Pages /Kids [{kids}] /Count {len(self.pages)} >>".encode())
        xref = self.file.tell()
        size = max(self.offsets) + 1
        self.file.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            self.file.write(b"%010d 00000 n \n" % self.offsets[number])
        self.file.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % size)
        self.file.write(b"startxref\n%d\n%%%%EOF\n" % xref)
        self.file.close()


class JpegTiffWriter:
    """A multi-page TIFF with JPEG compression (grey, or RGB pages), appended page by page."""

    def __init__(self, path: Path, dpi: int) -> None:
        from PIL import TiffImagePlugin

        self.dpi = dpi
        self.file = Path(path).open("w+b")
        self.tiff = TiffImagePlugin.AppendingTiffWriter(self.file, True)

    def add(self, arr: np.ndarray, quality: int = BATCH_JPEG_QUALITY) -> None:
        from PIL import Image

        Image.fromarray(arr, mode=_pil_mode(arr)).save(
            self.tiff,
            format="TIFF",
            compression="jpeg",
            quality=quality,
            dpi=(self.dpi, self.dpi),
        )
        self.tiff.newFrame()

    def close(self) -> None:
        self.tiff.close()
        self.file.close()


def render_pages(pdf_path: Path, dpi: int, colour: bool = False) -> list[np.ndarray]:
    """Every page at `dpi`: grey (h, w), or RGB (h, w, 3) for a colour scan."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            if colour:
                pil = page.render(scale=dpi / 72).to_pil().convert("RGB")
            else:
                pil = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            pages.append(np.asarray(pil, dtype=np.uint8))
        return pages
    finally:
        pdf.close()
