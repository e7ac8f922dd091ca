"""The review queue: the letters waiting for a person's decision, and those put off."""

from __future__ import annotations

import json

from postbakke.store.connection import COUNTED, Repository, masked, now
from postbakke.store.letters import LETTER_WITH_TEXT, LetterKey


class Review(Repository):
    def queue(self) -> list[int]:
        """Ids of the letters waiting for a decision: oldest tray first, postponed ones last."""
        return self._waiting(with_postponed=True)

    def undecided(self) -> list[int]:
        """The queue a person works through: waiting letters not put off, oldest tray first."""
        return self._waiting(with_postponed=False)

    def _waiting(self, with_postponed: bool) -> list[int]:
        return [r[0] for r in self.db.execute(
            "SELECT l.id FROM letters l LEFT JOIN review_postponed p "
            "ON p.file_hash = l.file_hash AND p.first_page = l.first_page "
            f"WHERE l.verdict = 'review' AND l.{COUNTED} "
            f"{'' if with_postponed else 'AND p.at IS NULL '}"
            "ORDER BY p.at IS NOT NULL, l.scanned_on, l.id"
        ).fetchall()]

    def postponed(self) -> list[dict]:
        """The letters put off and still waiting, with their note, who and when; oldest first."""
        rows = self.db.execute(
            "SELECT l.id, l.source, l.pages, l.scanned_on, l.reason, l.department, l.sender, "
            "p.note, p.actor, p.at FROM letters l JOIN review_postponed p "
            "ON p.file_hash = l.file_hash AND p.first_page = l.first_page "
            f"WHERE l.verdict = 'review' AND l.{COUNTED} ORDER BY p.at, l.id").fetchall()
        names = ("id", "source", "pages", "scanned_on", "reason", "department", "sender",
                 "note", "actor", "at")
        return [{**dict(zip(names, r, strict=True)), "pages": json.loads(r[2])} for r in rows]

    def waiting(self) -> list[dict]:
        """Letters waiting for a person's decision, oldest first."""
        return [
            {"id": row["id"], "source": row["source"], "pages": json.loads(row["pages"]),
             "scanned_on": row["scanned_on"], "department": row["department"],
             "sender": row["sender"], "reason": row["reason"], "evidence": row["evidence"],
             "match": row["match"], "recipient_masked": row["recipient_masked"],
             "image_paths": json.loads(row["image_paths"] or "[]"),
             "has_text": row["ocr_text"] is not None}
            for row in self.db.query(
                f"{LETTER_WITH_TEXT} WHERE l.verdict = 'review' AND l.{COUNTED} ORDER BY l.id")
        ]

    def postponement(self, key: LetterKey) -> dict | None:
        """A postponed letter's note, who put it off and when; None: not postponed."""
        row = self.db.execute(
            "SELECT note, actor, at FROM review_postponed WHERE file_hash = ? AND first_page = ?",
            list(key),
        ).fetchone()
        return {"note": row[0], "actor": row[1], "at": row[2]} if row else None

    def set_postponement(self, key: LetterKey, note: str | None, actor: str | None) -> None:
        """Mark a review letter as postponed (note None: no longer postponed)."""
        with self.connection.transaction():
            self.db.execute("DELETE FROM review_postponed WHERE file_hash = ? AND first_page = ?",
                            list(key))
            if note is not None:
                self.db.table("review_postponed").insert(
                    {"file_hash": key.file_hash, "first_page": key.first_page,
                     "note": masked(note), "actor": actor, "at": now()})
