"""Where on the page each field was read: boxes (in mm) for the reviewer's work station.

Extraction returns values, not positions; this finds the words that carry each
value again, so the work station can outline them on the page image. Pure: a
letter's pages and its `Fields` in, boxes out.

A value is found as a run of consecutive words whose *folded* text (case,
punctuation and spacing ignored, letters OCR reads for digits read as those
digits on both sides) is the value's folded text. A value may continue on the
line right below (a two-line name, a subject joined with the topic under it).
Each field is looked for only where extraction reads it (the recipient block in
the window, the subject under it, the signature at the end), so a name that
also appears in the salutation or the subject is outlined where it was read.

Recipient IDs are found by their digit sequence, separators ignored. Their
digits are in clear: they are compared here and never kept, logged or returned.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from postbakke.letters.extract import zone_of
from postbakke.letters.ids import OCR_DIGIT_CONFUSIONS
from postbakke.models import WINDOW_BOTTOM_MM, Fields, FoundId, Line, Page, Word

# The field names, in the order the work station lists them.
FIELD_KEYS = (
    "recipient_name", "recipient_attention", "recipient_street", "recipient_postcode",
    "recipient_id", "subject", "sender", "caseworker", "sender_email", "sender_initials",
)

# A line continues a value when it starts this close to the line above's left
# edge (the lines of an address block or a subject share a margin; OCR and
# skew shift a line start by 1-3 mm) ...
CONTINUATION_X_MM = 6.0
# ... and lies at most this far below it (the address block's line gap, models.py).
CONTINUATION_GAP_MM = 11.0
# A value spans at most this many lines (a name over two lines and the street).
MAX_VALUE_LINES = 3
# A value may start or end inside a word ("Sagsbehandler:Peter" glued by OCR)
# only if its folded text has at least this many characters: a shorter one
# ("Bo", initials) would be found inside any word.
MIN_PARTIAL_CHARS = 5
# Boxes are rounded to this many decimals of a mm (0.1 mm: well below a pixel at 200 dpi).
BOX_DECIMALS = 1

# Folding compares texts, so a letter is read as its digit whatever its case ("Bo" and
# "bo" fold alike); digits of an ID are read exactly as ids.py repairs them.
_FOLD_DIGITS = str.maketrans({k.casefold(): v for k, v in OCR_DIGIT_CONFUSIONS.items()})
_ID_DIGITS = str.maketrans(dict(OCR_DIGIT_CONFUSIONS))
_NOT_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class FieldBox:
    """Where one field was read: a page of the letter (0-based) and a box in mm."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float

    def as_json(self) -> dict[str, object]:
        return {"page": self.page, "x0": self.x0, "y0": self.y0, "x1": self.x1, "y1": self.y1}


FieldBoxes = dict[str, list[FieldBox]]


def fold(text: str) -> str:
    """A word's text as compared: case, punctuation and spaces gone, O/l/S... as digits."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD_DIGITS)
    return _NOT_ALNUM.sub("", folded)


def _digits(word: str) -> str:
    """The digits a word carries; letters OCR reads for digits count only in a word with digits."""
    if not any(c.isdigit() for c in word):
        return ""
    return "".join(c for c in word.translate(_ID_DIGITS) if c.isdigit())


def _box(page: int, words: Iterable[Word]) -> FieldBox:
    chosen = list(words)
    return FieldBox(
        page,
        round(min(w.x0 for w in chosen), BOX_DECIMALS),
        round(min(w.y0 for w in chosen), BOX_DECIMALS),
        round(max(w.x1 for w in chosen), BOX_DECIMALS),
        round(max(w.y1 for w in chosen), BOX_DECIMALS),
    )


def _run_of(keys: Sequence[str], key: str, partial: bool) -> tuple[int, int] | None:
    """(first, last) index of the shortest run of words whose folded texts together are
    `key`; with `partial`, the run may begin or end inside a word."""
    starts: list[int] = []
    position = 0
    for k in keys:
        starts.append(position)
        position += len(k)
    joined = "".join(keys)
    at = joined.find(key)
    while at >= 0:
        end = at + len(key)
        first = max(i for i, s in enumerate(starts) if s <= at and keys[i])
        last = max(i for i, s in enumerate(starts) if s < end and keys[i])
        if partial or (starts[first] == at and starts[last] + len(keys[last]) == end):
            return first, last
        at = joined.find(key, at + 1)
    return None


def _opens(keys: Sequence[str], n_first: int, key: str, partial: bool) -> bool:
    """Whether the value could begin on the first line and run on past these words."""
    joined = "".join(keys)
    position = 0
    for k in keys[:n_first]:
        offsets = range(position, position + len(k)) if partial else [position]
        if k and any(key.startswith(joined[o:]) for o in offsets):
            return True
        position += len(k)
    return False


def _continuation(lines: Sequence[Line], line: Line) -> Line | None:
    """The line right below `line` that starts at its margin, if any."""
    below = [
        ln for ln in lines
        if ln.y0 > line.y1 - 0.5 and ln.y0 - line.y1 <= CONTINUATION_GAP_MM
        and abs(ln.x0 - line.x0) <= CONTINUATION_X_MM
    ]
    return min(below, key=lambda ln: ln.y0) if below else None


def _find_in_lines(
    lines: Sequence[Line], key: str, text_of: Callable[[str], str] = fold,
    partial_ok: bool = True, whole_line: bool = False,
) -> list[tuple[int, list[Word]]]:
    """Every place (index of its first line, its words) where `key` is read, top to bottom.

    Word-aligned matches are preferred; a match starting or ending inside a
    word is taken only where no aligned one exists. With `whole_line`, the
    value must be all of its line(s).
    """
    if not key:
        return []
    found: list[tuple[int, list[Word]]] = []
    for partial in (False, True):
        if partial and (not partial_ok or whole_line or len(key) < MIN_PARTIAL_CHARS):
            break
        for index, line in enumerate(lines):
            chain = [line]
            while True:
                words = [w for ln in chain for w in ln.words]
                keys = [text_of(w.text) for w in words]
                run = _run_of(keys, key, partial)
                if run is not None and run[0] < len(line.words):
                    if not whole_line or (run[0], run[1]) == (0, len(words) - 1):
                        found.append((index, words[run[0]:run[1] + 1]))
                    break
                if len(chain) == MAX_VALUE_LINES or not _opens(keys, len(line.words), key,
                                                                partial):
                    break
                below = _continuation(lines, chain[-1])
                if below is None:
                    break
                chain.append(below)
        if found:
            break
    return found


def _lines(page: Page, first_page: bool, zones: Iterable[str]) -> list[Line]:
    wanted = set(zones)
    return [ln for ln in page.lines if zone_of(ln, first_page) in wanted]


def _recipient_boxes(first: Page, fields: Fields) -> FieldBoxes:
    """The block's lines in the window, each searched below the one before."""
    block = fields.recipient_block
    window = _lines(first, True, ["window"])
    result: FieldBoxes = {}
    start = 0
    postcode_line = " ".join(p for p in (block.postcode, block.city) if p)
    for key, value, whole in (
        ("recipient_name", block.name, False),
        ("recipient_attention", block.attention, True),
        ("recipient_street", block.street, True),
        ("recipient_postcode", postcode_line or None, False),
    ):
        if not value:
            continue
        hits = _find_in_lines(window[start:], fold(value), whole_line=whole)
        if not hits and whole:
            hits = _find_in_lines(window[start:], fold(value))
        if hits:
            index, words = hits[0]
            result[key] = [_box(0, words)]
            if key == "recipient_name":
                start += index  # what follows is below the name, never the return address
    return result


