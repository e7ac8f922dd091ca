"""The SQLite workspace database (sqlite-utils, WAL): with migrations.py, the only SQL writer.

No CPR number in clear ever enters it: register IDs are stored as keyed
pseudonyms and masked forms, stored OCR text is masked before it gets here.

A letter's identity is its file's content hash and its first page. The tables
that must outlive a letter's row (a person's review decision, a closed
follow-up's letters) refer to it by that pair, so a letter stored again (after
its file's letters were removed and the file scanned anew) gets them back.

The store knows no review or follow-up rule: it stores, finds and changes rows.
people/review.py re-applies and applies decisions, people/followup.py keeps the
follow-ups in step, people/filing.py stores a scanned file's letters with both;
they call the store inside one `transaction()`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

import sqlite_utils

from postbakke import migrations
from postbakke.deciding.registers import EnrolmentEntry, StaffMember
from postbakke.errors import DecisionError
from postbakke.letters.subjects import UNKNOWN_KIND, ranked
from postbakke.models import (
    Decision,
    DigitalCount,
    Enrolment,
    FollowUp,
    FollowUpStatus,
    IdKind,
    Outcome,
    Reason,
    VerdictKind,
)
from postbakke.privacy import mask_cpr_in_text


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
    verdict: VerdictKind
    reason: Reason
    window_cpr: bool
    evidence: str | None = None  # why the recipient was (not) found, for the reviewer
    subject: str | None = None
    ocr_text: str | None = None  # CPR numbers masked
    image_paths: list[str] | None = None
    # The recipient block as printed ({"name", "attention", "street", "postcode", "city"},
    # CPR numbers masked): personal data like the OCR text, cleared with it by retention.
    recipient_block: dict[str, str | None] | None = None
    # Where each field was read (letters.locate.boxes_as_json): boxes only, no text.
    field_boxes: dict[str, list[dict[str, Any]]] | None = None
    # The kind of letter (letters.subjects.letter_kind of the subject: no names, no
    # numbers), kept so reports count kinds without reading every subject again.
    kind: str | None = None
    # The first copy's key when this letter is the same paper scanned again
    # (people/duplicates.py): listed, never counted.
    duplicate_of: LetterKey | None = None
    # What the scan read of enclosures (Fields.physical_enclosure / unplaced_enclosure),
    # kept so a decision after retention still knows it; None: a letter stored before
    # the findings were kept (schema step 7), not known.
    physical_enclosure: bool | None = None
    unplaced_enclosure: bool | None = None

    @property
    def first_page(self) -> int:
        return self.pages[0] if self.pages else 0

    @property
    def key(self) -> LetterKey:
        """The letter's identity over a re-scan: its file's content hash and first page."""
        return LetterKey(self.file_hash, self.first_page)


class LetterKey(NamedTuple):
    file_hash: str
    first_page: int


class LetterFacts(NamedTuple):
    """What follow-ups are decided on: a stored letter's verdict, department and sender,
    and whether it is a copy of a letter stored before (a copy joins no follow-up)."""

    verdict: str
    department: str | None
    sender: str | None
    is_duplicate: bool = False


@dataclass(frozen=True, slots=True)
class StoredLetter:
    """What the copy look-up compares of a stored letter (people/duplicates.py); the text
    is read apart (`Store.letter_texts`), only for letters the other fields leave open."""

    id: int
    key: LetterKey
    scanned_on: str
    recipient_pseudonym: str | None
    recipient_block: dict[str, str | None] | None
    sender: str | None
    subject: str | None
    ocr_text: str | None


class FollowUpLink(NamedTuple):
    """The follow-up a letter belongs to."""

    followup_id: int
    status: FollowUpStatus
    department: str | None
    sender: str | None


EXPORT_FIELDS = (
    "source", "pages", "tray", "scanned_on", "recipient_kind", "recipient_pseudonym",
    "recipient_masked", "match", "enrolment", "department", "sender", "verdict", "reason",
    "window_cpr", "duplicate_of",
)

# SQL: the letter (table or alias) is counted: not a copy of a letter stored before.
COUNTED = "duplicate_of_hash IS NULL"


class DepartmentCounts(NamedTuple):
    """One department's letters by verdict (a justified leak is counted as justified only)."""

    department: str
    letters: int
    leaks: int
    justified: int
    legitimate: int
    review: int
    window_cpr: int


UNKNOWN_DEPARTMENT = "(ukendt)"


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


