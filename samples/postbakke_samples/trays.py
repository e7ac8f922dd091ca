"""A day's tray: one letter a file (make_tray), or the whole tray scanned into one file.

A mailroom puts a whole tray through the office scanner at once (make_batch): one
file with many letters, PATCHT separator sheets between some, blank back pages
where the scanner ran duplex, every sheet skewed on its own, some letters upside
down; batch.json records every page's role.
"""

from __future__ import annotations

import random
import tempfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from postbakke_samples.letter_pdf import PAGE_H_MM, PAGE_W_MM, render_letter_pdf
from postbakke_samples.letters import make_letter_specs
from postbakke_samples.scanner import (
    SCAN_DPI,
    SCAN_MAX_SKEW_DEG,
    SCAN_NOISE_SIGMA,
    UPSIDE_DOWN_SHARE,
    JpegPdfWriter,
    JpegTiffWriter,
    ScannerNoise,
    degrade_page,
    render_pages,
    render_scan,
    scan_degradation,
)
from postbakke_samples.truth import (
    BATCH_FILE,
    TRAY_DIR,
    LetterTruth,
    ensure_registers,
    letter_truth,
    merge_json_dict,
    merge_truth,
)
from postbakke_samples.world import World, make_world

SEPARATOR_TEXT = "PATCHT"  # what Paperless-ngx and capture software read as patch code T
SEPARATOR_CAPTION = "PATCH T - skilleark"
SEPARATOR_KINDS = ("code128", "qr")
# The validation corpus's sheets, as people print them: Paperless-ngx-style Code 39
# with a heading and instructions, a small Data Matrix with text, a small QR code.
VALIDATION_SEPARATOR_KINDS = ("code39-text", "datamatrix-text", "qr-small-text")
SEPARATOR_INSTRUCTIONS = (
    "Skilleark - PATCH T",
    "Læg dette ark mellem to breve, før bakken scannes.",
    "Arket scannes med og springes over; det næste brev begynder efter det.",
    "Spørgsmål: Postrummet, lokal 1.12, tlf. 89 64 10 10",
)
SEPARATOR_MAX_SKEW_DEG = 1.0  # separator sheets are often card; they go through straighter
BATCH_FORMATS = (".pdf", ".tif", ".tiff")
# Letters of 1, 2, 3 pages (more when max_pages allows): most 1, some 2, a few 3;
# 40 letters give ~60 content pages.
BATCH_PAGE_WEIGHTS = (60.0, 28.0, 12.0)
BATCH_LONGER_WEIGHT = 4.0
BLANK_SHADOW_SHARE = 0.5  # blank backs with a faint shadow along one edge of the sheet
BLANK_SHADOW_MAX_DEPTH = 45.0  # grey levels below the paper: stays far lighter than ink


