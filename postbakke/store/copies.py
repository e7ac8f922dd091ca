"""Copies: the same paper scanned again (the rule is people/duplicates.py's). A copy is
listed but never counted; a letter a person called new is never taken for one again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from postbakke.models import RecipientBlock
from postbakke.store.connection import COUNTED, Repository, chunks, now, placeholders
from postbakke.store.letters import LetterKey, block_of_json


@dataclass(frozen=True, slots=True)
class StoredLetter:
    """What the copy look-up compares of a stored letter (people/duplicates.py); the text
    is read apart (`Copies.texts`), only for letters the other fields leave open."""

    id: int
    key: LetterKey
    scanned_on: str
    recipient_pseudonym: str | None
    recipient_block: RecipientBlock | None
    sender: str | None
    subject: str | None
    ocr_text: str | None


class Copies(Repository):
    def candidates(self, pseudonym: str | None, sender: str | None, start: str,
                   end: str) -> list[StoredLetter]:
        """Counted letters with text scanned from `start` to `end` that a letter of this
        sender and recipient pseudonym may be a copy of, without their text (`ocr_text`
        None: `texts` reads it for those worth comparing).

        A field one scan did not read is no difference: with a sender, the letters of that
        sender and of none; with a pseudonym, the letters to it and to none; without one,
        any. Each look-up is one range of an index: (sender, recipient_pseudonym,
        scanned_on), (sender, scanned_on), (recipient_pseudonym, scanned_on), or, with
        neither known, (scanned_on): the window's letters, never more.
        """
        senders: list[tuple[str, list[object]]] = (
            [("sender = ?", [sender]), ("sender IS NULL", [])] if sender is not None
            else [("1", [])])
        recipients: list[tuple[str, list[object]]] = (
            [("recipient_pseudonym = ?", [pseudonym]), ("recipient_pseudonym IS NULL", [])]
            if pseudonym is not None else [("1", [])])
        found: dict[int, StoredLetter] = {}
        for by_sender, sender_values in senders:
            for by_recipient, recipient_values in recipients:
                for r in self.db.execute(
                    "SELECT id, file_hash, first_page, scanned_on, recipient_pseudonym, "
                    "coalesce((SELECT t.recipient_block FROM letter_texts t "
                    "WHERE t.letter_id = letters.id), recipient_block), sender, subject "
                    f"FROM letters WHERE {by_sender} "
                    f"AND {by_recipient} AND scanned_on BETWEEN ? AND ? AND {COUNTED} "
                    "AND (EXISTS (SELECT 1 FROM letter_texts t WHERE t.letter_id = letters.id "
                    "AND t.ocr_text IS NOT NULL) OR ocr_text IS NOT NULL)",
                    [*sender_values, *recipient_values, start, end],
                ).fetchall():
                    found[r[0]] = StoredLetter(
                        id=r[0], key=LetterKey(r[1], r[2]), scanned_on=r[3],
                        recipient_pseudonym=r[4], recipient_block=block_of_json(r[5]),
                        sender=r[6], subject=r[7], ocr_text=None)
        return [found[i] for i in sorted(found)]

    def texts(self, letter_ids: Iterable[int]) -> dict[int, str]:
        """The stored (masked) OCR text of these letters, by id (those that have one)."""
        found: dict[int, str] = {}
        for chunk in chunks(sorted(set(letter_ids))):
            found.update(self.db.execute(
                "SELECT l.id, coalesce(t.ocr_text, l.ocr_text) FROM letters l "
                "LEFT JOIN letter_texts t ON t.letter_id = l.id "
                f"WHERE l.id IN ({placeholders(len(chunk))}) "
                "AND coalesce(t.ocr_text, l.ocr_text) IS NOT NULL", chunk).fetchall())
        return found

    def is_distinct(self, key: LetterKey) -> bool:
        """Whether a person said this letter is a new letter, not a copy."""
        return self.db.execute(
            "SELECT 1 FROM distinct_letters WHERE file_hash = ? AND first_page = ?", list(key),
        ).fetchone() is not None

    def set_distinct(self, key: LetterKey, actor: str | None) -> None:
        """Mark a letter as a new letter (actor None: take the mark away)."""
        self.db.execute("DELETE FROM distinct_letters WHERE file_hash = ? AND first_page = ?",
                        list(key))
        if actor is not None:
            self.db.table("distinct_letters").insert(
                {"file_hash": key.file_hash, "first_page": key.first_page, "actor": actor,
                 "at": now()})

    def set_duplicate_of(self, letter_id: int, first_copy: LetterKey | None) -> None:
        """Make a letter a copy of `first_copy` (None: a letter of its own)."""
        self.db.execute(
            "UPDATE letters SET duplicate_of_hash = ?, duplicate_of_page = ? WHERE id = ?",
            [first_copy.file_hash if first_copy else None,
             first_copy.first_page if first_copy else None, letter_id])

    def release(self, keys: Iterable[LetterKey]) -> list[LetterKey]:
        """The copies of these letters count again (their first copy is going); their keys."""
        released: list[LetterKey] = []
        for key in keys:
            rows = self.db.execute(
                "SELECT file_hash, first_page FROM letters "
                "WHERE duplicate_of_hash = ? AND duplicate_of_page = ?", list(key)).fetchall()
            self.db.execute(
                "UPDATE letters SET duplicate_of_hash = NULL, duplicate_of_page = NULL "
                "WHERE duplicate_of_hash = ? AND duplicate_of_page = ?", list(key))
            released += [LetterKey(*r) for r in rows]
        return released
