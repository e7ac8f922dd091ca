"""Drawing a letter as an A4 PDF with a text layer, in one of the four layouts.

Layout zones (mm from the top-left corner of A4), which the reader relies on:

- letterhead            y 12-35   municipality, department, address, "Tlf. 89 64 10 10",
                                  sometimes "CVR-nr. 29189714" (own CVR, never a recipient)
- recipient block       x 22-100, y 53-78 (text), inside the window zone x 20-100, y 50-85
- info column (classic) x 125-195, y 50-80; (compact) x 145-195, y 50-78
- info block  (block)   x 20-100, y 92-119, right-aligned labels ending at x 50
- subject (bold)        y 110 (classic), 108 (compact), 130 (block)
- footer                y 283-290 ("Side k af N" right-aligned at x 190)
Pages 2..N have a small letterhead at y 15 and no recipient block.

"modern": a one-line letterhead over a rule, the sender's return address above
the recipient in the window, label/value columns on the right, "Side k af N" at
the top. reportlab's invariant mode keeps a text PDF byte-identical between runs.
"""

from __future__ import annotations

import random
from pathlib import Path

from postbakke_samples.letter_texts import (
    COMPANY_TOPICS,
    ENCLOSURES,
    PERSON_TOPICS,
    body_pages,
    date_da,
)
from postbakke_samples.letters import ALL_LAYOUTS, ID_PLACEMENTS, LetterSpec
from postbakke_samples.world import (
    MUNICIPALITY_POSTTOWN,
    MUNICIPALITY_STREET,
    MUNICIPALITY_WEB,
    Person,
    World,
    format_cpr,
    format_cvr,
)

# Window zone and text placement, in mm from the top-left corner.
WINDOW_ZONE = (20.0, 50.0, 100.0, 85.0)  # x0, y0, x1, y1
WINDOW_X = 22.0
WINDOW_FIRST_BASELINE = 57.0
WINDOW_LEADING = 4.8
INFO_ZONE_CLASSIC = (125.0, 50.0, 195.0, 100.0)
PAGE_W_MM = 210.0
PAGE_H_MM = 297.0
BODY_X0 = 20.0
BODY_X1 = 190.0
BODY_MAX_Y = 272.0  # body text must end above the footer


_FONTS = {
    "classic": ("Helvetica", "Helvetica-Bold"),
    "block": ("Helvetica", "Helvetica-Bold"),
    "compact": ("Times-Roman", "Times-Bold"),
    "modern": ("Helvetica", "Helvetica-Bold"),
}

# Font families a letter may be set in: (regular, bold). The reportlab built-ins are
# always there; DejaVu comes from Debian's fonts-dejavu-core when it is installed,
# else its stand-in is used (and named in the truth), so a corpus never needs it.
FONT_FAMILIES: dict[str, tuple[str, str]] = {
    "helvetica": ("Helvetica", "Helvetica-Bold"),
    "times": ("Times-Roman", "Times-Bold"),
    "courier": ("Courier", "Courier-Bold"),
    "helvetica-oblique": ("Helvetica-Oblique", "Helvetica-BoldOblique"),
    "dejavu-sans": ("DejaVuSans", "DejaVuSans-Bold"),
    "dejavu-serif": ("DejaVuSerif", "DejaVuSerif-Bold"),
    # the validation corpus's fonts (Debian's fonts-liberation; stand-ins when missing)
    "liberation-sans": ("LiberationSans-Regular", "LiberationSans-Bold"),
    "liberation-serif": ("LiberationSerif-Regular", "LiberationSerif-Bold"),
    "liberation-mono": ("LiberationMono-Regular", "LiberationMono-Bold"),
    "liberation-narrow": ("LiberationSansNarrow-Regular", "LiberationSansNarrow-Bold"),
}
LIBERATION_DIR = Path("/usr/share/fonts/truetype/liberation")
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONT_STAND_INS = {"dejavu-sans": "helvetica-oblique", "dejavu-serif": "times",
                   "liberation-sans": "helvetica", "liberation-serif": "times",
                   "liberation-mono": "courier", "liberation-narrow": "helvetica"}


