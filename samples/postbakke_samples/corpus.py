"""The evaluation corpus of `make bench` and `postbakke-eval` (make_corpus).

Letters in four layouts and several fonts, every written form of CPR and CVR,
the traps (no ID, namesakes, a CPR one digit off), and scans of graded badness.
Text-layer letters and single-file scans sit next to tray batches in one tray
folder; truth.json says what every letter is and what was done to its scan.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from postbakke_samples.cases import CASES, LETTERS_PER_CASE_LETTER, make_case_specs
from postbakke_samples.degrade import (
    BITONAL_DPI,
    DEGRADATION_LEVELS,
    LEVEL_SPECS,
    NoiseFields,
    ScanPlan,
    paper_tint,
    plan_scan,
    scan_sheet,
    write_single_scan,
)
from postbakke_samples.letter_pdf import render_letter_pdf
from postbakke_samples.letters import ALL_LAYOUTS, CORPUS_MIX, LetterSpec, make_letter_specs
from postbakke_samples.scanner import (
    BATCH_JPEG_QUALITY,
    JpegPdfWriter,
    JpegTiffWriter,
    render_pages,
)
from postbakke_samples.trays import (
    BATCH_PAGE_WEIGHTS,
    SEPARATOR_KINDS,
    SEPARATOR_MAX_SKEW_DEG,
    VALIDATION_SEPARATOR_KINDS,
    BatchPage,
    render_separator_sheet,
)
from postbakke_samples.truth import (
    BATCH_FILE,
    TEXT_LEVEL,
    TRAY_DIR,
    LetterTruth,
    ensure_registers,
    letter_truth,
    merge_json_dict,
    merge_truth,
)
from postbakke_samples.world import World, corpus_world

CORPUS_FONTS = ("helvetica", "times", "courier", "dejavu-sans", "dejavu-serif")
CORPUS_VARIANTS = ("training", "validation")
# The validation corpus (variant "validation"): what the code was never tuned on.
VALIDATION_FONTS = ("liberation-sans", "liberation-serif", "liberation-mono",
                    "liberation-narrow", "helvetica-oblique")
VALIDATION_BODY_SIZES = (9.0, 9.5, 10.5, 11.0, 11.5)  # pt; the training letters use 10-10.5
# Info column/block and subject moved within DIN 5008's limits: the info column stays
# right of the address field (x >= 120 mm), the subject below it (y >= 94 mm).
VALIDATION_INFO_SHIFT_MM = ((-5.0, 5.0), (-3.0, 6.0))  # (dx, dy) ranges
VALIDATION_SUBJECT_SHIFT_MM = {"classic": (-14.0, 6.0), "compact": (-12.0, 6.0),
                               "modern": (-16.0, 4.0), "block": (-4.0, 6.0)}
VALIDATION_BLOCK_INFO_SHIFT_MM = ((-3.0, 3.0), (-2.0, 1.0))  # block layout: under the window
# Colour letterheads (municipal blue, green, red, teal, a lighter orange), None = black.
VALIDATION_LETTERHEAD_COLOURS = (None, (0.0, 0.25, 0.55), (0.0, 0.45, 0.25),
                                 (0.7, 0.1, 0.1), (0.0, 0.45, 0.5), (0.85, 0.45, 0.0))
# A handwritten tick, underline or note on the first page of this share of the scans.
VALIDATION_HANDWRITING_SHARE = 0.35
# Colour scans: this share of the scanned files with a colour letterhead (single letters;
# trays with one or more) is scanned in colour, at least one of each kind there is.
VALIDATION_COLOUR_SCAN_SHARE = 1 / 3
CORPUS_FORMATS = (".pdf", ".tif", ".jpg", ".png")  # single scanned letters
CORPUS_FORMAT_WEIGHTS = (4, 2, 3, 1)
PNG_MAX_DPI = 200  # a lossless noisy page at 300 dpi is ~6 MB; at 200 dpi ~2.5 MB


def _level_counts(items: list[int], share: float, rng: random.Random) -> set[int]:
    """A `share` of items, at least one from three items up when the share is not 0."""
    k = round(len(items) * share)
    if share > 0 and len(items) >= 3:
        k = max(1, k)
    return set(rng.sample(items, k))


def make_corpus_specs(
    world: World, seed: int, n_letters: int, variant: str = "training"
) -> list[LetterSpec]:
    """make_corpus's letters: CORPUS_MIX in every layout and font, 1-3 pages.

    The validation variant uses other fonts and sizes, moves the info column and the
    subject within the standard's limits, prints some letterheads in colour and holds
    enclosure phrasings the training letters never use.
    """
    validation = variant == "validation"
    specs = make_letter_specs(
        world, seed, n_letters, page_weights=BATCH_PAGE_WEIGHTS, mix=CORPUS_MIX,
        layouts=ALL_LAYOUTS, layout_weights=(1, 1, 1, 1),
        fonts=VALIDATION_FONTS if validation else CORPUS_FONTS, validation=validation,
    )
    if validation:
        rng = random.Random(f"variant-{seed}")
        for spec in specs:
            _validation_look(spec, rng)
    return specs


def _validation_look(spec: LetterSpec, rng: random.Random) -> None:
    """The validation corpus's body size, info column and subject shifts, letterhead colour."""
    spec.body_size = rng.choice(VALIDATION_BODY_SIZES)
    (dx0, dx1), (dy0, dy1) = (VALIDATION_BLOCK_INFO_SHIFT_MM if spec.layout == "block"
                              else VALIDATION_INFO_SHIFT_MM)
    spec.info_shift = (round(rng.uniform(dx0, dx1), 1), round(rng.uniform(dy0, dy1), 1))
    spec.subject_shift = round(rng.uniform(*VALIDATION_SUBJECT_SHIFT_MM[spec.layout]), 1)
    spec.letterhead_colour = rng.choice(VALIDATION_LETTERHEAD_COLOURS)


