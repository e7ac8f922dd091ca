"""The frozen types that flow through the pipeline, and those the store keeps and returns.

file -> Page (words with boxes) -> Letter (pages) -> Fields -> Match -> Verdict.

All positions are in millimetres from the top-left corner of the upright page,
whatever the source (a PDF text layer in points, an OCR'd raster in pixels), so
that the later stages can speak of "the window zone" in the units a letter's
layout is specified in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from postbakke.privacy import masked_id

# The file types `scan` and `watch` read (sniffed by content; the suffix picks
# files out of a folder).
SCANNABLE_SUFFIXES = frozenset({".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg"})

A4_WIDTH_MM = 210.0
A4_HEIGHT_MM = 297.0

# The layout of a Danish municipal letter printed for a window envelope
# (domain.md), shared by the stages that read it (split, extract). The window
# of a C5/C4 envelope sits ~20 mm from the left and 45-90 mm from the top; the
# margins allow for letters printed a little off and for residual skew.
LETTERHEAD_BOTTOM_MM = 40.0
WINDOW_LEFT_MM, WINDOW_RIGHT_MM = 8.0, 110.0
WINDOW_TOP_MM, WINDOW_BOTTOM_MM = 38.0, 100.0


@dataclass(frozen=True, slots=True)
class EnvelopeWindow:
    """The address field that shows through the envelope's window, mm from the page's top-left.

    The default is DIN 5008 form B, which Danish window envelopes (C5, C65/E65)
    follow: 20 mm from the left, 45 mm from the top, 85 x 45 mm. Municipalities
    with other envelopes set `[envelope] window` in postbakke.toml.
    """

    left: float = 20.0
    top: float = 45.0
    width: float = 85.0
    height: float = 45.0

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def holds(self, x0: float, y0: float, x1: float, y1: float, tolerance_mm: float) -> bool:
        """Whether a box lies inside the field, each edge allowed `tolerance_mm` over."""
        return (
            x0 >= self.left - tolerance_mm and x1 <= self.right + tolerance_mm
            and y0 >= self.top - tolerance_mm and y1 <= self.bottom + tolerance_mm
        )


# Lines of one address block are at most this far apart (a blank line between
# the name and the street is ~10 mm; the next block is further).
BLOCK_LINE_GAP_MM = 11.0
# Postcode and city. OCR adds a stray mark before it ('"8850 Bjerringbro'),
# reads the space as a dot ("8881.Thorsø") or a digit as a letter (O, l, I):
# seen on 2 of 40 generated scans; or a speck after the postcode ("8450; Hammel").
_POSTCODE_LINE = re.compile(r"^\W{0,2}(?:DK[- ]?)?([0-9OoIl]{4})[\s.,;:]*([^\W\d_]{2,}.*)$")
_OCR_POSTCODE_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})


def parse_postcode_line(text: str) -> tuple[str, str] | None:
    """(postcode, city) from a line like "8370 Hadsten", tolerant of OCR slips."""
    found = _POSTCODE_LINE.match(text.strip())
    if not found or sum(c.isdigit() for c in found.group(1)) < 3:
        return None
    return found.group(1).translate(_OCR_POSTCODE_DIGITS), found.group(2).strip()


class IdKind(StrEnum):
    CPR = "cpr"
    CVR = "cvr"


class Enrolment(StrEnum):
    ENROLLED = "tilmeldt"
    EXEMPT = "fritaget"


class MatchMethod(StrEnum):
    ID = "id"
    NAME_ADDRESS = "name_address"
    MANUAL = "manual"


class VerdictKind(StrEnum):
    LEAK = "leak"
    LEGITIMATE = "legitimate"
    REVIEW = "review"


class Reason(StrEnum):
    """The short codes of domain.md's verdict table (plus the never-a-leak cases)."""

    ENROLLED = "enrolled"
    EXEMPT = "exempt"
    COMPANY_OBLIGED = "company_obliged"
    CPR_NOT_IN_REGISTER = "cpr_not_in_register"
    NO_RECIPIENT = "no_recipient"
    AMBIGUOUS = "ambiguous"
    LOW_CONFIDENCE = "low_confidence"
    CHILD_UNDER_15 = "child_under_15"
    PHYSICAL_ENCLOSURE = "physical_enclosure"
    # The letter speaks of something enclosed that the tool cannot place (a physical
    # thing or a document?): by rule 1 review, never leak.
    ENCLOSURE_UNCLEAR = "enclosure_unclear"
    # A person reviewing the letter found no recipient with a Danish CPR/CVR
    # number (abroad, no Danish ID): domain.md's "never a leak" case.
    NO_DANISH_ID = "no_danish_id"
    # A person reviewing the letter found that paper was right for it (a note says why):
    # counted with the justified letters, never as a leak.
    JUSTIFIED_PAPER = "justified_paper"
    # The address block names a deceased person's estate ("Boet efter ...", "Dødsboet efter
    # ..."): the deceased's Digital Post closed at death, an estate is written to on paper.
    ESTATE = "estate"


