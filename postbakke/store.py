"""The SQLite workspace database (sqlite-utils, WAL): the only module that writes SQL.

No CPR number in clear ever enters it: register IDs are stored as keyed
pseudonyms and masked forms, stored OCR text is masked before it gets here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from postbakke.models import Enrolment, IdKind
from postbakke.registers import EnrolmentEntry, StaffMember


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A scanned file, identified by its content hash: the same content twice adds nothing."""

    hash: str
    source: str
    tray: str | None
    scanned_on: str
    n_pages: int
    processed_at: str


@dataclass(frozen=True, slots=True)
class LetterRecord:
    """One letter as stored and exported (the contract's `letters` fields and a few more)."""

    file_hash: str
    source: str
    pages: list[int]
    tray: str | None
    scanned_on: str
    recipient_kind: str | None
    recipient_pseudonym: str | None
    recipient_masked: str | None
    match: str | None
    enrolment: str | None
    department: str | None
    sender: str | None
    verdict: str
    reason: str
    window_cpr: bool
    evidence: str | None = None  # why the recipient was (not) found, for the reviewer
    subject: str | None = None
    ocr_text: str | None = None  # CPR numbers masked
    image_paths: list[str] | None = None


EXPORT_FIELDS = (
    "source", "pages", "tray", "scanned_on", "recipient_kind", "recipient_pseudonym",
    "recipient_masked", "match", "enrolment", "department", "sender", "verdict", "reason",
    "window_cpr",
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite_utils.Database(path)
        self.db.enable_wal()
        self.db.execute("PRAGMA busy_timeout = 10000")
        self._ensure_schema()

    def close(self) -> None:
        self.db.close()

    def _ensure_schema(self) -> None:
        db = self.db
        with db.atomic():
            db["files"].create(
                {"hash": str, "source": str, "tray": str, "scanned_on": str,
                 "n_pages": int, "processed_at": str},
                pk="hash", if_not_exists=True,
            )
            db["letters"].create(
                {"id": int, "file_hash": str, "source": str, "pages": str, "first_page": int,
                 "tray": str, "scanned_on": str, "recipient_kind": str,
                 "recipient_pseudonym": str, "recipient_masked": str, "match": str,
                 "enrolment": str, "department": str, "sender": str, "verdict": str,
                 "reason": str, "window_cpr": int, "evidence": str, "subject": str, "ocr_text": str,
                 "image_paths": str, "created_at": str},
                pk="id", foreign_keys=[("file_hash", "files", "hash")], if_not_exists=True,
            )
            db["letters"].create_index(
                ["file_hash", "first_page"], unique=True, if_not_exists=True
            )
            db["failures"].create(
                {"id": int, "source": str, "hash": str, "reason": str, "at": str},
                pk="id", if_not_exists=True,
            )
            db["enrolment"].create(
                {"pseudonym": str, "kind": str, "masked": str, "status": str, "name": str,
                 "street": str, "postcode": str, "city": str, "birth_date": str},
                pk="pseudonym", if_not_exists=True,
            )
            db["staff"].create(
                {"id": int, "name": str, "initials": str, "email": str, "phone": str,
                 "department": str},
                pk="id", if_not_exists=True,
            )
            db["register_imports"].create(
                {"id": int, "register": str, "file": str, "rows": int, "imported_at": str},
                pk="id", if_not_exists=True,
            )

    # -- registers ---------------------------------------------------------------------

    def replace_enrolment(self, entries: list[EnrolmentEntry], source: str) -> None:
        """A re-import replaces the register whole, in one transaction."""
        with self.db.atomic():
            self.db.execute("DELETE FROM enrolment")
            self.db["enrolment"].insert_all(
                {**asdict(e), "kind": e.kind.value, "status": e.status.value} for e in entries
            )
            self._record_import("enrolment", source, len(entries))

    def replace_staff(self, members: list[StaffMember], source: str) -> None:
        with self.db.atomic():
            self.db.execute("DELETE FROM staff")
            self.db["staff"].insert_all(asdict(m) for m in members)
            self._record_import("staff", source, len(members))

    def _record_import(self, register: str, source: str, rows: int) -> None:
        self.db["register_imports"].insert(
            {"register": register, "file": source, "rows": rows, "imported_at": _now()}
        )

    def registers_version(self) -> int:
        """Grows with every register import: a long-running process reloads on change."""
        row = self.db.execute("SELECT coalesce(max(id), 0) FROM register_imports").fetchone()
        return int(row[0])

    def enrolment_entries(self) -> list[EnrolmentEntry]:
        return [
            EnrolmentEntry(
                pseudonym=r["pseudonym"], kind=IdKind(r["kind"]), masked=r["masked"],
                status=Enrolment(r["status"]), name=r["name"], street=r["street"],
                postcode=r["postcode"], city=r["city"], birth_date=r["birth_date"],
            )
            for r in self.db["enrolment"].rows
        ]

    def staff_members(self) -> list[StaffMember]:
        return [
            StaffMember(
                name=r["name"], initials=r["initials"], email=r["email"], phone=r["phone"],
                department=r["department"],
            )
            for r in self.db["staff"].rows_where(order_by="id")
        ]

    def last_import(self, register: str) -> dict | None:
        rows = list(
            self.db["register_imports"].rows_where(
                "register = ?", [register], order_by="id desc", limit=1
            )
        )
        return rows[0] if rows else None

    # -- scans -------------------------------------------------------------------------

    def known_file(self, file_hash: str) -> StoredFile | None:
        row = self.db.execute(
            "SELECT hash, source, tray, scanned_on, n_pages, processed_at FROM files "
            "WHERE hash = ?", [file_hash],
        ).fetchone()
        return StoredFile(*row) if row else None

    def save_file(self, stored: StoredFile, letters: Iterable[LetterRecord]) -> None:
        """One file and all its letters in one transaction: a crash leaves all or nothing."""
        with self.db.atomic():
            self.db["files"].insert(asdict(stored))
            for letter in letters:
                row = asdict(letter)
                row["pages"] = json.dumps(letter.pages)
                row["first_page"] = letter.pages[0] if letter.pages else 0
                row["window_cpr"] = int(letter.window_cpr)
                row["image_paths"] = json.dumps(letter.image_paths or [])
                row["created_at"] = _now()
                self.db["letters"].insert(row)

    def record_failure(self, source: str, file_hash: str | None, reason: str) -> None:
        with self.db.atomic():
            self.db["failures"].insert(
                {"source": source, "hash": file_hash, "reason": reason, "at": _now()}
            )

    def letters(self) -> Iterator[dict]:
        """Letters in scan order, shaped as the contract's export."""
        for row in self.db["letters"].rows_where(order_by="id"):
            export = {name: row[name] for name in EXPORT_FIELDS}
            export["pages"] = json.loads(row["pages"])
            export["window_cpr"] = bool(row["window_cpr"])
            export["id"] = row["id"]
            export["subject"] = row["subject"]
            yield export

    def letters_with_content_before(self, cutoff: str) -> list[tuple[int, str]]:
        """(id, image_paths) of letters stored by `cutoff` that still hold OCR text or images."""
        return [
            (row[0], row[1])
            for row in self.db.execute(
                "SELECT id, image_paths FROM letters WHERE created_at <= ? "
                "AND (ocr_text IS NOT NULL OR image_paths != '[]')", [cutoff],
            ).fetchall()
        ]

    def clear_content(self, letter_ids: list[int]) -> None:
        with self.db.atomic():
            for letter_id in letter_ids:
                self.db.execute(
                    "UPDATE letters SET ocr_text = NULL, image_paths = '[]' WHERE id = ?",
                    [letter_id],
                )

    def department_summary(self) -> list[tuple[str, int, int, int, int, int]]:
        """Per department: letters, leaks, legitimate, review, CPR in the window."""
        rows = self.db.execute(
            "SELECT coalesce(department, '(ukendt)') AS dep, count(*), "
            "sum(verdict = 'leak'), sum(verdict = 'legitimate'), sum(verdict = 'review'), "
            "sum(window_cpr) FROM letters GROUP BY dep ORDER BY dep"
        ).fetchall()
        return [tuple(r) for r in rows]