def make_tray(
    out_dir: Path,
    seed: int,
    n_letters: int,
    scanned_share: float = 0.5,
    world: World | None = None,
    dpi: int = SCAN_DPI,
) -> list[LetterTruth]:
    """A day's out-tray: one letter per file under out_dir/tray/, plus registers and truth.

    Writes out_dir/tray/brev-NNN.{pdf,png,tif,jpg}, out_dir/registers/enrolment.csv,
    out_dir/registers/staff.csv and out_dir/truth.json (a list of LetterTruth dicts).
    Text-layer letters are PDFs; scans are mixed among .png, .tif, .jpg and image-only
    .pdf (multi-page letters only as .tif or .pdf). Registers already there must be the
    same world's; truth.json keeps the entries of other files (make_batch's batches).
    """
    out_dir = Path(out_dir)
    tray = out_dir / TRAY_DIR
    tray.mkdir(parents=True, exist_ok=True)
    if world is None:
        world = make_world(seed)
    ensure_registers(world, out_dir / "registers")
    specs = make_letter_specs(world, seed, n_letters)
    rng = random.Random(f"tray-{seed}")
    n_scanned = round(n_letters * scanned_share)
    scanned = sorted(rng.sample(range(n_letters), n_scanned))
    n_upside = round(n_scanned * UPSIDE_DOWN_SHARE)
    if n_scanned >= 3:
        n_upside = max(1, n_upside)
    upside = set(rng.sample(scanned, n_upside))
    formats = [".png", ".tif", ".jpg", ".pdf"]
    rng.shuffle(formats)
    truths: list[LetterTruth] = []
    with tempfile.TemporaryDirectory(prefix="postbakke-samples-") as tmp:
        k = 0
        for i, spec in enumerate(specs):
            stem = f"brev-{i + 1:03d}"
            if i not in scanned:
                name = f"{stem}.pdf"
                render_letter_pdf(world, spec, tray / name)
                truths.append(letter_truth(spec, name, "text"))
                continue
            suffix = formats[k % len(formats)]
            k += 1
            if spec.n_pages > 1 and suffix in (".png", ".jpg"):
                suffix = ".tif" if suffix == ".png" else ".pdf"
            source = Path(tmp) / f"{stem}.pdf"
            render_letter_pdf(world, spec, source)
            skew = round(rng.uniform(-SCAN_MAX_SKEW_DEG, SCAN_MAX_SKEW_DEG), 2)
            is_upside = i in upside
            name = f"{stem}{suffix}"
            render_scan(
                source,
                tray / name,
                dpi=dpi,
                skew_deg=skew,
                noise=SCAN_NOISE_SIGMA,
                upside_down=is_upside,
                seed=seed * 1000 + i,
            )
            degradation = scan_degradation(dpi, skew, SCAN_NOISE_SIGMA, is_upside)
            truths.append(letter_truth(spec, name, degradation))
    merge_truth(out_dir / "truth.json", truths)
    return truths