class IdRole(StrEnum):
    """Whose a printed ID is, as the words around it say (letters.parties).

    Only an ID with no role, or the addressee's, can name the letter's recipient; the
    others are evidence of whom the letter is about (domain.md, "Who the letter is to").
    """

    ADDRESSEE = "addressee"  # "Deres CPR-nr.", or printed in the address block
    CHILD = "child"  # "Barnets CPR-nr.", "Vedr. jeres søn Emil, cpr.nr. ..."
    DECEASED = "deceased"  # "Afdødes CPR-nr.", "Vedr. dødsboet efter ..."
    REPRESENTED = "represented"  # "værge for ...", "på vegne af ...", "Deres klient ..."
    COPY = "copy"  # on a copy line under the signature: "Kopi til: ..., CVR ..."


@dataclass(frozen=True, slots=True)
class Word:
    """One word as read from a page, with its box in mm and a confidence 0-100."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float = 100.0

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True, slots=True)
class Line:
    """Words on one baseline that belong together (no wide horizontal gap)."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def conf(self) -> float:
        """Lowest word confidence: one misread digit spoils a whole number."""
        return min(w.conf for w in self.words)


# Two words further apart than this on one baseline belong to different
# columns (the recipient block and the info column are ~80 mm apart; a normal
# word space is 1-3 mm in 10-12 pt type).
COLUMN_GAP_MM = 12.0


def group_lines(words: Iterable[Word], column_gap_mm: float = COLUMN_GAP_MM) -> list[Line]:
    """Group words into lines by vertical overlap, split where columns part.

    Used for both text-layer and OCR pages so that every later stage sees the
    same structure whatever the source.
    """
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.yc, w.x0)):
        if rows:
            row = rows[-1]
            ref = row[0]
            overlap = min(ref.y1, word.y1) - max(ref.y0, word.y0)
            if overlap > 0.5 * min(ref.height, word.height):
                row.append(word)
                continue
        rows.append([word])
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda w: w.x0)
        current = [row[0]]
        for word in row[1:]:
            if word.x0 - current[-1].x1 > column_gap_mm:
                lines.append(Line(tuple(current)))
                current = [word]
            else:
                current.append(word)
        lines.append(Line(tuple(current)))
    lines.sort(key=lambda ln: (ln.y0, ln.x0))
    return lines