def _justified_sql(letters: str = "letters") -> str:
    """SQL: the letter (table or alias `letters`) belongs to a follow-up closed as justified.

    The subquery is not correlated: SQLite reads the justified keys once into a
    temporary index (a third faster over a year's letters than a lookup per letter).
    """
    return (
        f"(({letters}.file_hash, {letters}.first_page) IN (SELECT j.file_hash, j.first_page "
        "FROM followup_letters j JOIN followups jf ON jf.id = j.followup_id "
        "WHERE jf.status = 'closed' AND jf.outcome = 'begrundet'))"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _json_or_null(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


# Milliseconds a writer waits for another one's lock before giving up: a 100,000-row
# enrolment import held it 1.2 s here, a scanned file's transaction a few ms.
BUSY_TIMEOUT_MS = 10_000


def _masked(text: str | None) -> str | None:
    """Free text as it may be stored: CPR numbers masked (a last guard: the stages mask
    what they read, but a note typed by a person or a file's name may hold one too)."""
    return mask_cpr_in_text(text) if text else text


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


# Letter columns holding free text read off the page or the file system.
_FREE_TEXT_COLUMNS = ("source", "subject", "evidence", "ocr_text")


class Store:
    def __init__(self, path: Path, busy_timeout_ms: int | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite_utils.Database(path)
        timeout = BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
        self.db.execute(f"PRAGMA busy_timeout = {int(timeout)}")
        self.db.enable_wal()
        # Tables this opening created in a workspace that already had scanned files: a
        # workspace from before them (its follow-ups are made by followup.catch_up).
        self.tables_added: frozenset[str] = frozenset()
        self._ensure_schema()

    def close(self) -> None:
        self.db.close()

    def _ensure_schema(self) -> None:
        """Create or upgrade the schema (migrations.py); refuse a newer workspace's."""
        had_tables = set(self.db.table_names())
        migrations.upgrade(self.db, self.path)
        if "files" in had_tables:
            self.tables_added = frozenset(set(self.db.table_names()) - had_tables)

    # -- registers ---------------------------------------------------------------------

    def replace_enrolment(self, entries: list[EnrolmentEntry], source: str) -> None:
        """A re-import replaces the register whole, in one transaction."""
        with self.transaction():
            self.db.execute("DELETE FROM enrolment")
            self.db.table("enrolment").insert_all(
                {**asdict(e), "kind": e.kind.value, "status": e.status.value} for e in entries
            )
            self._record_import("enrolment", source, len(entries))

    def replace_staff(self, members: list[StaffMember], source: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM staff")
            self.db.table("staff").insert_all(asdict(m) for m in members)
            self._record_import("staff", source, len(members))

    def _record_import(self, register: str, source: str, rows: int) -> None:
        self.db.table("register_imports").insert(
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
            for r in self.db.table("enrolment").rows
        ]

    def staff_members(self) -> list[StaffMember]:
        return [
            StaffMember(
                name=r["name"], initials=r["initials"], email=r["email"], phone=r["phone"],
                department=r["department"],
            )
            for r in self.db.table("staff").rows_where(order_by="id")
        ]


    # -- scans -------------------------------------------------------------------------

    def known_file(self, file_hash: str) -> StoredFile | None:
        row = self.db.execute(
            "SELECT hash, source, tray, scanned_on, n_pages, processed_at FROM files "
            "WHERE hash = ?", [file_hash],
        ).fetchone()
        return StoredFile(*row) if row else None

    def save_file(self, stored: StoredFile, letters: Iterable[LetterRecord]) -> None:
        """One file and its letters, as given, in one transaction: a crash leaves all or nothing.

        Decisions and follow-ups are not this method's business: a scanned file's
        letters are filed by people.filing.file_letters, which calls it.
        """
        now = _now()
        rows = []
        names = [f.name for f in fields(LetterRecord)]
        for letter in letters:
            row = {name: getattr(letter, name) for name in names}  # asdict copies deep: slow
            row["pages"] = json.dumps(letter.pages)
            row["first_page"] = letter.first_page
            row["window_cpr"] = int(letter.window_cpr)
            for name in ("physical_enclosure", "unplaced_enclosure"):
                if row[name] is not None:
                    row[name] = int(row[name])
            row["image_paths"] = json.dumps(letter.image_paths or [])
            row["recipient_block"] = _json_or_null(letter.recipient_block)
            row["field_boxes"] = _json_or_null(letter.field_boxes)
            of = row.pop("duplicate_of")
            row["duplicate_of_hash"], row["duplicate_of_page"] = of if of else (None, None)
            row["created_at"] = now
            for name in _FREE_TEXT_COLUMNS:
                row[name] = _masked(row[name])
            if letter.recipient_block is not None:
                row["recipient_block"] = _json_or_null(
                    {k: _masked(v) for k, v in letter.recipient_block.items()})
            rows.append(row)
        with self.transaction():
            self.db.table("files").insert(asdict(stored))
            if rows:
                self.db.table("letters").insert_all(rows)

    def letter_keys_of_file(self, file_hash: str) -> list[LetterKey]:
        return [LetterKey(*r) for r in self.db.execute(
            "SELECT file_hash, first_page FROM letters WHERE file_hash = ? ORDER BY id",
            [file_hash]).fetchall()]

    def forget_file(self, file_hash: str) -> int:
        """Remove a file and its letters (to scan it anew); other tables are left as they are.

        Returns the number of letters removed.
        """
        with self.transaction():
            removed = self.db.execute(
                "DELETE FROM letters WHERE file_hash = ?", [file_hash]
            ).rowcount
            self.db.execute("DELETE FROM files WHERE hash = ?", [file_hash])
        return removed

    def record_failure(self, source: str, file_hash: str | None, reason: str) -> None:
        with self.transaction():
            self.db.table("failures").insert(
                {"source": _masked(source), "hash": file_hash, "reason": _masked(reason),
                 "at": _now()}
            )

    def letters(self) -> Iterator[dict]:
        """Letters in scan order, shaped as the contract's export (streamed from the cursor).

        A copy's `duplicate_of` names its first copy by file and pages.
        """
        columns = [name for name in EXPORT_FIELDS if name != "duplicate_of"]
        cursor = self.db.execute(
            f"SELECT {', '.join('l.' + c for c in columns)}, l.id, l.subject, "
            "o.source, o.pages, l.duplicate_of_hash FROM letters l "
            "LEFT JOIN letters o ON o.file_hash = l.duplicate_of_hash "
            "AND o.first_page = l.duplicate_of_page ORDER BY l.id")
        for values in cursor:
            export = dict(zip(columns, values, strict=False))
            export["pages"] = json.loads(export["pages"])
            export["window_cpr"] = bool(export["window_cpr"])
            export["id"], export["subject"] = values[len(columns)], values[len(columns) + 1]
            source, pages, of_hash = values[len(columns) + 2:]
            export["duplicate_of"] = None if of_hash is None else {
                "source": source, "pages": json.loads(pages) if pages else []}
            yield {name: export[name] for name in (*EXPORT_FIELDS, "id", "subject")}

    def letters_with_content_before(self, cutoff: str) -> list[tuple[int, str]]:
        """(id, image_paths) of letters stored by `cutoff` that still hold OCR text, images
        or the printed recipient block."""
        return [
            (row[0], row[1])
            for row in self.db.execute(
                "SELECT id, image_paths FROM letters WHERE created_at <= ? "
                "AND (ocr_text IS NOT NULL OR image_paths != '[]' "
                "OR recipient_block IS NOT NULL)", [cutoff],
            ).fetchall()
        ]

    def letters_with_images_before(self, cutoff: str) -> list[tuple[int, list[str]]]:
        """(id, image paths) of letters stored by `cutoff` that still have page images."""
        return [(r[0], json.loads(r[1] or "[]")) for r in self.db.execute(
            "SELECT id, image_paths FROM letters WHERE created_at <= ? "
            "AND image_paths != '[]'", [cutoff]).fetchall()]

    def letters_with_text_before(self, cutoff: str) -> list[int]:
        """Ids of letters stored by `cutoff` that still hold OCR text or names."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM letters WHERE created_at <= ? AND (ocr_text IS NOT NULL "
            "OR subject IS NOT NULL OR evidence IS NOT NULL OR recipient_block IS NOT NULL)",
            [cutoff]).fetchall()]

    def clear_images(self, letter_ids: list[int]) -> None:
        with self.db.atomic():
            for letter_id in letter_ids:
                self.db.execute("UPDATE letters SET image_paths = '[]' WHERE id = ?",
                                [letter_id])

    def clear_text(self, letter_ids: list[int]) -> None:
        """Forget a letter's OCR text, subject, evidence and printed recipient block (its
        kind of letter, kept at filing, stays)."""
        with self.db.atomic():
            for letter_id in letter_ids:
                self.db.execute(
                    "UPDATE letters SET ocr_text = NULL, subject = NULL, evidence = NULL, "
                    "recipient_block = NULL WHERE id = ?", [letter_id])

    def all_image_paths(self) -> list[str]:
        return [p for (paths,) in self.db.execute(
            "SELECT image_paths FROM letters WHERE image_paths != '[]'").fetchall()
            for p in json.loads(paths or "[]")]

    def clear_content(self, letter_ids: list[int]) -> None:
        with self.transaction():
            for letter_id in letter_ids:
                self.db.execute(
                    "UPDATE letters SET ocr_text = NULL, image_paths = '[]', "
                    "recipient_block = NULL WHERE id = ?",
                    [letter_id],
                )

    def department_summary(self) -> list[DepartmentCounts]:
        """Per department: letters, leaks, justified, legitimate, review, CPR in the window."""
        rows = self.db.execute(
            f"SELECT coalesce(department, '{UNKNOWN_DEPARTMENT}') AS dep, count(*), "
            f"sum(verdict = 'leak' AND NOT {_justified_sql()}), "
            f"sum((verdict = 'leak' AND {_justified_sql()}) OR reason = 'justified_paper'), "
            "sum(verdict = 'legitimate' AND reason != 'justified_paper'), "
            "sum(verdict = 'review'), "
            f"sum(window_cpr) FROM letters WHERE {COUNTED} GROUP BY dep ORDER BY dep"
        ).fetchall()
        return [DepartmentCounts(*r) for r in rows]

    # -- letters for the report and the review queue -----------------------------------

    def _record(self, row: dict) -> LetterRecord:
        names = {f.name for f in fields(LetterRecord)} - {"duplicate_of"}
        values = {k: row[k] for k in names}
        values["pages"] = json.loads(row["pages"])
        values["window_cpr"] = bool(row["window_cpr"])
        values["verdict"] = VerdictKind(row["verdict"])
        values["reason"] = Reason(row["reason"])
        values["image_paths"] = json.loads(row["image_paths"] or "[]")
        values["duplicate_of"] = LetterKey(row["duplicate_of_hash"], row["duplicate_of_page"]) \
            if row["duplicate_of_hash"] is not None else None
        for name in ("recipient_block", "field_boxes"):
            values[name] = json.loads(row[name]) if row[name] is not None else None
        for name in ("physical_enclosure", "unplaced_enclosure"):
            values[name] = bool(row[name]) if row[name] is not None else None
        return LetterRecord(**values)

    def letter(self, letter_id: int) -> LetterRecord | None:
        rows = list(self.db.table("letters").rows_where("id = ?", [letter_id]))
        return self._record(rows[0]) if rows else None

    def report_letters(self, start: date, end: date) -> list[dict]:
        """Letters scanned from `start` to `end` (the tray dates, both included), with
        whether each is justified and its follow-up."""
        rows = self.db.execute(
            f"SELECT l.id, l.scanned_on, l.department, l.sender, l.recipient_masked, "
            f"l.subject, l.verdict, l.reason, l.window_cpr, {_justified_sql('l')} AS justified, "
            "fl.followup_id, l.kind FROM letters l "
            "LEFT JOIN followup_letters fl ON fl.file_hash = l.file_hash "
            "AND fl.first_page = l.first_page "
            "WHERE l.scanned_on BETWEEN ? AND ? AND l.duplicate_of_hash IS NULL "
            "ORDER BY l.scanned_on, l.id",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
        names = ("id", "scanned_on", "department", "sender", "recipient_masked", "subject",
                 "verdict", "reason", "window_cpr", "justified", "followup_id", "kind")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def _leak_where(self) -> str:
        """SQL: the letter (alias l) counts as a leak (not justified, not a copy)."""
        return (f"l.verdict = 'leak' AND l.reason != 'justified_paper' AND "
                f"l.duplicate_of_hash IS NULL AND NOT {_justified_sql('l')}")

    def report_leaks(self, start: date, end: date, limit: int | None = None) -> Iterator[dict]:
        """The leaks scanned from `start` to `end`, as the report lists them (by day,
        department, sender), streamed from the cursor; the first `limit` only, if given."""
        cursor = self.db.execute(
            "SELECT l.id, l.scanned_on, coalesce(l.department, ?), l.sender, "
            "l.recipient_masked, l.kind, l.reason FROM letters l "
            f"WHERE l.scanned_on BETWEEN ? AND ? AND {self._leak_where()} "
            "ORDER BY l.scanned_on, coalesce(l.department, ?), coalesce(l.sender, ''), l.id "
            f"LIMIT {-1 if limit is None else int(limit)}",
            [UNKNOWN_DEPARTMENT, start.isoformat(), end.isoformat(), UNKNOWN_DEPARTMENT])
        names = ("id", "scanned_on", "department", "sender", "recipient_masked", "kind",
                 "reason")
        for values in cursor:
            yield dict(zip(names, values, strict=True))

    def leak_groups(self, start: date, end: date) -> list[dict]:
        """The leaks from `start` to `end` counted per department, sender and kind."""
        rows = self.db.execute(
            "SELECT coalesce(l.department, ?), l.sender, l.kind, count(*) FROM letters l "
            f"WHERE l.scanned_on BETWEEN ? AND ? AND {self._leak_where()} "
            "GROUP BY 1, 2, 3", [UNKNOWN_DEPARTMENT, start.isoformat(), end.isoformat()],
        ).fetchall()
        return [dict(zip(("department", "sender", "kind", "n"), r, strict=True)) for r in rows]

    def followups_closed_between(self, start: date, end: date) -> set[int]:
        """The follow-ups closed from `start` to `end` (dates of closed_at, UTC)."""
        return {r[0] for r in self.db.execute(
            "SELECT id FROM followups WHERE closed_at >= ? AND closed_at < ?",
            [start.isoformat(), (end + timedelta(days=1)).isoformat()]).fetchall()}

    def followup_ids_between(self, start: date, end: date) -> set[int]:
        """The follow-ups holding a letter (in the store) scanned from `start` to `end`."""
        return {r[0] for r in self.db.execute(
            "SELECT DISTINCT followup_id FROM followup_days WHERE scanned_on BETWEEN ? AND ?",
            [start.isoformat(), end.isoformat()]).fetchall()}

    def letter_tallies(self, start: date, end: date) -> list[dict]:
        """Letters from `start` to `end` counted per scan day, department, verdict, reason and
        whether justified: what the figures need, without a row per letter."""
        rows = self.db.execute(
            f"SELECT scanned_on, department, verdict, reason, {_justified_sql()} AS justified, "
            "count(*), sum(window_cpr) FROM letters WHERE scanned_on BETWEEN ? AND ? "
            f"AND {COUNTED} GROUP BY scanned_on, department, verdict, reason, justified",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
        names = ("scanned_on", "department", "verdict", "reason", "justified", "n",
                 "window_cpr")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def latest_scanned_on(self) -> date | None:
        row = self.db.execute("SELECT max(scanned_on) FROM letters").fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def review_letters(self) -> list[dict]:
        """Letters waiting for a person's decision, oldest first."""
        return [
            {"id": row["id"], "source": row["source"], "pages": json.loads(row["pages"]),
             "scanned_on": row["scanned_on"], "department": row["department"],
             "sender": row["sender"], "reason": row["reason"], "evidence": row["evidence"],
             "match": row["match"], "recipient_masked": row["recipient_masked"],
             "image_paths": json.loads(row["image_paths"] or "[]"),
             "has_text": row["ocr_text"] is not None}
            for row in self.db.table("letters").rows_where(
                f"verdict = 'review' AND {COUNTED}", order_by="id")
        ]

    def review_queue(self) -> list[int]:
        """Ids of the letters waiting for a decision: oldest tray first, postponed ones last."""
        return [r[0] for r in self.db.execute(
            "SELECT l.id FROM letters l LEFT JOIN review_postponed p "
            "ON p.file_hash = l.file_hash AND p.first_page = l.first_page "
            "WHERE l.verdict = 'review' AND l.duplicate_of_hash IS NULL "
            "ORDER BY p.at IS NOT NULL, l.scanned_on, l.id"
        ).fetchall()]

    def postponement(self, file_hash: str, first_page: int) -> dict | None:
        row = self.db.execute(
            "SELECT note, actor, at FROM review_postponed WHERE file_hash = ? AND first_page = ?",
            [file_hash, first_page],
        ).fetchone()
        return {"note": row[0], "actor": row[1], "at": row[2]} if row else None

    def set_postponement(self, file_hash: str, first_page: int, note: str | None,
                         actor: str | None) -> None:
        """Mark a review letter as postponed (note None: no longer postponed)."""
        with self.transaction():
            self.db.execute("DELETE FROM review_postponed WHERE file_hash = ? AND first_page = ?",
                            [file_hash, first_page])
            if note is not None:
                self.db.table("review_postponed").insert(
                    {"file_hash": file_hash, "first_page": first_page, "note": _masked(note),
                     "actor": actor, "at": _now()})

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction (nested ones are savepoints) for a change of several steps.

        It begins IMMEDIATE: the write lock is taken up front, waiting up to the busy
        timeout for another writer (a second scan, a register import). sqlite-utils'
        `atomic()` begins DEFERRED, and a deferred transaction that reads first and then
        writes fails at once with "database is locked" when another process wrote
        meanwhile: SQLite cannot wait there without risking a deadlock.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():  # a savepoint inside the open transaction
                yield self.db
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- the work station's overviews ------------------------------------------------

    def tray_overview(self, days: int = 31) -> list[dict]:
        """Per scan day and tray (the newest `days` scan days): files, letters, verdicts."""
        rows = self.db.execute(
            f"SELECT scanned_on, tray, count(DISTINCT file_hash), sum({COUNTED}), "
            f"sum(verdict = 'leak' AND {COUNTED}), sum(verdict = 'legitimate' AND {COUNTED}), "
            f"sum(verdict = 'review' AND {COUNTED}), sum(window_cpr AND {COUNTED}), "
            f"sum(NOT {COUNTED}) FROM letters WHERE scanned_on >= "
            "(SELECT date(max(scanned_on), ?) FROM letters) "
            "GROUP BY scanned_on, tray ORDER BY scanned_on DESC, tray",
            [f"-{days - 1} days"],
        ).fetchall()
        names = ("scanned_on", "tray", "files", "letters", "leaks", "legitimate", "review",
                 "window_cpr", "duplicates")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def recent_failures(self, limit: int = 50) -> list[dict]:
        """Files set aside, newest first, with their reason."""
        return [
            {"source": r[0], "reason": r[1], "at": r[2]}
            for r in self.db.execute(
                "SELECT source, reason, at FROM failures ORDER BY id DESC LIMIT ?", [limit]
            ).fetchall()
        ]

    def find_letters(
        self, *, department: str | None = None, sender: str | None = None,
        verdict: str | None = None, start: date | None = None, end: date | None = None,
        before_id: int | None = None, limit: int = 50,
    ) -> list[dict]:
        """Letters matching the filters, newest first, a page at a time (keyset on id)."""
        where, params = ["1"], []  # type: list[str], list[object]
        if department:
            where.append("coalesce(department, ?) = ?")
            params += [UNKNOWN_DEPARTMENT, department]
        if sender:
            where.append("sender = ?")
            params.append(sender)
        if verdict:
            where.append("verdict = ?")
            params.append(verdict)
        if start and end:
            where.append("scanned_on BETWEEN ? AND ?")
            params += [start.isoformat(), end.isoformat()]
        if before_id:
            where.append("id < ?")
            params.append(before_id)
        rows = self.db.execute(
            "SELECT id, scanned_on, tray, source, pages, department, sender, recipient_masked, "
            f"subject, verdict, reason, window_cpr, duplicate_of_hash IS NOT NULL "
            f"FROM letters WHERE {' AND '.join(where)} "
            "ORDER BY id DESC LIMIT ?", [*params, limit],
        ).fetchall()
        names = ("id", "scanned_on", "tray", "source", "pages", "department", "sender",
                 "recipient_masked", "subject", "verdict", "reason", "window_cpr",
                 "is_duplicate")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def departments(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT department FROM staff ORDER BY department").fetchall()]

    # -- the decision log (who changed which letter, when, from what to what) ----------

    def decision_row(self, file_hash: str, first_page: int) -> dict | None:
        rows = list(self.db.table("decisions").rows_where(
            "file_hash = ? AND first_page = ?", [file_hash, first_page]))
        return rows[0] if rows else None

    def restore_decision_row(self, file_hash: str, first_page: int, row: dict | None) -> None:
        """Put a letter's stored decision back as it was (None: no decision)."""
        self.db.execute("DELETE FROM decisions WHERE file_hash = ? AND first_page = ?",
                        [file_hash, first_page])
        if row is not None:
            self.db.table("decisions").insert(row)

    def letter_state(self, letter_id: int, names: Iterable[str]) -> dict:
        row = self.db.execute(
            f"SELECT {', '.join(names)} FROM letters WHERE id = ?", [letter_id]
        ).fetchone()
        if row is None:
            raise DecisionError(f"brev nr. {letter_id} findes ikke")
        return dict(zip(names, row, strict=True))

    def update_letter(self, letter_id: int, changes: dict) -> None:
        """Set some of a letter's fields (a decision, or one undone)."""
        self.db.table("letters").update(letter_id, changes)

    def log_decision(self, *, actor: str, letter_id: int, file_hash: str, first_page: int,
                     action: str, before: dict, after: dict, note: str | None) -> int:
        return int(self.db.table("decision_log").insert(  # type: ignore[arg-type]
            {"at": _now(), "actor": actor, "letter_id": letter_id, "file_hash": file_hash,
             "first_page": first_page, "action": action,
             "before": json.dumps(before, ensure_ascii=False),
             "after": json.dumps(after, ensure_ascii=False), "note": _masked(note)}
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

    # -- the audit log and a person's data (GDPR art. 15 and 17) ------------------------

    def log_access(self, actor: str, action: str, subject: str | None = None,
                   reason: str | None = None) -> None:
        """One line in the append-only audit log, committed at once."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO audit_log (at, actor, action, subject, reason) "
                "VALUES (?, ?, ?, ?, ?)",
                [_now(), actor, action, _masked(subject), _masked(reason)])

    def audit_entries(self, start: str | None = None, end: str | None = None) -> list[dict]:
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

    def decision_log_of(self, letter_ids: list[int]) -> list[dict]:
        if not letter_ids:
            return []
        return list(self.db.table("decision_log").rows_where(
            f"letter_id IN ({','.join('?' * len(letter_ids))})", letter_ids, order_by="id"))

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

    # -- users of the work station -----------------------------------------------------

    def web_users(self) -> list[dict]:
        return list(self.db.table("web_users").rows_where(order_by="name"))

    def web_user(self, name: str) -> dict | None:
        rows = list(self.db.table("web_users").rows_where("name = ?", [name]))
        return rows[0] if rows else None

    def save_web_user(self, name: str, role: str, password_hash: str) -> None:
        with self.transaction():
            self.db.table("web_users").upsert(
                {"name": name, "role": role, "password_hash": password_hash,
                 "created_at": _now()}, pk="name")

    # -- review decisions (applied by people/review.py) --------------------------------

    def decision(self, file_hash: str, first_page: int) -> Decision | None:
        found = self._decisions("file_hash = ? AND first_page = ?", [file_hash, first_page])
        return found.get(first_page)

    def decisions_of_file(self, file_hash: str) -> dict[int, Decision]:
        """The decisions on a file's letters, by first page."""
        return self._decisions("file_hash = ?", [file_hash])

    def _decisions(self, where: str, params: list) -> dict[int, Decision]:
        return {
            row["first_page"]: Decision(
                recipient_kind=IdKind(row["recipient_kind"]) if row["recipient_kind"] else None,
                recipient_pseudonym=row["recipient_pseudonym"],
                recipient_masked=row["recipient_masked"], birth_date=row["birth_date"],
                sender=row["sender"], department=row["department"],
                decided_at=row["decided_at"], justified=bool(row["justified"]), note=row["note"],
            )
            for row in self.db.table("decisions").rows_where(where, params)
        }

    def save_decision(self, key: LetterKey, decision: Decision) -> None:
        """Keep a person's decision on a letter (replacing an earlier one)."""
        self.db.table("decisions").upsert(
            {"file_hash": key.file_hash, "first_page": key.first_page,
             "recipient_kind": decision.recipient_kind.value
             if decision.recipient_kind else None,
             "recipient_pseudonym": decision.recipient_pseudonym,
             "recipient_masked": decision.recipient_masked,
             "birth_date": decision.birth_date, "sender": decision.sender,
             "department": decision.department, "decided_at": decision.decided_at,
             "justified": int(decision.justified), "note": _masked(decision.note)},
            pk=("file_hash", "first_page"),
        )

    def enrolment_entry(self, pseudonym: str | None) -> EnrolmentEntry | None:
        if pseudonym is None:
            return None
        rows = list(self.db.table("enrolment").rows_where("pseudonym = ?", [pseudonym]))
        if not rows:
            return None
        r = rows[0]
        return EnrolmentEntry(
            pseudonym=r["pseudonym"], kind=IdKind(r["kind"]), masked=r["masked"],
            status=Enrolment(r["status"]), name=r["name"], street=r["street"],
            postcode=r["postcode"], city=r["city"], birth_date=r["birth_date"],
        )

    # -- copies: the same paper scanned again (decided by people/duplicates.py) --------

    def duplicate_candidates(self, pseudonym: str | None, sender: str | None, start: str,
                             end: str) -> list[StoredLetter]:
        """Counted letters with text scanned from `start` to `end` that a letter of this
        sender and recipient pseudonym may be a copy of, without their text (`ocr_text`
        None: `letter_texts` reads it for those worth comparing).

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
                    f"recipient_block, sender, subject FROM letters WHERE {by_sender} "
                    f"AND {by_recipient} AND scanned_on BETWEEN ? AND ? AND {COUNTED} "
                    "AND ocr_text IS NOT NULL",
                    [*sender_values, *recipient_values, start, end],
                ).fetchall():
                    found[r[0]] = StoredLetter(
                        id=r[0], key=LetterKey(r[1], r[2]), scanned_on=r[3],
                        recipient_pseudonym=r[4],
                        recipient_block=json.loads(r[5]) if r[5] else None,
                        sender=r[6], subject=r[7], ocr_text=None)
        return [found[i] for i in sorted(found)]

    def letter_texts(self, letter_ids: Iterable[int]) -> dict[int, str]:
        """The stored (masked) OCR text of these letters, by id (those that have one)."""
        wanted = sorted(set(letter_ids))
        found: dict[int, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found.update(self.db.execute(
                f"SELECT id, ocr_text FROM letters WHERE id IN ({','.join('?' * len(chunk))}) "
                "AND ocr_text IS NOT NULL", chunk).fetchall())
        return found

    def is_distinct_letter(self, key: LetterKey) -> bool:
        """Whether a person said this letter is a new letter, not a copy."""
        return self.db.execute(
            "SELECT 1 FROM distinct_letters WHERE file_hash = ? AND first_page = ?", list(key),
        ).fetchone() is not None

    def set_distinct_letter(self, key: LetterKey, actor: str | None) -> None:
        """Mark a letter as a new letter (actor None: take the mark away)."""
        self.db.execute("DELETE FROM distinct_letters WHERE file_hash = ? AND first_page = ?",
                        list(key))
        if actor is not None:
            self.db.table("distinct_letters").insert(
                {"file_hash": key.file_hash, "first_page": key.first_page, "actor": actor,
                 "at": _now()})

    def set_duplicate_of(self, letter_id: int, first_copy: LetterKey | None) -> None:
        self.db.execute(
            "UPDATE letters SET duplicate_of_hash = ?, duplicate_of_page = ? WHERE id = ?",
            [first_copy.file_hash if first_copy else None,
             first_copy.first_page if first_copy else None, letter_id])

    def release_duplicates_of(self, keys: Iterable[LetterKey]) -> list[LetterKey]:
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

    def letter_id(self, key: LetterKey) -> int | None:
        row = self.db.execute("SELECT id FROM letters WHERE file_hash = ? AND first_page = ?",
                              list(key)).fetchone()
        return int(row[0]) if row else None

    # -- follow-ups (kept in step by people/followup.py) -------------------------------
    # Every lookup here goes by an index: keeping follow-ups in step after one file
    # costs the same with 2,000 letters stored as with 200,000.

    def letter_facts(self, key: LetterKey) -> LetterFacts | None:
        row = self.db.execute(
            "SELECT verdict, department, sender, duplicate_of_hash IS NOT NULL FROM letters "
            "WHERE file_hash = ? AND first_page = ?", list(key),
        ).fetchone()
        return LetterFacts(row[0], row[1], row[2], bool(row[3])) if row else None

    def followup_link(self, key: LetterKey) -> FollowUpLink | None:
        row = self.db.execute(
            "SELECT f.id, f.status, f.department, f.sender FROM followup_letters fl "
            "JOIN followups f ON f.id = fl.followup_id "
            "WHERE fl.file_hash = ? AND fl.first_page = ?", list(key),
        ).fetchone()
        return FollowUpLink(row[0], FollowUpStatus(row[1]), row[2], row[3]) if row else None

    def unlink_letters(self, keys: Iterable[LetterKey]) -> None:
        for key in keys:
            self.db.execute(
                "DELETE FROM followup_letters WHERE file_hash = ? AND first_page = ?", list(key))

    def link_letter(self, key: LetterKey, followup_id: int) -> None:
        self.db.execute(
            "INSERT INTO followup_letters (file_hash, first_page, followup_id) VALUES (?, ?, ?)",
            [key.file_hash, key.first_page, followup_id])

    def open_followup_of(self, department: str | None, sender: str | None) -> int | None:
        """The open follow-up of a sender in a department (sender None: the unknown ones)."""
        row = self.db.execute(
            "SELECT id FROM followups WHERE status = 'open' AND department IS ? "
            "AND sender IS ? ORDER BY id LIMIT 1", [department, sender],
        ).fetchone()
        return int(row[0]) if row else None

    def open_followup(self, department: str | None, sender: str | None) -> int:
        """A new open follow-up, without letters yet; its id."""
        return int(self.db.table("followups").insert(  # type: ignore[arg-type]
            {"department": department, "sender": sender,
             "status": FollowUpStatus.OPEN.value, "opened_at": _now()}
        ).last_pk)

    def drop_open_followups_without_letters(self, followup_ids: Iterable[int]) -> None:
        for followup_id in set(followup_ids):
            self.db.execute(
                "DELETE FROM followups WHERE id = ? AND status = 'open' AND NOT EXISTS "
                "(SELECT 1 FROM followup_letters WHERE followup_id = ?)",
                [followup_id, followup_id])

    def all_letter_keys(self) -> list[LetterKey]:
        """Every stored letter's key and every key a follow-up holds (a full sync's input)."""
        return [LetterKey(*r) for r in self.db.execute(
            "SELECT file_hash, first_page FROM (SELECT id, file_hash, first_page FROM letters "
            "UNION SELECT NULL, file_hash, first_page FROM followup_letters "
            "WHERE NOT EXISTS (SELECT 1 FROM letters l WHERE l.file_hash = "
            "followup_letters.file_hash AND l.first_page = followup_letters.first_page)) "
            "ORDER BY id IS NULL, id, file_hash, first_page").fetchall()]

    def followups(
        self, department: str | None = None, only_open: bool = False,
        ids: Iterable[int] | None = None, with_kinds: bool = True,
    ) -> list[FollowUp]:
        """Follow-ups, open ones first, each with its letters now in the store."""
        where: list[str] = ["1"]
        params: list[object] = []
        if department is not None:
            where.append("lower(coalesce(f.department, ?)) = lower(?)")
            params += [UNKNOWN_DEPARTMENT, department]
        if only_open:
            where.append("f.status = 'open'")
        if ids is not None:
            wanted = sorted(set(ids))
            where.append(f"f.id IN ({','.join('?' * len(wanted))})" if wanted else "0")
            params += wanted
        # The figures come from followup_kinds/followup_days (kept by triggers, see
        # migrations._followup_figures): the count sums a few kinds, first and last
        # day are one index seek each; no letter is read.
        rows = self.db.execute(
            "SELECT f.id, f.department, f.sender, f.status, f.outcome, f.note, f.opened_at, "
            "f.closed_at, "
            "coalesce((SELECT sum(n) FROM followup_kinds k WHERE k.followup_id = f.id), 0), "
            "(SELECT min(scanned_on) FROM followup_days d WHERE d.followup_id = f.id), "
            "(SELECT max(scanned_on) FROM followup_days d WHERE d.followup_id = f.id) "
            "FROM followups f "
            f"WHERE {' AND '.join(where)} "
            "ORDER BY f.status = 'closed', f.department, f.sender, f.id",
            params,
        ).fetchall()
        kinds = self._followup_kinds([r[0] for r in rows if r[8]]) if with_kinds else {}
        result = []
        for r in rows:
            result.append(FollowUp(
                id=r[0], department=r[1], sender=r[2], status=FollowUpStatus(r[3]),
                outcome=Outcome(r[4]) if r[4] else None, note=r[5], opened_at=r[6],
                closed_at=r[7], letters=r[8], first_scanned_on=r[9], last_scanned_on=r[10],
                kinds=ranked(kinds.get(r[0], {})),
            ))
        return result

    def _followup_kinds(self, followup_ids: list[int]) -> dict[int, dict[str, int]]:
        """Per follow-up, its letters now in the store counted by kind (kept at filing)."""
        found: dict[int, dict[str, int]] = {}
        for start in range(0, len(followup_ids), 500):
            chunk = followup_ids[start:start + 500]
            for followup_id, kind, n in self.db.execute(
                "SELECT followup_id, kind, n FROM followup_kinds "
                f"WHERE followup_id IN ({','.join('?' * len(chunk))})", chunk,
            ).fetchall():
                found.setdefault(followup_id, {})[kind or UNKNOWN_KIND] = n
        return found

    def followup_of_letter(self, file_hash: str, first_page: int) -> FollowUp | None:
        row = self.db.execute(
            "SELECT followup_id FROM followup_letters WHERE file_hash = ? AND first_page = ?",
            [file_hash, first_page]).fetchone()
        found = self.followups(ids=[row[0]]) if row else []
        return found[0] if found else None

    def mark_followup_closed(self, followup_id: int, outcome: Outcome, note: str) -> None:
        self.db.table("followups").update(followup_id, {
            "status": FollowUpStatus.CLOSED.value, "outcome": outcome.value,
            "note": _masked(note), "closed_at": _now(),
        })

    # -- digital counts ----------------------------------------------------------------

    def replace_digital_counts(self, counts: list[DigitalCount], source: str) -> list[str]:
        """Store counts; a week in the file replaces everything stored for that week.

        Returns the weeks replaced, in order.
        """
        weeks = sorted({c.week for c in counts})
        with self.transaction():
            for week in weeks:
                self.db.execute("DELETE FROM digital_counts WHERE week = ?", [week])
            now = _now()
            self.db.table("digital_counts").insert_all(
                {**asdict(c), "source": source, "imported_at": now} for c in counts
            )
            self._record_import("digital", source, len(counts))
        return weeks

    def digital_counts(self, weeks: Iterable[str] | None = None) -> list[DigitalCount]:
        rows = self.db.execute(
            "SELECT week, department, digital_letters FROM digital_counts "
            "ORDER BY week, department"
        ).fetchall()
        wanted = set(weeks) if weeks is not None else None
        return [DigitalCount(*r) for r in rows if wanted is None or r[0] in wanted]

    # -- the digests' send log ---------------------------------------------------------

    def digest_sends(self, week: str, department: str | None = None) -> list[DigestSend]:
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

    def record_digest(
        self, week: str, department: str, recipients: Iterable[str], status: DigestStatus,
        message_id: str | None = None, error: str | None = None,
    ) -> None:
        """Log one step of sending a department's digest to these recipients, committed at
        once: `sending` before handing it to the server (counts an attempt), then `sent` or
        `failed`. A crash in between leaves `sending`: not sent as far as a re-run knows."""
        now = _now()
        with self.transaction():
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
                     "attempts": attempts, "updated_at": now, "error": error},
                    pk=("week", "department", "recipient"),
                )