def make_case_corpus_specs(
    world: World, seed: int, per_case: int, variant: str = "training"
) -> tuple[World, list[LetterSpec]]:
    """make_corpus's issue-20 letters (samples.cases): per_case of every case, in the
    corpus's fonts (and, for the validation variant, its other look), with their world."""
    validation = variant == "validation"
    world, specs = make_case_specs(world, seed, per_case, variant,
                                   VALIDATION_FONTS if validation else CORPUS_FONTS)
    if validation:
        rng = random.Random(f"case-variant-{seed}")
        for spec in specs:
            _validation_look(spec, rng)
    return world, specs


def _add_handwriting(plan: ScanPlan, rng: random.Random) -> None:
    """The validation corpus's handwritten-looking marks: over the address or a margin note."""
    if rng.random() < VALIDATION_HANDWRITING_SHARE:
        plan.marks.append({
            "kind": "pen", "stroke": rng.choice(["address", "note"]), "page": 1,
            "seed": rng.randrange(1 << 30), "subject_y": 110.0, "grey": rng.randint(30, 90),
        })


def _colour_picks(items: list[int], rng: random.Random) -> set[int]:
    """VALIDATION_COLOUR_SCAN_SHARE of items, at least one when there are any."""
    if not items:
        return set()
    return set(rng.sample(items, max(1, round(len(items) * VALIDATION_COLOUR_SCAN_SHARE))))


