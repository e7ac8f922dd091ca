"""Pages -> letters: separator sheets, blank backs, and where a letter starts.

A tray's scan is one file with many letters. Mailroom staff may put a
separator sheet (a barcode reading PATCHT, as Paperless-ngx and capture
software use for patch code T) between letters; a duplex scanner adds an empty
back to every sheet. Where there are no separators, a letter starts at a page
that looks like a first page: a recipient block in the envelope window, a
letterhead, or the footer "Side 1 af N". Pages 2..N have a small one-line
header, no recipient block, and "Side k af N".

The page footer is the strongest evidence, but OCR misreads it, so the rules
weigh it against the layout and against the page count the letter claims.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from statistics import median

from postbakke.models import (
    BLOCK_LINE_GAP_MM,
    LETTERHEAD_BOTTOM_MM,
    WINDOW_BOTTOM_MM,
    WINDOW_LEFT_MM,
    WINDOW_RIGHT_MM,
    WINDOW_TOP_MM,
    Letter,
    Line,
    Page,
    parse_postcode_line,
)

log = logging.getLogger(__name__)


# An address line ends well inside the window (the generated letters' end by
# 100 mm); body text runs to the right margin at ~190 mm.
ADDRESS_MAX_RIGHT_MM = 115.0
ADDRESS_MIN_LINES, ADDRESS_MAX_LINES = 2, 6
# Letterhead: a first page carries the municipality, department, address and
# phone above 40 mm (3-5 rows in the three generated layouts); a continuation
# page one small header row, then body text that may start at ~27 mm.
LETTERHEAD_MIN_ROWS = 3
# ...or fewer rows, one of them in large type (the municipality's name is set in
# 16-18 pt against 10 pt body text: word boxes 1.6-1.8 times as high).
LETTERHEAD_LARGE_TYPE = 1.4
# A letterhead line is short; a line wider than this is body text.
LETTERHEAD_MAX_LINE_MM = 130.0
ROW_TOLERANCE_MM = 1.5  # lines whose centres are closer than this share a row
# "Side k af N" sits in the footer (y 283-290 mm) or, in some letters, the header;
# the band allows for a page that is a little off after deskewing.
FOOTER_TOP_MM = 250.0
MAX_PAGES_IN_LETTER = 99  # "Side 1 af 230" is a misread, not a letter

# OCR reads "1" as l, I or |, "0" as O; "Side" as "Sidc", "S1de", "Slde".
_DIGIT = r"[0-9lI|Oo]{1,2}"
_PAGE_OF = re.compile(
    rf"\b(?:s[il1|]d[eco]|page)\s*({_DIGIT})\s*(?:af|of|/)\s*({_DIGIT})(?![0-9])",
    re.IGNORECASE,
)
# _DIGIT is matched case-insensitively, so "i" and "L" come through too ("Side 1 af i").
_OCR_DIGITS = str.maketrans(
    {"l": "1", "L": "1", "I": "1", "i": "1", "|": "1", "O": "0", "o": "0"}
)
_REAL_WORD = re.compile(r"\w{2,}")


# --- what a page looks like -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageSignals:
    """What a page's layout says about its place in a letter."""

    has_recipient_block: bool  # an address in the envelope window: a first page
    page_of: tuple[int, int] | None  # "Side k af N" as (k, N), if read and plausible
    has_letterhead: bool  # the full municipal letterhead, not a continuation header

    @property
    def says_first(self) -> bool:
        return self.page_of is not None and self.page_of[0] == 1

    @property
    def says_continuation(self) -> bool:
        return self.page_of is not None and self.page_of[0] > 1


def page_signals(page: Page) -> PageSignals:
    """Recipient block, "Side k af N" and letterhead of one page (pure)."""
    lines = [ln for ln in page.lines if _REAL_WORD.search(ln.text)]
    return PageSignals(
        has_recipient_block=_has_recipient_block(lines),
        page_of=_page_of(lines, page.height_mm),
        has_letterhead=_has_letterhead(lines, page),
    )


def parse_page_of(text: str) -> tuple[int, int] | None:
    """(k, N) from "Side k af N" in its OCR-tolerant forms, or None if absent or implausible."""
    matches = list(_PAGE_OF.finditer(text))
    if not matches:
        return None
    found = matches[-1]  # the last one: a footer follows any mention in the text
    k = int(found.group(1).translate(_OCR_DIGITS))
    n = int(found.group(2).translate(_OCR_DIGITS))
    if not 1 <= k <= n <= MAX_PAGES_IN_LETTER:
        return None  # "Side 7 af 3": a digit was misread, the footer says nothing sure
    return k, n


def _page_of(lines: list[Line], page_height_mm: float) -> tuple[int, int] | None:
    footer_top = page_height_mm - (297.0 - FOOTER_TOP_MM)
    found = None
    for line in lines:  # top to bottom: a footer wins over a header
        if line.y0 >= footer_top or line.y1 <= LETTERHEAD_BOTTOM_MM:
            found = parse_page_of(line.text) or found
    return found


def _has_recipient_block(lines: list[Line]) -> bool:
    """An address-shaped block of short lines in the window, ending in postcode and city.

    Blocks are cut from all lines at the left of the page, so that body text of
    a continuation page crossing the window area forms one block with its long
    lines and is not taken for an address.
    """
    left = sorted((ln for ln in lines if WINDOW_LEFT_MM <= ln.x0 <= WINDOW_RIGHT_MM),
                  key=lambda ln: ln.y0)
    blocks: list[list[Line]] = []
    for line in left:
        if blocks and line.y0 - blocks[-1][-1].y1 <= BLOCK_LINE_GAP_MM:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return any(_is_address(block) for block in blocks)


