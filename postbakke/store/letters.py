"""Letters as stored: the record, its row, and the look-ups by id and by filter.

A letter's identity is its file's content hash and its first page (`LetterKey`).
The tables that must outlive a letter's row (a person's review decision, a closed
follow-up's letters) refer to it by that pair, so a letter stored again (after its
file's letters were removed and the file scanned anew) gets them back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, NamedTuple

from postbakke.models import (
    UNKNOWN_DEPARTMENT,
    Enrolment,
    IdKind,
    MatchMethod,
    Reason,
    RecipientBlock,
    VerdictKind,
)
from postbakke.store.connection import Repository, json_or_null, masked


class LetterKey(NamedTuple):
    file_hash: str
    first_page: int


@dataclass(frozen=True, slots=True)
class LetterRecord:
    """One letter as stored and exported (the contract's `letters` fields and a few more)."""

    file_hash: str
    source: str
    pages: list[int]
    tray: str | None
    scanned_on: str
    recipient_kind: IdKind | None
    recipient_pseudonym: str | None
    recipient_masked: str | None
    match: MatchMethod | None
    enrolment: Enrolment | None
    department: str | None
    sender: str | None
    verdict: VerdictKind
    reason: Reason
    window_cpr: bool
    evidence: str | None = None  # why the recipient was (not) found, for the reviewer
    subject: str | None = None
    ocr_text: str | None = None  # CPR numbers masked
    image_paths: list[str] | None = None
    # The recipient block as printed (its name, attention, street, postcode and city
    # lines, CPR numbers masked): personal data like the OCR text, cleared with it by
    # retention.
    recipient_block: RecipientBlock | None = None
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


EXPORT_FIELDS = (
    "source", "pages", "tray", "scanned_on", "recipient_kind", "recipient_pseudonym",
    "recipient_masked", "match", "enrolment", "department", "sender", "verdict", "reason",
    "window_cpr", "duplicate_of",
)

# The lines of the recipient block kept with a letter (letters.recipient_block, JSON).
PRINTED_LINES = ("name", "attention", "street", "postcode", "city")
# Letter columns holding free text read off the page or the file system.
_FREE_TEXT_COLUMNS = ("source", "subject", "evidence", "ocr_text")
_RECORD_FIELDS = tuple(f.name for f in fields(LetterRecord))


def block_json(block: RecipientBlock | None) -> str | None:
    """The printed lines of a recipient block as stored: JSON, CPR numbers masked."""
    if block is None:
        return None
    return json_or_null({name: masked(getattr(block, name)) for name in PRINTED_LINES})


def block_of_json(text: str | None) -> RecipientBlock | None:
    if not text:
        return None
    lines = json.loads(text)
    return RecipientBlock(**{name: lines.get(name) for name in PRINTED_LINES})


def _flag(value: object) -> bool | None:
    return None if value is None else bool(value)


def letter_row(letter: LetterRecord, created_at: str) -> dict[str, object]:
    """The `letters` row of a record: lists and dicts as JSON, free text masked. The OCR
    text, the printed recipient block and the field outlines are not in it: retention
    clears them, so they are kept in letter_texts (`text_row`), whose rows are deleted
    then, instead of leaving holes in the letters' pages."""
    row: dict[str, object] = {name: getattr(letter, name) for name in _RECORD_FIELDS}
    row["pages"] = json.dumps(letter.pages)
    row["first_page"] = letter.first_page
    row["window_cpr"] = int(letter.window_cpr)
    for name in ("physical_enclosure", "unplaced_enclosure"):
        flag = getattr(letter, name)
        row[name] = None if flag is None else int(flag)
    row["image_paths"] = json.dumps(letter.image_paths or [])
    del row["recipient_block"], row["field_boxes"]  # kept in letter_texts (`text_row`)
    del row["duplicate_of"]
    first_copy = letter.duplicate_of
    row["duplicate_of_hash"], row["duplicate_of_page"] = first_copy or (None, None)
    row["created_at"] = created_at
    del row["ocr_text"]  # masked once, by text_row
    for name in _FREE_TEXT_COLUMNS:
        if name != "ocr_text":
            row[name] = masked(getattr(letter, name))
    return row


def text_row(letter_id: int, letter: LetterRecord, created_at: str) -> dict[str, object] | None:
    """The `letter_texts` row of a stored letter: what retention clears (the OCR text and
    the printed recipient block after `letter_text` days, the field outlines with the page
    images), masked; None: the letter has none of it."""
    row = {"letter_id": letter_id, "created_at": created_at,
           "ocr_text": masked(letter.ocr_text) if letter.ocr_text is not None else None,
           "recipient_block": block_json(letter.recipient_block),
           "field_boxes": json_or_null(letter.field_boxes)}
    if row["ocr_text"] is None and row["recipient_block"] is None and row["field_boxes"] is None:
        return None
    return row


# SQL: a letter's columns (alias l) with what letter_texts keeps of it, as `letter_record`
# reads them (a letter stored before schema step 11 (text) or 16 (block, outlines) may
# still hold them in its own row).
LETTER_WITH_TEXT = ("SELECT l.*, coalesce(t.ocr_text, l.ocr_text) AS ocr_text, "
                    "coalesce(t.recipient_block, l.recipient_block) AS recipient_block, "
                    "coalesce(t.field_boxes, l.field_boxes) AS field_boxes FROM letters l "
                    "LEFT JOIN letter_texts t ON t.letter_id = l.id")


def letter_record(row: dict[str, Any]) -> LetterRecord:
    """The record of a `letters` row (the inverse of `letter_row`)."""
    values = {name: row[name] for name in _RECORD_FIELDS if name != "duplicate_of"}
    values.update(
        pages=json.loads(row["pages"]),
        window_cpr=bool(row["window_cpr"]),
        recipient_kind=IdKind(row["recipient_kind"]) if row["recipient_kind"] else None,
        match=MatchMethod(row["match"]) if row["match"] else None,
        enrolment=Enrolment(row["enrolment"]) if row["enrolment"] else None,
        verdict=VerdictKind(row["verdict"]),
        reason=Reason(row["reason"]),
        image_paths=json.loads(row["image_paths"] or "[]"),
        recipient_block=block_of_json(row["recipient_block"]),
        field_boxes=json.loads(row["field_boxes"]) if row["field_boxes"] is not None else None,
        duplicate_of=LetterKey(row["duplicate_of_hash"], row["duplicate_of_page"])
        if row["duplicate_of_hash"] is not None else None,
        physical_enclosure=_flag(row["physical_enclosure"]),
        unplaced_enclosure=_flag(row["unplaced_enclosure"]),
    )
    return LetterRecord(**values)


class Letters(Repository):
    """One letter by id or key, the letters by filter, the export; a letter's fields set."""

    def get(self, letter_id: int) -> LetterRecord | None:
        cursor = self.db.execute(f"{LETTER_WITH_TEXT} WHERE l.id = ?", [letter_id])
        row = cursor.fetchone()
        if row is None:
            return None
        # l.* holds the old columns too; the last one of each name (letter_texts') wins
        return letter_record(dict(zip([c[0] for c in cursor.description], row, strict=True)))

    def id_of(self, key: LetterKey) -> int | None:
        row = self.db.execute("SELECT id FROM letters WHERE file_hash = ? AND first_page = ?",
                              list(key)).fetchone()
        return int(row[0]) if row else None

    def update(self, letter_id: int, changes: dict) -> None:
        """Set some of a letter's fields (a decision, or one undone)."""
        self.db.table("letters").update(letter_id, changes)

    def export(self) -> Iterator[dict]:
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

    def sender_names(self) -> list[str]:
        """Every sender named on a stored letter, once each."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT sender FROM letters WHERE sender IS NOT NULL ORDER BY sender")]

    def find(
        self, *, department: str | None = None, sender: str | None = None,
        verdict: str | None = None, start: date | None = None, end: date | None = None,
        before_id: int | None = None, limit: int = 50, senders: list[str] | None = None,
    ) -> list[dict]:
        """Letters matching the filters, newest first, a page at a time (keyset on id);
        `senders`: any of these senders (an empty list matches none)."""
        where, params = ["1"], []  # type: list[str], list[object]
        if senders is not None:
            where.append(f"sender IN ({', '.join('?' * len(senders)) or 'NULL'})")
            params += senders
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