def _id_box(pages: Sequence[Page], found: FoundId) -> FieldBox | None:
    """The words of one ID: its digits in a run of words, nearest to where it was found."""
    best: tuple[tuple[int, float, int], FieldBox] | None = None
    for index, page in enumerate(pages):
        for line in page.lines:
            zone = zone_of(line, index == 0)
            if zone in ("letterhead", "footer"):
                continue
            hits = _find_in_lines([line], found.digits, text_of=_digits, partial_ok=True)
            for _, words in hits:
                rank = (
                    0 if found.zone in (None, zone) else 1,
                    abs(line.y0 - found.y_mm) if found.y_mm is not None else 0.0,
                    index,
                )
                if best is None or rank < best[0]:
                    best = (rank, _box(index, words))
    return best[1] if best else None


def _first_hit(
    pages: Sequence[Page], value: str | None, zones: Sequence[str],
    page_order: Iterable[int] | None = None, partial_ok: bool = True,
    line_filter: Callable[[Line], bool] | None = None, last: bool = False,
) -> FieldBox | None:
    """The first (or last) place a value is read, page by page, in the given zones' order."""
    if not value:
        return None
    order = list(page_order) if page_order is not None else list(range(len(pages)))
    for zone in zones:
        for index in order:
            lines = _lines(pages[index], index == 0, [zone])
            if line_filter is not None:
                lines = [ln for ln in lines if line_filter(ln)]
            hits = _find_in_lines(lines, fold(value), partial_ok=partial_ok)
            if hits:
                return _box(index, hits[-1 if last else 0][1])
    return None


def locate_fields(pages: Sequence[Page], fields: Fields) -> FieldBoxes:
    """For each field read, where: {key: [FieldBox, ...]} with keys from FIELD_KEYS.

    A field not read, or whose words cannot be found again, has no key. Most
    fields have one box; "recipient_id" has one per ID found (an ID printed
    twice, e.g. in the info column and in the subject, has two).
    """
    if not pages:
        return {}
    result: FieldBoxes = _recipient_boxes(pages[0], fields)
    id_boxes: list[FieldBox] = []
    for found in fields.recipient_ids:
        box = _id_box(pages, found)
        if box is not None and box not in id_boxes:
            id_boxes.append(box)
    if id_boxes:
        result["recipient_id"] = id_boxes
    last_first = range(len(pages) - 1, -1, -1)
    found_boxes = {
        # the subject: the first body line under the window (extract._subject)
        "subject": _first_hit(
            pages[:1], fields.subject, ["body"],
            line_filter=lambda ln: ln.y0 >= WINDOW_BOTTOM_MM - 10,
        ),
        # the signature closes the letter: the last page that has it, its last occurrence
        "sender": _first_hit(pages, fields.sender_name, ["body"], last_first, last=True),
        "caseworker": _first_hit(pages, fields.caseworker_name, ["info", "window", "body"]),
        "sender_email": _first_hit(pages, fields.sender_email, ["info", "window", "body"]),
        "sender_initials": _first_hit(
            pages, fields.sender_initials, ["info", "window", "body"], partial_ok=False
        ),
    }
    for key, box in found_boxes.items():
        if box is not None:
            result[key] = [box]
    return {key: result[key] for key in FIELD_KEYS if key in result}


def boxes_as_json(boxes: FieldBoxes) -> dict[str, list[dict[str, object]]]:
    """The stored form, as the work station reads it:
    {"recipient_name": [{"page": 0, "x0": 22.0, "y0": 57.0, "x1": 45.1, "y1": 60.5}], ...}."""
    return {key: [b.as_json() for b in found] for key, found in boxes.items()}