def _is_address(block: list[Line]) -> bool:
    if not ADDRESS_MIN_LINES <= len(block) <= ADDRESS_MAX_LINES:
        return False
    if not WINDOW_TOP_MM <= block[0].y0 <= WINDOW_BOTTOM_MM:
        return False
    if any(ln.x1 > ADDRESS_MAX_RIGHT_MM for ln in block):
        return False  # body text
    for line in block[1:]:
        if parse_postcode_line(line.text) and line.y0 <= WINDOW_BOTTOM_MM:
            return True  # with a name (and street) above it
    return False


def _has_letterhead(lines: list[Line], page: Page) -> bool:
    top = [ln for ln in lines if ln.y1 <= LETTERHEAD_BOTTOM_MM]
    if not top or any(ln.x1 - ln.x0 > LETTERHEAD_MAX_LINE_MM for ln in top):
        return False  # nothing there, or body text starting high on a continuation page
    centres = sorted((ln.y0 + ln.y1) / 2 for ln in top)
    gaps = (b - a for a, b in zip(centres, centres[1:], strict=False))
    rows = 1 + sum(1 for gap in gaps if gap > ROW_TOLERANCE_MM)
    if rows >= LETTERHEAD_MIN_ROWS:
        return True
    heights = [w.height for w in page.words if _REAL_WORD.search(w.text) and w.height > 0]
    if rows < 2 or not heights:
        return False
    typical = median(heights)
    return any(w.height >= LETTERHEAD_LARGE_TYPE * typical for ln in top for w in ln.words)


# --- pages -> letters -----------------------------------------------------------------------------


def is_empty(page: Page) -> bool:
    """A page that belongs to no letter: blank (a duplex back) or only specks read as marks.

    A page whose OCR failed is not empty: it is kept, so that no page of a
    letter is lost without a trace.
    """
    if page.is_blank:
        return True
    if page.error:
        return False
    return not any(_REAL_WORD.search(w.text) for w in page.words)


@dataclass
class _Current:
    """The letter being gathered, and what its pages claimed about its length."""

    pages: list[Page] = field(default_factory=list)
    claimed_n: int | None = None  # N of the latest "Side k af N" read in this letter
    last_page_of: tuple[int, int] | None = None  # of the letter's last page, if read

    @property
    def complete(self) -> bool:
        """The letter has all the pages it claims: the page after it is another letter's."""
        if self.last_page_of is not None and self.last_page_of[0] == self.last_page_of[1]:
            return True
        return self.claimed_n is not None and len(self.pages) >= self.claimed_n

    def fits_next(self, page_of: tuple[int, int]) -> bool:
        """ "Side k af N" is the next page of this letter: k follows, N agrees."""
        k, n = page_of
        return k == len(self.pages) + 1 and (self.claimed_n is None or n == self.claimed_n)

    def add(self, page: Page, signals: PageSignals) -> None:
        self.pages.append(page)
        self.last_page_of = signals.page_of
        if signals.page_of is not None:
            self.claimed_n = signals.page_of[1]


def starts_letter(signals: PageSignals, current: _Current) -> tuple[bool, str]:
    """Whether a content page starts a new letter, and why (for the log).

    Strong evidence: "Side k af N" (k == 1 starts, k > 1 continues) and a
    recipient block (starts). A letterhead is weaker: an enclosure or a letter
    that repeats its letterhead has one too, so it does not cut a letter that
    still misses pages. A page without evidence (a misread footer, an OCR time
    limit, a sparse page) continues the letter, unless that letter is complete.
    """
    if not current.pages:
        return True, "first page in the file or after a separator"
    if signals.says_continuation and signals.has_recipient_block:
        assert signals.page_of is not None
        if current.fits_next(signals.page_of):
            return False, "recipient block, but the page count continues the letter"
        return True, "recipient block; the page count does not fit the letter before"
    if signals.says_first:
        return True, "Side 1 af N"
    if signals.has_recipient_block:
        return True, "recipient block"
    if signals.says_continuation:
        assert signals.page_of is not None
        if current.complete and not current.fits_next(signals.page_of):
            return True, "Side k af N after a complete letter"
        return False, "Side k af N"
    if current.complete:
        return True, "page after the last page of a complete letter"
    if signals.has_letterhead:
        if current.claimed_n is not None:
            return False, "letterhead, but the letter before misses pages"
        return True, "letterhead"
    return False, "no sign of a new letter"


def split_letters(pages: list[Page], source: str) -> list[Letter]:
    """Group a file's pages into letters; separators and empty pages belong to none.

    Every other page ends up in exactly one letter, in file order, with its
    file page number.
    """
    letters: list[Letter] = []
    current = _Current()

    def close() -> None:
        nonlocal current
        if current.pages:
            letters.append(Letter(source=source, pages=tuple(current.pages)))
        current = _Current()

    for page in pages:
        if page.is_separator:
            close()
            continue
        if is_empty(page):
            continue  # a duplex back between two pages of a letter does not end it
        signals = page_signals(page)
        starts, why = starts_letter(signals, current)
        log.debug("%s page %d: %s (%s)", source, page.number,
                  "new letter" if starts else "same letter", why)
        if starts:
            close()
        current.add(page, signals)
    close()
    return letters
