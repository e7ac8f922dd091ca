"""Copies: the same paper scanned again (a jam and a re-feed, a tray scanned twice).

A re-scan has other bytes (skew, noise, compression, page order), so the file
hash does not see it; the letters themselves must. A letter is a copy of one
stored before when, within `[scan] duplicate_window_days` of scan days, its masked
text is near-identical (rapidfuzz) and no field that both scans read differs:
- the recipient: the same pseudonym; or, when either letter has none, the same
  printed recipient block (or, when one scan read no block, the other's block
  stands in its text); two different pseudonyms are two people;
- the sender (the staff directory's name);
- the subject.
A field one scan did not read (None or empty) is no difference: a leak whose
sender the first scan missed is the same paper when the second reads it. What
does agree must be enough: the recipient always (by pseudonym, by block, or by
the one block read standing in the other's text). Letters with no recipient to
compare on either side (standard texts to "Kære borger" with an unread window)
are never merged on sender, subject and text alone.

A copy is stored with `duplicate_of` = the first copy's key: listed, never
counted (summary, report, digests, follow-ups, review queue). The same standard
letter to two people differs in the recipient; the same letter sent again weeks
later falls outside the window. A person can still say "det er et nyt brev"
(`mark_new_letter`): the letter counts, and is never taken for a copy again.

The rule (`is_copy`) is pure; `find_first_copies` looks candidates up through
the store's indexes (sender, recipient pseudonym and scan day), never reading
all letters, and reads the text only of those the other fields leave open.
people/filing.py calls it inside the filing transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from rapidfuzz import fuzz

from postbakke.errors import DecisionError
from postbakke.models import RecipientBlock
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


def _block_text(block: RecipientBlock | None) -> str:
    if not block:
        return ""
    return _normal(" ".join(line or "" for line in (block.name, block.street, block.postcode)))


@dataclass(frozen=True, slots=True)
class Content:
    """What the rule compares of a letter (a new one, or a stored one)."""

    recipient_pseudonym: str | None
    recipient_block: RecipientBlock | None
    sender: str | None
    subject: str | None
    ocr_text: str | None

    @classmethod
    def of(cls, letter: LetterRecord | StoredLetter) -> Content:
        return cls(letter.recipient_pseudonym, letter.recipient_block, letter.sender,
                   letter.subject, letter.ocr_text)


def recipient_agreement(a: Content, b: Content) -> bool | None:
    """Whether two letters go to the same recipient; None when one of them has nothing
    to compare (the other's text is not read here: see `is_copy`).

    The same pseudonym; or, when either has none, the same printed recipient block.
    """
    if a.recipient_pseudonym and b.recipient_pseudonym:
        return a.recipient_pseudonym == b.recipient_pseudonym
    block_a, block_b = _block_text(a.recipient_block), _block_text(b.recipient_block)
    if block_a and block_b:
        return fuzz.ratio(block_a, block_b) >= BLOCK_MIN_RATIO
    return None


def same_recipient(a: Content, b: Content) -> bool:
    """The same pseudonym, or the same printed recipient block (see recipient_agreement)."""
    return bool(recipient_agreement(a, b))


def _block_in_text(a: Content, b: Content) -> bool | None:
    """When only one letter has a printed block: whether it stands in the other's text
    (the window's lines are in the OCR text even when the block was not made out)."""
    for has, other in ((a, b), (b, a)):
        block = _block_text(has.recipient_block)
        text = _normal(other.ocr_text)
        if block and not _block_text(other.recipient_block) and text:
            return fuzz.partial_ratio(block, text) >= BLOCK_MIN_RATIO
    return None


def _field_agreement(new: Content, old: Content) -> tuple[bool | None, bool | None,
                                                           bool | None]:
    """(recipient, sender, subject): True agree, False differ, None one side lacks it."""
    sender = None if not (new.sender and old.sender) else new.sender == old.sender
    subject_new, subject_old = _normal(new.subject), _normal(old.subject)
    subject = (None if not (subject_new and subject_old)
               else fuzz.ratio(subject_new, subject_old) >= SUBJECT_MIN_RATIO)
    return recipient_agreement(new, old), sender, subject


def _enough(recipient: bool | None, sender: bool | None, subject: bool | None) -> bool:
    """No field both scans read differs, and the recipient agrees."""
    if any(agreement is False for agreement in (recipient, sender, subject)):
        return False
    return bool(recipient)


def may_be_copy(new: Content, old: Content) -> bool:
    """What the fields alone tell, before any text is read: False when `is_copy` could
    not be True whatever the texts say."""
    recipient, sender, subject = _field_agreement(new, old)
    if recipient is None and (new.recipient_block or old.recipient_block):
        recipient = True  # the one block may stand in the other's text: `is_copy` reads it
    return _enough(recipient, sender, subject)


def is_copy(new: Content, old: Content) -> bool:
    """Whether `new` is the same paper as `old` read again (see the module's docstring).

    Without text on either side (removed by retention) nothing can be compared, and a
    genuine letter is never hidden on a guess: not a copy.
    """
    text_new, text_old = _normal(new.ocr_text), _normal(old.ocr_text)
    if not text_new or not text_old:
        return False
    recipient, sender, subject = _field_agreement(new, old)
    if recipient is None:
        recipient = _block_in_text(new, old)
    if not _enough(recipient, sender, subject):
        return False  # a field differs, or too little agrees besides the text
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
        if _normal(letter.ocr_text) and not store.copies.is_distinct(letter.key):
            day = date.fromisoformat(letter.scanned_on)
            span = timedelta(days=window_days)
            stored = [c for c in store.copies.candidates(
                letter.recipient_pseudonym, letter.sender, (day - span).isoformat(),
                (day + span).isoformat()) if may_be_copy(content, Content.of(c))]
            texts = store.copies.texts(c.id for c in stored)
            candidates = [(c.key, replace(Content.of(c), ocr_text=texts.get(c.id)))
                          for c in stored]
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
        letter = store.letters.get(letter_id)
        if letter is None:
            raise DecisionError(f"brev nr. {letter_id} findes ikke")
        if letter.duplicate_of is None:
            raise DecisionError(f"brev nr. {letter_id} er ikke markeret som en kopi")
        store.copies.set_distinct(letter.key, actor)
        store.copies.set_duplicate_of(letter_id, None)
        sync_letters(store, [letter.key])
        store.decisions.log(
            actor=actor, letter_id=letter_id, key=letter.key, action="new_letter",
            before={"duplicate_of": list(letter.duplicate_of),
                    "postponed": store.review.postponement(letter.key)},
            after={"duplicate_of": None}, note="det er et nyt brev",
        )
    found = store.letters.get(letter_id)
    assert found is not None
    return found


def undo_new_letter(store: Store, letter_id: int, before: Mapping) -> None:
    """Take back `mark_new_letter` (called by review.undo_last, inside its transaction)."""
    letter = store.letters.get(letter_id)
    if letter is None:
        return
    store.copies.set_distinct(letter.key, None)
    store.copies.set_duplicate_of(letter_id, LetterKey(*before["duplicate_of"]))
    sync_letters(store, [letter.key])