def _font_dir(family: str) -> Path:
    return LIBERATION_DIR if family.startswith("liberation") else DEJAVU_DIR
# Body text shrinks in steps of this (pt) down to BODY_MIN_SIZE when a wide font
# (Courier) would run the page past BODY_MAX_Y; the default letters always fit.
BODY_SIZE_STEP = 0.5
BODY_MIN_SIZE = 7.5


def font_family(family: str) -> str:
    """The family a letter is really set in: DejaVu's stand-in when its TTF is missing."""
    if family in _FONT_STAND_INS:
        names = FONT_FAMILIES[family]
        if not all((_font_dir(family) / f"{name}.ttf").is_file() for name in names):
            return _FONT_STAND_INS[family]
    return family


def _letter_fonts(spec: LetterSpec) -> tuple[str, str]:
    """(regular, bold) reportlab font names for the letter, TTFs registered on first use."""
    if not spec.font:
        return _FONTS[spec.layout]
    family = font_family(spec.font)
    if family not in FONT_FAMILIES:
        raise ValueError(f"unknown font {spec.font!r}; use one of {sorted(FONT_FAMILIES)}")
    names = FONT_FAMILIES[family]
    if family.startswith(("dejavu", "liberation")):
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for name in names:
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(_font_dir(family) / f"{name}.ttf")))
    return names


def _printed_id(spec: LetterSpec) -> str:
    r = spec.recipient
    if isinstance(r, Person):
        return format_cpr(r.cpr, spec.id_form)
    return format_cvr(r.cvr, spec.id_form)


def _id_label(spec: LetterSpec) -> str:
    """The label before an ID in the info column/block, varying with the layout."""
    if spec.id_label:
        return spec.id_label
    if isinstance(spec.recipient, Person):
        return {"classic": "CPR-nr.:", "block": "CPR-nr.", "compact": "Cpr.nr.:",
                "modern": "Personnr."}[spec.layout]
    return {"classic": "CVR-nr.:", "block": "CVR-nr.", "compact": "CVR-nr.:",
            "modern": "CVR"}[spec.layout]


