"""Who read or changed personal data, and a person's data itself (GDPR art. 15 and 17).

The audit log is append-only (triggers refuse a change, migrations._audit_log); the
review decisions' log (store.decisions) is read with it as one record of use.
"""

from __future__ import annotations

import json
from typing import Any

from postbakke.store.connection import Repository, masked, now

# A decision log entry's fields that name a recipient.
_PERSON_FIELDS = ("recipient_pseudonym", "recipient_masked", "birth_date")


def _without_person(logged: str | None) -> str | None:
    """A decision log's before/after JSON with the recipient's fields emptied."""
    if not logged:
        return logged

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: None if k in _PERSON_FIELDS else scrub(v) for k, v in value.items()}
        return value

    return json.dumps(scrub(json.loads(logged)), ensure_ascii=False)


class Audit(Repository):
    def log(self, actor: str, action: str, subject: str | None = None,
            reason: str | None = None) -> None:
        """One line in the append-only audit log, committed at once."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO audit_log (at, actor, action, subject, reason) "
                "VALUES (?, ?, ?, ?, ?)",
                [now(), actor, action, masked(subject), masked(reason)])

    def entries(self, start: str | None = None, end: str | None = None) -> list[dict]:
        """The audit log and the review decisions' log, oldest first, `at` from start to end
        (ISO texts, both included; end a day: the whole day)."""
        low, high = start or "", (end + "\uffff") if end else "\uffff"
        rows = self.db.execute(
            "SELECT at, actor, action, subject, reason FROM ("
            "SELECT at, actor, action, subject, reason, 0 AS src, id FROM audit_log "
            "UNION ALL SELECT at, actor, 'afgørelse: ' || action, 'brev ' || letter_id, note, "
            "1, id FROM decision_log) WHERE at >= ? AND at <= ? ORDER BY at, src, id",
            [low, high]).fetchall()
        names = ("at", "actor", "action", "subject", "reason")
        return [dict(zip(names, r, strict=True)) for r in rows]

    # -- a person's data ------------------------------------------------------------------

    def letters_of_person(self, pseudonym: str) -> list[dict]:
        """The letters whose recipient is this pseudonym (by the letter or a decision)."""
        rows = self.db.execute(
            "SELECT l.id, l.scanned_on, l.department, l.sender, l.verdict, l.reason, "
            "l.image_paths, l.file_hash, l.first_page, l.kind FROM letters l "
            "LEFT JOIN decisions d ON d.file_hash = l.file_hash "
            "AND d.first_page = l.first_page "
            "WHERE l.recipient_pseudonym = ? OR d.recipient_pseudonym = ? ORDER BY l.id",
            [pseudonym, pseudonym]).fetchall()
        names = ("id", "scanned_on", "department", "sender", "verdict", "reason",
                 "image_paths", "file_hash", "first_page", "kind")
        found = [dict(zip(names, r, strict=True)) for r in rows]
        for row in found:
            row["image_paths"] = json.loads(row["image_paths"] or "[]")
        return found

    def erase_person(self, pseudonym: str, letter_ids: list[int]) -> None:
        """Remove a person's text, names and pseudonym links; keep each letter's verdict,
        department, sender and kind (the counts). One transaction."""
        with self.db.atomic():
            for letter_id in letter_ids:
                self.db.execute(
                    "UPDATE letters SET ocr_text = NULL, subject = NULL, evidence = NULL, "
                    "recipient_block = NULL, field_boxes = NULL, image_paths = '[]', "
                    "recipient_pseudonym = NULL, recipient_masked = NULL WHERE id = ?",
                    [letter_id])
                self.db.execute("DELETE FROM letter_texts WHERE letter_id = ?", [letter_id])
                for row in self.db.execute(
                        "SELECT id, before, after FROM decision_log WHERE letter_id = ?",
                        [letter_id]).fetchall():
                    self.db.execute(
                        "UPDATE decision_log SET before = ?, after = ?, note = NULL "
                        "WHERE id = ?", [_without_person(row[1]), _without_person(row[2]),
                                         row[0]])
            self.db.execute(
                "UPDATE decisions SET recipient_pseudonym = NULL, recipient_masked = NULL, "
                "birth_date = NULL, note = NULL WHERE recipient_pseudonym = ?", [pseudonym])
            self.db.execute("DELETE FROM enrolment WHERE pseudonym = ?", [pseudonym])