@dataclass(frozen=True, slots=True)
class Page:
    """One upright page of a scanned file, 1-based number within that file."""

    number: int
    words: tuple[Word, ...]
    width_mm: float = A4_WIDTH_MM
    height_mm: float = A4_HEIGHT_MM
    method: str = "text"  # "text" (PDF text layer) or "ocr"
    rotation: int = 0  # degrees the scan was turned to make it upright
    skew_deg: float = 0.0
    image_path: str | None = None  # the cleaned page image kept for review, if any
    error: str | None = None  # why this page could not be read (e.g. OCR time limit)
    is_blank: bool = False  # an empty page (a duplex scanner's back side): no letter's page
    is_separator: bool = False  # a separator sheet (barcode PATCHT): ends a letter

    @property
    def lines(self) -> list[Line]:
        return group_lines(self.words)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def mean_conf(self) -> float:
        if not self.words:
            return 0.0
        return sum(w.conf for w in self.words) / len(self.words)


@dataclass(frozen=True, slots=True)
class Letter:
    """One letter: some pages of one scanned file."""

    source: str  # file name, no folder
    pages: tuple[Page, ...]

    @property
    def page_numbers(self) -> list[int]:
        return [p.number for p in self.pages]


@dataclass(frozen=True, slots=True)
class FoundId:
    """A CPR or CVR number found on a page.

    `digits` is the number in clear and must never reach the store, a log or a
    report: `__repr__` masks it so that a traceback or log line cannot leak it.
    """

    kind: IdKind
    digits: str = field(repr=False)
    label: str | None  # the label that named it: "cpr", "cvr", or None (unlabelled)
    confidence: float  # 0..1: OCR confidence, lowered by repairs and checksum hints
    repaired: bool = False  # an OCR confusion (O/0, l/1, ...) was repaired
    zone: str | None = None  # where on the page: "window", "info", "subject", "body", ...
    y_mm: float | None = None
    role: IdRole | None = None  # whose it is by the words around it; None: not said

    @property
    def masked(self) -> str:
        return masked_id(self.kind.value, self.digits)

    def __repr__(self) -> str:
        return (
            f"FoundId(kind={self.kind.value!r}, masked={self.masked!r}, label={self.label!r}, "
            f"confidence={self.confidence:.2f}, repaired={self.repaired}, zone={self.zone!r}, "
            f"role={self.role!r})"
        )


@dataclass(frozen=True, slots=True)
class RecipientBlock:
    """The address as it shows through the envelope window."""

    name: str | None = None
    attention: str | None = None  # the "c/o ..." or "Att.: ..." line
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    confidence: float = 0.0
    # every line of the block as read, top to bottom (an extra line, a line garbled by
    # a pen stroke): the matcher tries each as the name or the street
    lines: tuple[str, ...] = ()
    # the block names a deceased person's estate ("Boet efter ...", "... dødsbo")
    estate: bool = False
    # the person a representative or guardian writes for ("Værge for Karen Lund", "på
    # vegne af ..."): named in the block, but not the addressee
    on_behalf_of: str | None = None
    # the representative named on the c/o or Att. line ("Att.: partsrepræsentant Jens
    # Holm"), without the title: the letter is to them, not to the name line's citizen
    representative: str | None = None


@dataclass(frozen=True, slots=True)
class Fields:
    """What extraction read off a letter, before any register is consulted."""

    recipient_ids: tuple[FoundId, ...] = ()
    recipient_block: RecipientBlock = RecipientBlock()
    window_cpr: bool = False
    sender_name: str | None = None  # the signature under "Med venlig hilsen"
    caseworker_name: str | None = None  # "Sagsbehandler: ..." in the info column
    sender_email: str | None = None
    sender_initials: str | None = None
    letterhead_lines: tuple[str, ...] = ()
    # lines of every page outside the letterhead and window, upright: where a staff
    # member's name may stand when the signature could not be read ("Kontakt ...")
    sender_lines: tuple[str, ...] = ()
    subject: str | None = None
    physical_enclosure: bool = False  # "Vedlagt: sundhedskort" and the like
    unplaced_enclosure: bool = False  # "Vedlagt: <something the tool does not know>"
    low_confidence: bool = False  # the page read too badly to be sure of anything