def make_corpus(
    out_dir: Path,
    seed: int,
    n_letters: int = 150,
    *,
    text_share: float = 0.35,
    batch_share: float = 0.4,
    batch_letters: tuple[int, int] = (6, 12),
    levels: Sequence[str] = DEGRADATION_LEVELS,
    dpis: Sequence[int] = (200, 300),
    world: World | None = None,
    variant: str = "training",
    case_letters: int | None = None,
) -> list[LetterTruth]:
    """The evaluation corpus: n letters with truth, text-layer and scanned, singly and in batches.

    Letters use ALL_LAYOUTS and CORPUS_FONTS and CORPUS_MIX (all CPR/CVR forms and
    placements, no-ID letters, namesakes, a CPR one digit off a register entry,
    companies with Att. lines), 1-3 pages. A `text_share` of the letters are PDFs
    with a text layer; the others are scanned at one of `levels` (spread evenly)
    and `dpis`. A `batch_share` of the scanned letters go into tray batches
    (bakke-NN.pdf/.tif of `batch_letters` letters, PATCHT separators, blank duplex
    backs), the rest into one file each (brev-NNN.pdf/.tif/.jpg/.png).

    Writes out_dir/tray/, out_dir/registers/, out_dir/truth.json (LetterTruth with
    `level` and `degradation_details`) and out_dir/batch.json. Deterministic from
    the seed (DejaVu fonts fall back to built-ins where fonts-dejavu is missing).

    The validation variant also scans a third of its files with a colour letterhead
    in colour (RGB; stamps in red, pens in blue, tinted paper; labels end in
    "-colour"), drawn from a random stream of its own: the training corpus and the
    validation corpus's grey files are what they would be without colour scans.

    Issue 20's letters (samples.cases.CASES: to a parent about a child, to a child,
    to an estate, with a copy line, to a representative, abroad, sender by e-mail
    only) come after the n_letters ordinary ones: `case_letters` of each case (None:
    one per LETTERS_PER_CASE_LETTER ordinary letters, 0 below 16), files numbered on
    from the ordinary ones, drawn from random streams of their own, so the ordinary
    letters' files are what they were without them. Their world adds the people they
    need to the registers.
    """
    if variant not in CORPUS_VARIANTS:
        raise ValueError(f"unknown corpus variant {variant!r}; use one of {CORPUS_VARIANTS}")
    validation = variant == "validation"
    hand_rng = random.Random(f"handwriting-{seed}")
    unknown = [lv for lv in levels if lv not in LEVEL_SPECS]
    if unknown or not levels:
        raise ValueError(f"unknown degradation levels {unknown}; use {DEGRADATION_LEVELS}")
    for share in (text_share, batch_share):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"a share must lie in 0..1, not {share}")
    if n_letters < 1 or batch_letters[0] < 1 or batch_letters[0] > batch_letters[1]:
        raise ValueError("a corpus needs letters, and batches of at least one letter")
    out_dir = Path(out_dir)
    tray = out_dir / TRAY_DIR
    tray.mkdir(parents=True, exist_ok=True)
    if world is None:
        world = corpus_world(seed, n_letters)
    specs = make_corpus_specs(world, seed, n_letters, variant)
    per_case = (round(n_letters / LETTERS_PER_CASE_LETTER) if case_letters is None
                else case_letters)
    case_specs: list[LetterSpec] = []
    if per_case > 0:
        world, case_specs = make_case_corpus_specs(world, seed, per_case, variant)
    ensure_registers(world, out_dir / "registers")

    # ---- the plan: which letter is text, scanned alone or in a batch, at which level
    rng = random.Random(f"corpus-{seed}")
    text = set(rng.sample(range(n_letters), round(n_letters * text_share)))
    scanned = [i for i in range(n_letters) if i not in text]
    level_of = {i: levels[k % len(levels)] for k, i in enumerate(scanned)}
    shuffled = [level_of[i] for i in scanned]
    rng.shuffle(shuffled)
    level_of = dict(zip(scanned, shuffled, strict=True))
    upside: set[int] = set()
    for level in levels:
        members = [i for i in scanned if level_of[i] == level]
        upside |= _level_counts(members, LEVEL_SPECS[level].upside_down_share, rng)
    batched = sorted(rng.sample(scanned, round(len(scanned) * batch_share)))
    batches: list[list[int]] = []
    while batched:
        size = rng.randint(*batch_letters)
        batches.append(batched[:size])
        batched = batched[size:]
    in_batch = {i for batch in batches for i in batch}
    # validation: which files are scanned in colour, and on which paper; a stream of its own
    colour_rng = random.Random(f"colour-{seed}")
    colour_singles: set[int] = set()
    colour_batches: set[int] = set()
    if validation:
        colour_singles = _colour_picks(
            [i for i in scanned if i not in in_batch and specs[i].letterhead_colour], colour_rng)
        colour_batches = _colour_picks(
            [b for b, members in enumerate(batches)
             if any(specs[i].letterhead_colour for i in members)], colour_rng)

    truths: list[LetterTruth | None] = [None] * n_letters
    noise = NoiseFields(np.random.default_rng([seed, 4]))
    pixel_rng = np.random.default_rng([seed, 5])
    colour_noise = NoiseFields(np.random.default_rng([seed, 6]))
    with tempfile.TemporaryDirectory(prefix="postbakke-corpus-") as tmp:
        scanner = _Scanner(rng, noise, pixel_rng, Path(tmp), colour_noise)
        for i, spec in enumerate(specs):
            stem = f"brev-{i + 1:03d}"
            if i in text:
                name = f"{stem}.pdf"
                render_letter_pdf(world, spec, tray / name)
                truth = letter_truth(spec, name, TEXT_LEVEL)
                truth.level = TEXT_LEVEL
                truths[i] = truth
                continue
            if i in in_batch:
                continue
            truths[i] = _write_single_letter(
                world, spec, tray, Path(tmp), stem, level_of[i], i in upside, dpis,
                scanner,
                hand_rng if validation else None,
                colour_rng if i in colour_singles else None)

        for number, members in enumerate(batches, start=1):
            batch_truths = _write_corpus_batch(
                out_dir, f"bakke-{number:02d}", [(i, specs[i]) for i in members], world,
                {i: level_of[i] for i in members}, upside, rng.choice(list(dpis)), scanner,
                hand_rng if validation else None,
                paper_tint(colour_rng) if number - 1 in colour_batches else None,
            )
            for i, truth in zip(members, batch_truths, strict=True):
                truths[i] = truth
    done = [t for t in truths if t is not None]
    if len(done) != n_letters:
        raise AssertionError("every letter gets a truth")
    if case_specs:
        done += _write_case_letters(out_dir, world, case_specs, seed, n_letters, len(batches),
                                    levels, dpis, batch_share, batch_letters, validation)
    merge_truth(out_dir / "truth.json", done)
    return done