def render_separator_sheet(path: Path, kind: str = "code128") -> None:
    """An A4 separator sheet: a large barcode reading PATCHT and a small caption, nothing else."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.code128 import Code128
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    if kind not in SEPARATOR_KINDS + VALIDATION_SEPARATOR_KINDS:
        raise ValueError(f"unknown separator kind {kind!r}; use one of {SEPARATOR_KINDS}")
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(SEPARATOR_CAPTION)
    centre_x = PAGE_W_MM / 2 * mm
    if kind in VALIDATION_SEPARATOR_KINDS:
        _draw_printed_separator(c, kind)
        c.showPage()
        c.save()
        return
    if kind == "code128":
        barcode = Code128(
            SEPARATOR_TEXT, barWidth=1.1 * mm, barHeight=60 * mm, quiet=True, humanReadable=False
        )
        bottom = (PAGE_H_MM - 150.0) * mm  # bars from 90 to 150 mm from the top
        barcode.drawOn(c, centre_x - barcode.width / 2, bottom)
    else:
        widget = QrCodeWidget(SEPARATOR_TEXT, barBorder=4, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        size = 90 * mm  # with its quiet zone: 29 modules of ~3.1 mm
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        bottom = (PAGE_H_MM - 165.0) * mm  # 75 to 165 mm from the top
        renderPDF.draw(drawing, c, centre_x - size / 2, bottom)
    c.setFont("Helvetica", 10)
    c.drawCentredString(centre_x, bottom - 10 * mm, SEPARATOR_CAPTION)
    c.showPage()
    c.save()


def _draw_printed_separator(c: Any, kind: str) -> None:
    """A separator sheet as a user prints it: heading, a smaller code, lines of text."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode import createBarcodeDrawing
    from reportlab.graphics.barcode.code39 import Standard39
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm

    centre_x = PAGE_W_MM / 2 * mm
    c.setFont("Helvetica-Bold", 20)
    c.drawCentredString(centre_x, (PAGE_H_MM - 40) * mm, SEPARATOR_INSTRUCTIONS[0])
    top = 60.0
    if kind == "code39-text":
        barcode = Standard39(SEPARATOR_TEXT, barWidth=0.45 * mm, barHeight=14 * mm,
                             quiet=True, checksum=False, humanReadable=True)
        barcode.drawOn(c, centre_x - barcode.width / 2, (PAGE_H_MM - top - 14) * mm)
        below = top + 25
    else:
        size = 30 * mm if kind == "datamatrix-text" else 35 * mm
        if kind == "datamatrix-text":
            matrix = createBarcodeDrawing("ECC200DataMatrix", value=SEPARATOR_TEXT,
                                          barWidth=0.8 * mm, x=0, y=0)
            renderPDF.draw(matrix, c, centre_x - matrix.width / 2,
                           (PAGE_H_MM - top) * mm - matrix.height)
            size = matrix.height
        else:
            widget = QrCodeWidget(SEPARATOR_TEXT, barBorder=4, barLevel="M")
            x0, y0, x1, y1 = widget.getBounds()
            drawing = Drawing(size, size,
                              transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
            drawing.add(widget)
            renderPDF.draw(drawing, c, centre_x - size / 2, (PAGE_H_MM - top) * mm - size)
        below = top + size / mm + 12
    c.setFont("Helvetica", 11)
    for k, line in enumerate(SEPARATOR_INSTRUCTIONS[1:] * 2):
        c.drawString(20 * mm, (PAGE_H_MM - below - 7 * k) * mm, line)


@dataclass
class BatchPage:
    """One page of a scanned batch: what it is and how it lies on the glass."""

    role: str  # "letter:<i>", "blank" or "separator"
    skew: float = 0.0
    upside_down: bool = False
    letter_page: int | None = None  # 1-based page within the letter, for its content pages
    shadow: tuple[str, float, float] | None = None  # blank: (edge, width mm, depth grey levels)


def batch_degradation(
    dpi: int, skew_deg: float, noise: float, upside_down: bool, blank_backs: bool
) -> str:
    """E.g. "batch300-skew1.2-noise-duplex-upside-down"; the skew is the first page's."""
    label = f"batch{dpi}-skew{skew_deg:.1f}"
    if noise > 0:
        label += "-noise"
    if blank_backs:
        label += "-duplex"
    if upside_down:
        label += "-upside-down"
    return label


def make_batch(
    out_dir: Path,
    seed: int,
    n_letters: int,
    *,
    world: World | None = None,
    separator_share: float = 0.5,
    blank_back_share: float = 0.5,
    fmt: str = ".pdf",
    dpi: int = SCAN_DPI,
    max_pages: int = 3,
    skew_max_deg: float = SCAN_MAX_SKEW_DEG,
    noise: float = SCAN_NOISE_SIGMA,
    upside_down_share: float = 0.1,
    name: str = "bakke-001",
    separator_kind: str = "code128",
) -> list[LetterTruth]:
    """A whole tray scanned at once: one file out_dir/tray/<name><fmt> holding n letters.

    Letters of 1..max_pages pages in the default mix. A `separator_share` part of
    the boundaries between letters gets a PATCHT separator sheet; a
    `blank_back_share` part of the letters went through duplex, every page
    followed by its blank back; an `upside_down_share` part went in upside down
    (all its pages). Every sheet has its own skew within +-skew_max_deg.
    fmt ".pdf" is an image-only PDF, ".tif" a multi-page TIFF, both grey JPEG.

    Also writes the registers (if absent; the same world may write them again),
    and adds the letters to out_dir/truth.json and the file's page roles to
    out_dir/batch.json, replacing earlier entries for the same file only, so
    several batches and make_tray's single files can share one tray.
    LetterTruth.pages are the letter's content pages, numbered within the file.
    """
    fmt = fmt.lower()
    if fmt not in BATCH_FORMATS:
        raise ValueError(f"unsupported batch format {fmt!r}; use one of {BATCH_FORMATS}")
    if separator_kind not in SEPARATOR_KINDS:
        raise ValueError(f"unknown separator kind {separator_kind!r}")
    if n_letters < 1 or max_pages < 1:
        raise ValueError("a batch needs at least one letter of at least one page")
    for share in (separator_share, blank_back_share, upside_down_share):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"a share must lie in 0..1, not {share}")
    out_dir = Path(out_dir)
    tray = out_dir / TRAY_DIR
    tray.mkdir(parents=True, exist_ok=True)
    if world is None:
        world = make_world(seed)
    ensure_registers(world, out_dir / "registers")
    weights = list(BATCH_PAGE_WEIGHTS[:max_pages])
    weights += [BATCH_LONGER_WEIGHT] * (max_pages - len(weights))
    specs = make_letter_specs(world, seed, n_letters, page_weights=weights)

    # ---- the plan: which sheet goes where, drawn before any rendering
    rng = random.Random(f"batch-{seed}-{name}")
    boundaries = list(range(1, n_letters))
    separated = set(rng.sample(boundaries, round(len(boundaries) * separator_share)))
    duplex = set(rng.sample(range(n_letters), round(n_letters * blank_back_share)))
    upside = set(rng.sample(range(n_letters), round(n_letters * upside_down_share)))
    sep_skew = min(SEPARATOR_MAX_SKEW_DEG, skew_max_deg)

    def skew(limit: float) -> float:
        return round(rng.uniform(-limit, limit), 2)

    plan: list[BatchPage] = []
    letter_pages: list[list[int]] = []
    for i, spec in enumerate(specs):
        if i in separated:
            turned = rng.random() < upside_down_share
            plan.append(BatchPage("separator", skew(sep_skew), turned))
        numbers = []
        for k in range(1, spec.n_pages + 1):
            plan.append(BatchPage(f"letter:{i}", skew(skew_max_deg), i in upside, k))
            numbers.append(len(plan))
            if i in duplex:
                shadow = None
                if rng.random() < BLANK_SHADOW_SHARE:
                    edge = rng.choice(["top", "bottom", "left", "right"])
                    depth = round(rng.uniform(15.0, BLANK_SHADOW_MAX_DEPTH), 1)
                    shadow = (edge, round(rng.uniform(0.5, 2.5), 2), depth)
                plan.append(BatchPage("blank", plan[-1].skew, i in upside, shadow=shadow))
        letter_pages.append(numbers)

    # ---- the scan, page by page
    file_name = f"{name}{fmt}"
    noise_rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    writer_cls = JpegPdfWriter if fmt == ".pdf" else JpegTiffWriter
    with tempfile.TemporaryDirectory(prefix="postbakke-batch-") as tmp:
        separator_pdf = Path(tmp) / "skilleark.pdf"
        render_separator_sheet(separator_pdf, separator_kind)
        separator = render_pages(separator_pdf, dpi)[0]
        white = np.full_like(separator, 255)
        field = ScannerNoise(separator.shape, noise, dpi, noise_rng) if noise > 0 else None
        writer = writer_cls(tray / file_name, dpi)
        try:
            rendered: tuple[int, list[np.ndarray]] | None = None
            for entry in plan:
                if entry.role == "separator":
                    clean = separator
                elif entry.role == "blank":
                    clean = white
                else:
                    index = int(entry.role.split(":")[1])
                    if rendered is None or rendered[0] != index:
                        source = Path(tmp) / f"brev-{index + 1:03d}.pdf"
                        render_letter_pdf(world, specs[index], source)
                        rendered = (index, render_pages(source, dpi))
                    clean = rendered[1][(entry.letter_page or 1) - 1]
                writer.add(
                    degrade_page(
                        clean,
                        dpi=dpi,
                        skew_deg=entry.skew,
                        upside_down=entry.upside_down,
                        noise=field,
                        rng=noise_rng,
                        shadow=entry.shadow,
                    )
                )
        finally:
            writer.close()

    truths: list[LetterTruth] = []
    for i, spec in enumerate(specs):
        first = plan[letter_pages[i][0] - 1]
        label = batch_degradation(dpi, first.skew, noise, i in upside, i in duplex)
        truth = letter_truth(spec, file_name, label)
        truth.pages = letter_pages[i]
        truth.separator_before = i in separated
        truth.blank_backs = i in duplex
        truths.append(truth)
    record = {
        "file": file_name,
        "dpi": dpi,
        "separator_kind": separator_kind,
        "n_pages": len(plan),
        "pages": [
            {"page": number, **asdict(entry)} for number, entry in enumerate(plan, start=1)
        ],
    }
    merge_json_dict(out_dir / BATCH_FILE, {file_name: record})
    merge_truth(out_dir / "truth.json", truths)
    return truths