@dataclass(frozen=True, slots=True)
class RecipientMatch:
    """Who the letter is to, as far as the registers tell, and how sure that is."""

    kind: IdKind | None = None
    pseudonym: str | None = None  # of the register ID (or of the printed ID if not in it)
    masked: str | None = None
    method: MatchMethod | None = None  # None: not found in the register
    enrolment: Enrolment | None = None
    printed_id: bool = False  # a recipient ID was printed on the letter
    id_sure: bool = False  # that ID was labelled and read with high confidence
    problem: Reason | None = None  # AMBIGUOUS or LOW_CONFIDENCE: the tool cannot be sure
    child_under_15: bool = False
    estate: bool = False  # the addressee is a deceased person's estate: never a leak
    evidence: str = ""  # why, in a few words (kept for the reviewer)


@dataclass(frozen=True, slots=True)
class SenderMatch:
    name: str | None = None  # as in the staff directory
    department: str | None = None
    method: str | None = None  # "email", "name", "initials", "letterhead", "tray"


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: VerdictKind
    reason: Reason


# -- the registers: who is enrolled, who works here (imported from CSV by deciding/registers) --


@dataclass(frozen=True, slots=True)
class EnrolmentEntry:
    """One register row as stored: the ID only as pseudonym and masked form."""

    pseudonym: str
    kind: IdKind
    masked: str
    status: Enrolment
    name: str
    street: str
    postcode: str
    city: str
    birth_date: str | None = None  # ISO date, persons only: children under 15 are never leaks


@dataclass(frozen=True, slots=True)
class StaffMember:
    name: str
    initials: str
    email: str
    phone: str
    department: str


# -- what people decide and count (stored by the store, ruled on in people/) ------------

# The department of a letter whose sender was not found, where letters are counted
# per department (the store's figures, the report).
UNKNOWN_DEPARTMENT = "(ukendt)"


@dataclass(frozen=True, slots=True)
class DigitalCount:
    """How many letters a department sent digitally in one ISO week."""

    week: str  # "2026-W47"
    department: str
    digital_letters: int


@dataclass(frozen=True, slots=True)
class Decision:
    """What a person decided on a letter; no ID in clear."""

    recipient_kind: IdKind | None  # None: no recipient with a Danish ID
    recipient_pseudonym: str | None = None
    recipient_masked: str | None = None
    birth_date: str | None = None  # ISO, persons only: a child's letter is never a leak
    sender: str | None = None  # as in the staff directory; None: keep what the scan found
    department: str | None = None
    decided_at: str | None = None
    justified: bool = False  # paper was right for this letter (a person's word, with a note)
    note: str | None = None
    # a person's own look-up in Digital Post for an ID the register export lacks: their
    # statement, kept as such (never the register's word)
    looked_up: Enrolment | None = None

    def __repr__(self) -> str:
        return (f"Decision(kind={self.recipient_kind}, masked={self.recipient_masked!r}, "
                f"sender={self.sender!r})")


class Outcome(StrEnum):
    """How a follow-up was closed."""

    CONTACTED = "kontaktet"  # the sender was contacted and shown the digital way
    JUSTIFIED = "begrundet"  # paper was right (a vulnerable citizen, a legal need)
    SYSTEM_FIXED = "system_rettet"  # the case system's template was set to send digitally


class FollowUpStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A coaching talk with one sender about their leaks (the rules in people/followup.py)."""

    id: int
    department: str | None
    sender: str | None  # None: the sender is unknown (one follow-up per department)
    status: FollowUpStatus
    outcome: Outcome | None
    note: str | None
    opened_at: str
    closed_at: str | None
    letters: int  # its letters now in the store
    first_scanned_on: str | None
    last_scanned_on: str | None
    # The kinds of its letters (letters.kind, "" where none was kept) with how many of
    # each, as counted in the store, in no particular order: people.followup.ranked_kinds
    # ranks them.
    kinds: tuple[tuple[str, int], ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status is FollowUpStatus.OPEN