def _write_single_letter(
    world: World, spec: LetterSpec, tray: Path, tmp: Path, stem: str, level: str,
    upside_down: bool, dpis: Sequence[int], scanner: _Scanner,
    hand_rng: random.Random | None, colour_rng: random.Random | None,
    bitonal: bool = False,
) -> LetterTruth:
    """One scanned letter in a file of its own (brev-NNN.pdf/.tif/.jpg/.png).

    `hand_rng`: the validation corpus's handwriting; `colour_rng`: scanned in colour;
    `bitonal`: fax-like, BITONAL_DPI (or the lowest of `dpis` below it), 1 bit a pixel, as
    .tif (group 4) or .png.
    """
    rng = scanner.rng
    if bitonal:
        choices = [".tif"] + ([".png"] if spec.n_pages == 1 else [])
        suffix = rng.choice(choices)
        dpi = min(BITONAL_DPI, *dpis)  # below 200 only in a cheap test corpus
    else:
        choices = [f for f in CORPUS_FORMATS if spec.n_pages == 1 or f in (".pdf", ".tif")]
        weights = [CORPUS_FORMAT_WEIGHTS[CORPUS_FORMATS.index(f)] for f in choices]
        suffix = rng.choices(choices, weights=weights)[0]
        dpi = rng.choice(list(dpis))
        if suffix == ".png":
            dpi = min(dpi, PNG_MAX_DPI)
    plan = plan_scan(rng, level, dpi, spec, upside_down, jpeg=suffix != ".png" and not bitonal)
    plan.bitonal = bitonal
    if hand_rng is not None:
        _add_handwriting(plan, hand_rng)
    if colour_rng is not None:
        plan.colour = paper_tint(colour_rng)
    source = tmp / f"{stem}.pdf"
    render_letter_pdf(world, spec, source)
    pages = [
        scan_sheet(clean, plan, plan.skews[k], scanner.noise, scanner.pixel_rng,
                   [m for m in plan.marks if m["page"] == k + 1], scanner.colour_noise)
        for k, clean in enumerate(render_pages(source, dpi, plan.colour is not None))
    ]
    name = f"{stem}{suffix}"
    write_single_scan(tray / name, pages, plan)
    truth = letter_truth(spec, name, plan.label())
    truth.level, truth.degradation_details = plan.level, plan.details()
    return truth


# The levels of the e-mail-only letters scanned bitonal (fax-like) at BITONAL_DPI.
BITONAL_LEVELS = ("mild", "medium")


