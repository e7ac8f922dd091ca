"""Scanned files: a file and its letters stored in one transaction, files set aside."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from postbakke.store.connection import Repository, masked, now
from postbakke.store.letters import LetterKey, LetterRecord, letter_row, text_row


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A scanned file, identified by its content hash: the same content twice adds nothing."""

    hash: str
    source: str
    tray: str | None
    scanned_on: str
    n_pages: int
    processed_at: str


class Files(Repository):
    def get(self, file_hash: str) -> StoredFile | None:
        """The file of this content, if it was stored."""
        row = self.db.execute(
            "SELECT hash, source, tray, scanned_on, n_pages, processed_at FROM files "
            "WHERE hash = ?", [file_hash],
        ).fetchone()
        return StoredFile(*row) if row else None

    def save(self, stored: StoredFile, letters: Iterable[LetterRecord]) -> None:
        """One file and its letters, as given, in one transaction: a crash leaves all or nothing.

        Decisions and follow-ups are not this method's business: a scanned file's
        letters are filed by people.filing.file_letters, which calls it.
        """
        created_at = now()
        letters = list(letters)
        rows = [letter_row(letter, created_at) for letter in letters]
        with self.connection.transaction():
            self.db.table("files").insert(asdict(stored))
            if rows:
                self.db.table("letters").insert_all(rows)
                ids = dict(self.db.execute(
                    "SELECT first_page, id FROM letters WHERE file_hash = ?",
                    [stored.hash]).fetchall())
                texts = [text_row(ids[letter.first_page], letter, created_at)
                         for letter in letters]
                self.db.conn.executemany(
                    "INSERT INTO letter_texts (letter_id, created_at, ocr_text, "
                    "recipient_block, field_boxes) VALUES (:letter_id, :created_at, "
                    ":ocr_text, :recipient_block, :field_boxes)", [t for t in texts if t])

    def letter_keys(self, file_hash: str) -> list[LetterKey]:
        """The keys of a file's letters, in the order they were stored."""
        return [LetterKey(*r) for r in self.db.execute(
            "SELECT file_hash, first_page FROM letters WHERE file_hash = ? ORDER BY id",
            [file_hash]).fetchall()]

    def forget(self, file_hash: str) -> int:
        """Remove a file and its letters (to scan it anew); other tables are left as they are.

        Returns the number of letters removed.
        """
        with self.connection.transaction():
            removed = self.db.execute(
                "DELETE FROM letters WHERE file_hash = ?", [file_hash]
            ).rowcount
            self.db.execute("DELETE FROM files WHERE hash = ?", [file_hash])
        return removed

    def record_failure(self, source: str, file_hash: str | None, reason: str) -> None:
        """A file set aside, with why (committed at once)."""
        with self.connection.transaction():
            self.db.table("failures").insert(
                {"source": masked(source), "hash": file_hash, "reason": masked(reason),
                 "at": now()}
            )

    def recent_failures(self, limit: int = 50) -> list[dict]:
        """Files set aside, newest first, with their reason."""
        return [
            {"source": r[0], "reason": r[1], "at": r[2]}
            for r in self.db.execute(
                "SELECT source, reason, at FROM failures ORDER BY id DESC LIMIT ?", [limit]
            ).fetchall()
        ]
