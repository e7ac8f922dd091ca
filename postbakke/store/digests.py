"""The weekly digests' send log: which department's digest went to whom, and how it went."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from postbakke.store.connection import Repository, now


class DigestStatus(StrEnum):
    SENDING = "sending"  # handed to the mail server; its answer not yet recorded
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DigestSend:
    """The send log: one weekly digest of one department to one recipient."""

    week: str  # "2026-W47"
    department: str
    recipient: str  # the address itself (addr-spec), lower case
    status: DigestStatus
    message_id: str | None
    attempts: int  # how many times it was handed to the mail server
    updated_at: str
    error: str | None = None


class Digests(Repository):
    def sends(self, week: str, department: str | None = None) -> list[DigestSend]:
        """What the log says of a week's digests (of one department)."""
        where, params = "week = ?", [week]
        if department is not None:
            where += " AND department = ?"
            params.append(department)
        return [
            DigestSend(
                week=r["week"], department=r["department"], recipient=r["recipient"],
                status=DigestStatus(r["status"]), message_id=r["message_id"],
                attempts=r["attempts"], updated_at=r["updated_at"], error=r["error"],
            )
            for r in self.db.table("digest_sends").rows_where(
                where, params, order_by="department, recipient")
        ]

    def record(
        self, week: str, department: str, recipients: Iterable[str], status: DigestStatus,
        message_id: str | None = None, error: str | None = None,
    ) -> None:
        """Log one step of sending a department's digest to these recipients, committed at
        once: `sending` before handing it to the server (counts an attempt), then `sent` or
        `failed`. A crash in between leaves `sending`: not sent as far as a re-run knows."""
        updated_at = now()
        with self.connection.transaction():
            for recipient in recipients:
                key = [week, department, recipient.lower()]
                row = self.db.execute(
                    "SELECT attempts, message_id FROM digest_sends "
                    "WHERE week = ? AND department = ? AND recipient = ?", key,
                ).fetchone()
                attempts = (row[0] if row else 0) + (status is DigestStatus.SENDING)
                self.db.table("digest_sends").upsert(
                    {"week": week, "department": department, "recipient": recipient.lower(),
                     "status": status.value,
                     "message_id": message_id or (row[1] if row else None),
                     "attempts": attempts, "updated_at": updated_at, "error": error},
                    pk=("week", "department", "recipient"),
                )