def _info_rows(spec: LetterSpec, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The info column's (label, value) rows: date, case, sender, phone, e-mail (rows[2..4]),
    the recipient's ID when printed there, then the rows about someone else.

    An e-mail-only letter keeps date, case number and the e-mail (its label maybe
    another), without the sender's name and phone.
    """
    rows = list(rows)
    if spec.email_only:
        rows = [rows[0], rows[1], (spec.email_label or rows[4][0], rows[4][1])]
    elif spec.email_label:
        rows[4] = (spec.email_label, rows[4][1])
    if spec.id_placement == "info":
        rows.append((_id_label(spec).rstrip(":"), _printed_id(spec)))
    rows += spec.info_extra
    return rows


def _body_height(
    paragraphs: list[str], font: str, size: float, leading: float, gap: float,
    closing: bool, enclosure: bool, extra_lines: int = 0,
) -> float:
    """Millimetres the body takes at this size, with the signature block on the last page."""
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit

    lines = sum(len(simpleSplit(p, font, size, (BODY_X1 - BODY_X0) * mm)) for p in paragraphs)
    height = lines * leading + gap * len(paragraphs)
    if closing:  # "Med venlig hilsen", a gap, name, title, department (and an enclosure)
        height += 14 + 3 * leading + (4 + leading if enclosure else 0)
        height += extra_lines * (4 + leading)  # a copy line
    return height


def render_letter_pdf(world: World, spec: LetterSpec, path: Path) -> None:
    """Draw the letter as an A4 PDF with a text layer (reportlab), byte-stable per spec."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    if spec.layout not in ALL_LAYOUTS:
        raise ValueError(f"unknown layout {spec.layout!r}")
    if spec.id_placement not in ID_PLACEMENTS:
        raise ValueError(f"unknown id_placement {spec.id_placement!r}")
    pages_text = spec.pages_text or body_pages(
        random.Random(f"body-{spec.case_number}-{spec.recipient.name}"),
        spec.recipient,
        spec.department,
        PERSON_TOPICS["Borgerservice"][0][1]
        if isinstance(spec.recipient, Person)
        else COMPANY_TOPICS["Borgerservice"][0][1],
        spec.sender,
        spec.n_pages,
        spec.salutation,
        spec.p_number,
    )
    if len(pages_text) != spec.n_pages:
        raise ValueError("pages_text must have one entry per page")
    regular, bold = _letter_fonts(spec)
    layout = spec.layout
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(f"{world.municipality_name} – {spec.subject}")
    c.setAuthor(world.municipality_name)

    def text(x_mm: float, y_mm: float, s: str, font: str, size: float, align: str = "left") -> None:
        """Draw s with its baseline y_mm from the top; align left/right/center at x_mm."""
        c.setFont(font, size)
        y = (PAGE_H_MM - y_mm) * mm
        if align == "right":
            c.drawRightString(x_mm * mm, y, s)
        elif align == "center":
            c.drawCentredString(x_mm * mm, y, s)
        else:
            c.drawString(x_mm * mm, y, s)

    def width_mm(s: str, font: str, size: float) -> float:
        return c.stringWidth(s, font, size) / mm

    def fit(lines: list[str], font: str, size: float, max_w: float) -> float:
        while size > 6 and max(width_mm(s, font, size) for s in lines) > max_w:
            size -= 0.25
        return size

    own_cvr_line = f"CVR-nr. {world.municipality_cvr}"
    head_cvr = spec.own_cvr in ("letterhead", "both")
    foot_cvr = spec.own_cvr in ("footer", "both")
    phone_line = f"Tlf. {world.municipality_phone}"

    for page_no in range(1, spec.n_pages + 1):
        # ---- letterhead
        if spec.letterhead_colour is not None:
            c.setFillColorRGB(*spec.letterhead_colour)
            c.setStrokeColorRGB(*spec.letterhead_colour)
        if page_no == 1:
            if layout == "classic":
                text(20, 19, world.municipality_name, bold, 18)
                text(20, 25.5, spec.department, regular, 12)
                text(20, 30.5, world.municipality_address, regular, 8)
                extra = f"   ·   {own_cvr_line}" if head_cvr else ""
                text(20, 34.5, f"{phone_line}   ·   {MUNICIPALITY_WEB}{extra}", regular, 8)
            elif layout == "block":
                text(20, 19, world.municipality_name, bold, 16)
                text(20, 25, spec.department, regular, 11)
                right = [MUNICIPALITY_STREET, MUNICIPALITY_POSTTOWN, phone_line]
                if head_cvr:
                    right.append(own_cvr_line)
                for k, s in enumerate(right):
                    text(190, 17 + 4.2 * k, s, regular, 8, "right")
            elif layout == "compact":  # right-aligned letterhead
                text(190, 19, world.municipality_name, bold, 16, "right")
                text(190, 25, spec.department, regular, 11, "right")
                text(190, 30, world.municipality_address, regular, 8, "right")
                extra = f" · {own_cvr_line}" if head_cvr else ""
                text(190, 34, f"{phone_line}{extra}", regular, 8, "right")
            else:  # modern: name and department on one row over a rule, contact below
                text(20, 21, world.municipality_name, bold, 16)
                text(190, 21, spec.department, regular, 11, "right")
                c.setLineWidth(0.6)
                c.line(20 * mm, (PAGE_H_MM - 24.5) * mm, 190 * mm, (PAGE_H_MM - 24.5) * mm)
                extra = f" · {own_cvr_line}" if head_cvr else ""
                text(20, 30, f"{world.municipality_address} · {phone_line}{extra}", regular, 8)
        else:
            small = f"{world.municipality_name} · {spec.department} · Sagsnr. {spec.case_number}"
            if layout == "compact":
                text(190, 15, small, regular, 8, "right")
            else:
                text(20, 15, small, regular, 8)
        c.setFillColorRGB(0, 0, 0)
        c.setStrokeColorRGB(0, 0, 0)
        if layout == "modern":  # page numbers at the top right, none in the footer
            text(190, 15 if page_no > 1 else 11, f"Side {page_no} af {spec.n_pages}",
                 regular, 8, "right")

        # ---- recipient block, info, subject (page 1 only)
        if page_no == 1:
            r = spec.recipient
            window = [r.name]
            if spec.attention:
                window.append(spec.attention)
            window += [r.street, f"{r.postcode} {r.city}"]
            if spec.window_lines:  # an estate, a guardian, a foreign address, ...
                window = list(spec.window_lines)
            if spec.id_placement == "window":
                label = "CPR-nr." if isinstance(r, Person) else "CVR-nr."
                window.append(f"{label} {_printed_id(spec)}")
            wsize = fit(
                window, regular, 10.5 if layout == "compact" else 10, WINDOW_ZONE[2] - WINDOW_X - 1
            )
            for k, s in enumerate(window):
                text(WINDOW_X, WINDOW_FIRST_BASELINE + WINDOW_LEADING * k, s, regular, wsize)
            if layout == "modern":  # the sender's return address, small, above the recipient
                back = f"Afs.: {world.municipality_name}, {world.municipality_address}"
                text(WINDOW_X, WINDOW_FIRST_BASELINE - 5.5, back, regular,
                     fit([back], regular, 6.5, WINDOW_ZONE[2] - WINDOW_X - 1))

            s_ = spec.sender
            info_dx, info_dy = spec.info_shift
            if layout == "block":
                rows = [
                    ("Dato", date_da(spec.letter_date)),
                    ("Sagsnr.", spec.case_number),
                    ("Sagsbehandler", s_.name),
                    ("Telefon", s_.phone),
                    ("E-mail", s_.email),
                ]
                rows = _info_rows(spec, rows)
                for k, (label, value) in enumerate(rows):
                    y = 96 + info_dy + 4.6 * k
                    text(50 + info_dx, y, label, bold, 9, "right")
                    text(53 + info_dx, y, value, regular, 9)
                # more rows than the ordinary letters' six push the subject down
                subject_y = max(130.0, 96 + 4.6 * len(rows) + 5)
            elif layout == "modern":
                rows = [
                    ("Dato", date_da(spec.letter_date)),
                    ("Journalnr.", spec.case_number),
                    ("Kontaktperson", s_.name),
                    ("Direkte tlf.", s_.phone),
                    ("Mail", s_.email),
                ]
                rows = _info_rows(spec, rows)
                label_size = fit([r_[0] for r_ in rows], bold, 8.5, 150 - INFO_ZONE_CLASSIC[0])
                value_size = fit([r_[1] for r_ in rows], regular, 8.5, 195 - 153)
                for k, (label, value) in enumerate(rows):
                    y = 54 + info_dy + 4.3 * k
                    text(150 + info_dx, y, label, bold, label_size, "right")
                    text(153 + info_dx, y, value, regular, value_size)
                subject_y = 112.0
            else:
                info = [
                    f"Dato: {date_da(spec.letter_date)}",
                    f"Sagsnr.: {spec.case_number}",
                    f"Sagsbehandler: {s_.name}",
                    f"Direkte tlf.: {s_.phone}",
                    f"E-mail: {s_.email}",
                ]
                if spec.id_placement == "info":
                    info.append(f"{_id_label(spec)} {_printed_id(spec)}")
                if spec.email_only or spec.info_extra:
                    info = [f"{label}: {value}" for label, value in _info_rows(spec, [
                        ("Dato", date_da(spec.letter_date)),
                        ("Sagsnr.", spec.case_number),
                        ("Sagsbehandler", s_.name),
                        ("Direkte tlf.", s_.phone),
                        ("E-mail", s_.email),
                    ])]
                if layout == "classic":
                    x0, size, step = 125.0, fit(info, regular, 9, 70), 4.6
                    subject_y = 110.0
                else:
                    x0, size, step = 145.0, fit(info, regular, 8.5, 48), 4.0
                    subject_y = 108.0
                for k, s in enumerate(info):
                    text(x0 + info_dx, 54 + info_dy + step * k, s, regular, size)

            subject_y += spec.subject_shift
            subject_lines = [spec.subject]
            if spec.subject_ref:  # "Vedr. jeres søn Emil, cpr.nr. ...": about someone else
                subject_lines.insert(0, spec.subject_ref)
            if spec.id_placement == "subject":
                if isinstance(r, Person):
                    subject_lines.insert(0, f"Vedr. {r.name}, cpr.nr. {_printed_id(spec)}")
                else:
                    subject_lines.insert(0, f"Vedr. {r.name}, CVR-nr. {_printed_id(spec)}")
            ssize = fit(subject_lines, bold, 11, BODY_X1 - BODY_X0)
            for k, s in enumerate(subject_lines):
                text(BODY_X0, subject_y + 5.5 * k, s, bold, ssize)
            y = subject_y + 5.5 * (len(subject_lines) - 1) + 10
        else:
            y = 30.0

        # ---- body
        size, leading, gap = (10.5, 4.8, 3.0) if layout == "compact" else (10.0, 4.8, 3.0)
        if spec.body_size:
            size, leading = spec.body_size, round(spec.body_size * 0.48, 2)
        paragraphs = pages_text[page_no - 1]
        closing = page_no == spec.n_pages
        while size > BODY_MIN_SIZE and y + _body_height(
            paragraphs, regular, size, leading, gap, closing, spec.enclosure,
            int(bool(spec.copy_line)),
        ) > BODY_MAX_Y:
            size -= BODY_SIZE_STEP
            leading = round(size * 0.48, 2)
        for paragraph in pages_text[page_no - 1]:
            for line in simpleSplit(paragraph, regular, size, (BODY_X1 - BODY_X0) * mm):
                text(BODY_X0, y, line, regular, size)
                y += leading
            y += gap
        if page_no == spec.n_pages:
            y += 2
            text(BODY_X0, y, "Med venlig hilsen", regular, size)
            y += 12
            for s in spec.signature or (
                spec.sender.name,
                spec.sender.title,
                f"{world.municipality_name}, {spec.department}",
            ):
                text(BODY_X0, y, s, regular, size)
                y += leading
            if spec.enclosure and (spec.enclosure_line or not spec.enclosure_sentence):
                y += 4
                item = ENCLOSURES[sum(map(ord, spec.case_number)) % len(ENCLOSURES)]
                text(BODY_X0, y, spec.enclosure_line or f"Vedlagt: {item}", regular, size)
                y += leading
            if spec.copy_line:  # "Kopi til: ...": who else got the letter
                y += 4
                text(BODY_X0, y, spec.copy_line, regular,
                     fit([spec.copy_line], regular, size, BODY_X1 - BODY_X0))
                y += leading
        if y > BODY_MAX_Y:
            raise ValueError(f"page {page_no} of the letter overflows ({y:.0f} mm)")

        # ---- footer
        parts = [world.municipality_name, MUNICIPALITY_STREET, MUNICIPALITY_POSTTOWN, phone_line]
        if foot_cvr:
            parts.append(f"CVR {world.municipality_cvr}")
        footer = " · ".join(parts)
        if layout == "block":
            text(20, 284, footer, regular, 7.5)
        elif layout == "modern":
            text(105, 284, " · ".join(parts[:3]), regular, 7.5, "center")
            rest = [phone_line, MUNICIPALITY_WEB] + parts[4:]
            text(105, 288, " · ".join(rest), regular, 7.5, "center")
        else:
            text(105, 284, footer, regular, 7.5, "center")
        if layout != "modern":
            text(190, 290, f"Side {page_no} af {spec.n_pages}", regular, 8, "right")
        c.showPage()
    c.save()