def _write_case_letters(
    out_dir: Path, world: World, specs: list[LetterSpec], seed: int, first: int,
    first_batch: int, levels: Sequence[str], dpis: Sequence[int], batch_share: float,
    batch_letters: tuple[int, int], validation: bool,
) -> list[LetterTruth]:
    """The issue-20 letters after the ordinary ones: brev-NNN from first + 1, trays from
    bakke-(first_batch + 1); random streams of their own.

    Each case goes round "text" and the scan levels (5 letters of a case: one on each),
    a `batch_share` of its scans in tray batches; the e-mail-only letters at a
    BITONAL_LEVELS level are scanned bitonal at 200 dpi, in files of their own.
    """
    tray = out_dir / TRAY_DIR
    rng = random.Random(f"case-corpus-{seed}")
    hand_rng = random.Random(f"case-handwriting-{seed}") if validation else None
    noise = NoiseFields(np.random.default_rng([seed, 14]))
    pixel_rng = np.random.default_rng([seed, 15])
    colour_noise = NoiseFields(np.random.default_rng([seed, 16]))
    slots = (TEXT_LEVEL, *levels)
    seen: Counter[str] = Counter()
    level_of: dict[int, str] = {}
    for i, spec in enumerate(specs):
        level_of[i] = slots[(CASES.index(spec.case) + seen[spec.case]) % len(slots)]
        seen[spec.case] += 1
    bitonal = {i for i, spec in enumerate(specs)
               if spec.case == "sender_email_only" and level_of[i] in BITONAL_LEVELS}
    scanned = [i for i in range(len(specs)) if level_of[i] != TEXT_LEVEL]
    upside: set[int] = set()
    for level in levels:
        members = [i for i in scanned if level_of[i] == level]
        upside |= _level_counts(members, LEVEL_SPECS[level].upside_down_share, rng)
    batchable = [i for i in scanned if i not in bitonal]
    batched = sorted(rng.sample(batchable, round(len(batchable) * batch_share)))
    batches: list[list[int]] = []
    while batched:
        size = rng.randint(*batch_letters)
        batches.append(batched[:size])
        batched = batched[size:]
    in_batch = {i for batch in batches for i in batch}
    truths: list[LetterTruth | None] = [None] * len(specs)
    with tempfile.TemporaryDirectory(prefix="postbakke-cases-") as tmp:
        scanner = _Scanner(rng, noise, pixel_rng, Path(tmp), colour_noise)
        for i, spec in enumerate(specs):
            stem = f"brev-{first + i + 1:03d}"
            if level_of[i] == TEXT_LEVEL:
                name = f"{stem}.pdf"
                render_letter_pdf(world, spec, tray / name)
                truth = letter_truth(spec, name, TEXT_LEVEL)
                truth.level = TEXT_LEVEL
                truths[i] = truth
            elif i not in in_batch:
                truths[i] = _write_single_letter(world, spec, tray, Path(tmp), stem,
                                                 level_of[i], i in upside, dpis, scanner,
                                                 hand_rng, None, i in bitonal)
        for number, members in enumerate(batches, start=first_batch + 1):
            batch_truths = _write_corpus_batch(
                out_dir, f"bakke-{number:02d}", [(i, specs[i]) for i in members], world,
                {i: level_of[i] for i in members}, upside, rng.choice(list(dpis)), scanner,
                hand_rng)
            for i, truth in zip(members, batch_truths, strict=True):
                truths[i] = truth
    done = [t for t in truths if t is not None]
    if len(done) != len(specs):
        raise AssertionError("every case letter gets a truth")
    return done


@dataclass
class _Scanner:
    """The random streams and scratch folder one corpus run shares between its files."""

    rng: random.Random
    noise: NoiseFields
    pixel_rng: np.random.Generator
    tmp: Path
    colour_noise: NoiseFields  # a colour scan's own noise, per channel
    separators: dict[tuple[str, int, bool], np.ndarray] = field(default_factory=dict)

    def separator(self, kind: str, dpi: int, colour: bool = False) -> np.ndarray:
        if (kind, dpi, colour) not in self.separators:
            pdf = self.tmp / f"skilleark-{kind}.pdf"
            render_separator_sheet(pdf, kind)
            self.separators[(kind, dpi, colour)] = render_pages(pdf, dpi, colour)[0]
        return self.separators[(kind, dpi, colour)]


CORPUS_BATCH_TIFF_SHARE = 0.25
CORPUS_SEPARATOR_SHARE = 0.5
CORPUS_DUPLEX_SHARE = 0.3
VALIDATION_DUPLEX_SHARE = 0.6


