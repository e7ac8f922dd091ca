"""Copies: the same paper scanned again (a jam and a re-feed, a tray scanned twice).

A re-scan has other bytes (skew, noise, compression, page order), so the file
hash does not see it; the letters themselves must. A letter is a copy of one
stored before when, within `[scan] duplicate_window_days` of scan days:
- it goes to the same recipient: the same pseudonym, or (when either letter has
  none) the same printed recipient block; two different pseudonyms are two people;
- it comes from the same sender (the staff directory's name, or both unknown);
- its subject is the same and its masked text near-identical (rapidfuzz).

A copy is stored with `duplicate_of` = the first copy's key: listed, never
counted (summary, report, digests, follow-ups, review queue). The same standard
letter to two people differs in the recipient; the same letter sent again weeks
later falls outside the window. A person can still say "det er et nyt brev"
(`mark_new_letter`): the letter counts, and is never taken for a copy again.

The rule (`is_copy`) is pure; `find_first_copies` looks candidates up through
the store's indexes (sender, recipient pseudonym and scan day), never reading
all letters. people/filing.py calls it inside the filing transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rapidfuzz import fuzz

from postbakke.errors import DecisionError
from postbakke.people.followup import sync_letters
from postbakke.store import LetterKey, LetterRecord, Store, StoredLetter

# Scan days within which the same paper scanned again is taken for a copy (the
# setting's default): a tray re-scanned the next morning or after a holiday is
# inside; a reminder or a new decision sent a month later is outside.
DEFAULT_WINDOW_DAYS = 14

# Similarities (rapidfuzz ratio, 0-100, on lower-cased text with runs of white space
# as one space). Measured by tests/test_duplicates_e2e.py (generated letters scanned as
# a batch, re-scanned the next day in reverse order with other skew and noise, read by
# Tesseract): the same letter's two readings scored 99.3-99.9; the same standard letter
# to another person 96.1-97.4 (told apart by the recipient first, and by the text too).
TEXT_MIN_RATIO = 98.0  # the whole masked text: OCR noise only
SUBJECT_MIN_RATIO = 90.0  # the subject line: a misread character or two
BLOCK_MIN_RATIO = 90.0  # name, street and postcode of the printed recipient block

_SPACE = re.compile(r"\s+")


def _normal(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip().lower()


def _block_text(block: Mapping[str, str | None] | None) -> str:
    if not block:
        return ""
    return _normal(" ".join(block.get(k) or "" for k in ("name", "street", "postcode")))


@dataclass(frozen=True, slots=True)
class Content:
    """What the rule compares of a letter (a new one, or a stored one)."""

    recipient_pseudonym: str | None
    recipient_block: Mapping[str, str | None] | None
    sender: str | None
    subject: str | None
    ocr_text: str | None

    @classmethod
    def of(cls, letter: LetterRecord | StoredLetter) -> Content:
        return cls(letter.recipient_pseudonym, letter.recipient_block, letter.sender,
                   letter.subject, letter.ocr_text)


def same_recipient(a: Content, b: Content) -> bool:
    """The same pseudonym; or, when either has none, the same printed recipient block."""
    if a.recipient_pseudonym and b.recipient_pseudonym:
        return a.recipient_pseudonym == b.recipient_pseudonym
    block_a, block_b = _block_text(a.recipient_block), _block_text(b.recipient_block)
    return bool(block_a and block_b) and fuzz.ratio(block_a, block_b) >= BLOCK_MIN_RATIO


def is_copy(new: Content, old: Content) -> bool:
    """Whether `new` is the same paper as `old` read again (see the module's docstring).

    Without text on either side (removed by retention) nothing can be compared, and a
    genuine letter is never hidden on a guess: not a copy.
    """
    if new.sender != old.sender or not same_recipient(new, old):
        return False
    text_new, text_old = _normal(new.ocr_text), _normal(old.ocr_text)
    if not text_new or not text_old:
        return False
    if fuzz.ratio(_normal(new.subject), _normal(old.subject)) < SUBJECT_MIN_RATIO:
        return False
    return fuzz.ratio(text_new, text_old) >= TEXT_MIN_RATIO


def find_first_copies(
    store: Store, letters: Sequence[LetterRecord], window_days: int = DEFAULT_WINDOW_DAYS,
) -> list[LetterKey | None]:
    """For each letter about to be stored, the key of the stored letter it is a copy of
    (or of an earlier letter of the same file: a re-feed inside one scan), else None.

    A letter a person marked as new, or without text, is never a copy. Candidates are
    counted letters (never a copy of a copy) found by index: the same sender, and the
    same recipient pseudonym or none, scanned within the window either side.
    """
    found: list[LetterKey | None] = []
    earlier: list[tuple[LetterKey, Content]] = []
    for letter in letters:
        content = Content.of(letter)
        first: LetterKey | None = None
        if _normal(letter.ocr_text) and not store.is_distinct_letter(letter.key):
            day = date.fromisoformat(letter.scanned_on)
            span = timedelta(days=window_days)
            candidates = [
                (c.key, Content.of(c)) for c in store.duplicate_candidates(
                    letter.recipient_pseudonym, letter.sender, (day - span).isoformat(),
                    (day + span).isoformat())
            ]
            for key, old in [*candidates, *earlier]:
                if key != letter.key and is_copy(content, old):
                    first = key
                    break
        found.append(first)
        if first is None:
            earlier.append((letter.key, content))
    return found


def mark_new_letter(store: Store, letter_id: int, actor: str) -> LetterRecord:
    """"Det er et nyt brev": a letter taken for a copy counts again, and is never taken for
    a copy again (also over a re-scan). Logged like a review decision; `review undo`
    takes it back. The CLI and the work station both call this."""
    with store.transaction():
        letter = store.letter(letter_id)
        if letter is None:
            raise DecisionError(f"brev nr. {letter_id} findes ikke")
        if letter.duplicate_of is None:
            raise DecisionError(f"brev nr. {letter_id} er ikke markeret som en kopi")
        store.set_distinct_letter(letter.key, actor)
        store.set_duplicate_of(letter_id, None)
        sync_letters(store, [letter.key])
        store.log_decision(
            actor=actor, letter_id=letter_id, file_hash=letter.file_hash,
            first_page=letter.first_page, action="new_letter",
            before={"duplicate_of": list(letter.duplicate_of),
                    "postponed": store.postponement(letter.file_hash, letter.first_page)},
            after={"duplicate_of": None}, note="det er et nyt brev",
        )
    found = store.letter(letter_id)
    assert found is not None
    return found


def undo_new_letter(store: Store, letter_id: int, before: Mapping) -> None:
    """Take back `mark_new_letter` (called by review.undo_last, inside its transaction)."""
    letter = store.letter(letter_id)
    if letter is None:
        return
    store.set_distinct_letter(letter.key, None)
    store.set_duplicate_of(letter_id, LetterKey(*before["duplicate_of"]))
    sync_letters(store, [letter.key])
