"""People's decisions on letters, and the decision log (who changed which letter, when,
from what to what). The rules that make and apply a decision are people/review.py's."""

from __future__ import annotations

import json

from postbakke.models import Decision, Enrolment, IdKind
from postbakke.store.connection import Repository, masked, now, placeholders
from postbakke.store.letters import LetterKey


class Decisions(Repository):
    # -- the decisions, kept apart from the letters (by key: they outlive a re-scan) ------

    def of_file(self, file_hash: str) -> dict[int, Decision]:
        """The decisions on a file's letters, by first page."""
        return {
            row["first_page"]: Decision(
                recipient_kind=IdKind(row["recipient_kind"]) if row["recipient_kind"] else None,
                recipient_pseudonym=row["recipient_pseudonym"],
                recipient_masked=row["recipient_masked"], birth_date=row["birth_date"],
                sender=row["sender"], department=row["department"],
                decided_at=row["decided_at"], justified=bool(row["justified"]), note=row["note"],
                looked_up=Enrolment(row["looked_up"]) if row.get("looked_up") else None,
            )
            for row in self.db.table("decisions").rows_where("file_hash = ?", [file_hash])
        }

    def save(self, key: LetterKey, decision: Decision) -> None:
        """Keep a person's decision on a letter (replacing an earlier one)."""
        self.db.table("decisions").upsert(
            {"file_hash": key.file_hash, "first_page": key.first_page,
             "recipient_kind": decision.recipient_kind.value
             if decision.recipient_kind else None,
             "recipient_pseudonym": decision.recipient_pseudonym,
             "recipient_masked": decision.recipient_masked,
             "birth_date": decision.birth_date, "sender": decision.sender,
             "department": decision.department, "decided_at": decision.decided_at,
             "justified": int(decision.justified), "note": masked(decision.note),
             "looked_up": decision.looked_up.value if decision.looked_up else None},
            pk=("file_hash", "first_page"),
        )

    def row(self, key: LetterKey) -> dict | None:
        """A letter's stored decision as its row (for the log, to be put back on undo)."""
        rows = list(self.db.table("decisions").rows_where(
            "file_hash = ? AND first_page = ?", list(key)))
        return rows[0] if rows else None

    def restore_row(self, key: LetterKey, row: dict | None) -> None:
        """Put a letter's stored decision back as it was (None: no decision)."""
        self.db.execute("DELETE FROM decisions WHERE file_hash = ? AND first_page = ?",
                        list(key))
        if row is not None:
            self.db.table("decisions").insert(row)

    # -- the decision log -----------------------------------------------------------------

    def log(self, *, actor: str, letter_id: int, key: LetterKey, action: str, before: dict,
            after: dict, note: str | None) -> int:
        """One entry of the decision log; its id."""
        return int(self.db.table("decision_log").insert(  # type: ignore[arg-type]
            {"at": now(), "actor": actor, "letter_id": letter_id, "file_hash": key.file_hash,
             "first_page": key.first_page, "action": action,
             "before": json.dumps(before, ensure_ascii=False),
             "after": json.dumps(after, ensure_ascii=False), "note": masked(note)}
        ).last_pk)

    def last_logged(self, letter_id: int | None = None, actor: str | None = None) -> dict | None:
        """The newest log entry of a letter, or of an actor."""
        where, params = ("letter_id = ?", [letter_id]) if letter_id is not None else (
            "actor = ?", [actor])
        rows = list(self.db.table("decision_log").rows_where(
            where, params, order_by="id desc", limit=1))
        if not rows:
            return None
        row = rows[0]
        return {**row, "before": json.loads(row["before"]), "after": json.loads(row["after"])}

    def count_logged(self, action: str, since: str, actor: str | None = None) -> int:
        """How many log entries of this action were made since `since` (ISO), by anyone or
        by one person; an entry later undone still counts (the undo is an entry of its own)."""
        sql = "SELECT count(DISTINCT letter_id) FROM decision_log WHERE action = ? AND at >= ?"
        params: list[object] = [action, since]
        if actor is not None:
            sql += " AND actor = ?"
            params.append(actor)
        return int(self.db.execute(sql, params).fetchone()[0])

    def log_of(self, letter_ids: list[int]) -> list[dict]:
        """The log entries of these letters, oldest first."""
        if not letter_ids:
            return []
        return list(self.db.table("decision_log").rows_where(
            f"letter_id IN ({placeholders(len(letter_ids))})", letter_ids, order_by="id"))