def _write_corpus_batch(
    out_dir: Path,
    name: str,
    letters: list[tuple[int, LetterSpec]],
    world: World,
    level_of: dict[int, str],
    upside: set[int],
    dpi: int,
    scanner: _Scanner,
    validation_rng: random.Random | None = None,
    colour: tuple[float, float, float] | None = None,
) -> list[LetterTruth]:
    """One tray batch of the corpus: each letter scanned at its own level, in one file.

    As make_batch: PATCHT separators before some letters, blank backs after every
    page of the duplex ones (with the front's skew, grey, noise and edges), one
    page roles record in batch.json; the letters' truths come back in order.
    `colour` (a paper tint) scans the whole tray in colour, every sheet RGB.
    """
    rng = scanner.rng
    fmt = ".tif" if rng.random() < CORPUS_BATCH_TIFF_SHARE else ".pdf"
    kind = rng.choice(SEPARATOR_KINDS)
    n = len(letters)
    separated = set(rng.sample(range(1, n), round((n - 1) * CORPUS_SEPARATOR_SHARE)))
    duplex = set(rng.sample(range(n), round(n * CORPUS_DUPLEX_SHARE)))
    plans = [plan_scan(rng, level_of[i], dpi, spec, i in upside) for i, spec in letters]
    # validation: printed sheets of other kinds; duplex trays printed on both sides (a
    # letter's page 2 on the back of page 1, a blank back only after an odd last page)
    duplex_printed = validation_rng is not None
    if validation_rng is not None:
        kind = validation_rng.choice(VALIDATION_SEPARATOR_KINDS)
        duplex = set(validation_rng.sample(range(n), round(n * VALIDATION_DUPLEX_SHARE)))
        for plan_ in plans:
            _add_handwriting(plan_, validation_rng)
    for plan_ in plans:
        plan_.colour = colour
    mild = LEVEL_SPECS["mild"]
    plan: list[BatchPage] = []
    sheets: list[tuple[int | None, int]] = []  # (letter index in batch or None, page in letter)
    letter_pages: list[list[int]] = []
    for k, (_, spec) in enumerate(letters):
        if k in separated:
            skew = round(rng.uniform(-SEPARATOR_MAX_SKEW_DEG, SEPARATOR_MAX_SKEW_DEG), 2)
            plan.append(BatchPage("separator", skew, rng.random() < mild.upside_down_share))
            sheets.append((None, 0))
        numbers = []
        for page in range(1, spec.n_pages + 1):
            skew = plans[k].skews[page - 1]
            plan.append(BatchPage(f"letter:{k}", skew, plans[k].upside_down, page))
            sheets.append((k, page))
            numbers.append(len(plan))
            last_odd = page == spec.n_pages and page % 2 == 1
            if k in duplex and (not duplex_printed or last_odd):
                plan.append(BatchPage("blank", skew, plans[k].upside_down))
                sheets.append((k, 0))
        letter_pages.append(numbers)

    file_name = f"{name}{fmt}"
    writer: JpegPdfWriter | JpegTiffWriter
    writer = (JpegPdfWriter if fmt == ".pdf" else JpegTiffWriter)(
        out_dir / TRAY_DIR / file_name, dpi
    )
    try:
        rendered: tuple[int, list[np.ndarray]] | None = None
        for entry, (index, page_no) in zip(plan, sheets, strict=True):
            if index is None:  # a separator sheet: card, fed straight, lightly noisy
                sheet_plan = ScanPlan("mild", dpi, [entry.skew], entry.upside_down,
                                      mild.noise_sigma, 0.0, 0.0, BATCH_JPEG_QUALITY, None, None,
                                      colour=colour)
                clean = scanner.separator(kind, dpi, colour is not None)
                marks: list[dict[str, Any]] = []
            else:
                sheet_plan = plans[index]
                if rendered is None or rendered[0] != index:
                    source = scanner.tmp / f"{name}-{index}.pdf"
                    render_letter_pdf(world, letters[index][1], source)
                    rendered = (index, render_pages(source, dpi, colour is not None))
                pages = rendered[1]
                clean = pages[page_no - 1] if page_no else np.full_like(pages[0], 255)
                marks = [m for m in sheet_plan.marks if m["page"] == page_no] if page_no else []
            writer.add(
                scan_sheet(clean, sheet_plan, entry.skew, scanner.noise, scanner.pixel_rng,
                            marks, scanner.colour_noise),
                sheet_plan.jpeg_quality or BATCH_JPEG_QUALITY,
            )
    finally:
        writer.close()

    truths = []
    for k, (_, spec) in enumerate(letters):
        truth = letter_truth(spec, file_name, plans[k].label())
        truth.pages = letter_pages[k]
        truth.separator_before = k in separated
        truth.blank_backs = k in duplex
        truth.level = plans[k].level
        truth.degradation_details = {**plans[k].details(), "batch": True}
        truths.append(truth)
    record = {
        "file": file_name,
        "dpi": dpi,
        "separator_kind": kind,
        "n_pages": len(plan),
        "pages": [{"page": number, **asdict(entry)} for number, entry in enumerate(plan, 1)],
    }
    merge_json_dict(out_dir / BATCH_FILE, {file_name: record})
    return truths
