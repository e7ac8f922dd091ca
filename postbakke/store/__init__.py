"""The SQLite workspace database (sqlite-utils, WAL): with migrations.py, the only SQL writer.

No CPR number in clear ever enters it: register IDs are stored as keyed
pseudonyms and masked forms, stored OCR text is masked before it gets here.

`Store` is the connection (`db`, `transaction()`, `close()`) with one repository
per concern, each a module of this package:

    store.files       scanned files and files set aside        (files.py)
    store.letters     a letter by id, by filter, the export    (letters.py)
    store.review      the review queue and postponed letters   (review.py)
    store.decisions   people's decisions and the decision log  (decisions.py)
    store.copies      the same paper scanned again             (copies.py)
    store.followups   follow-ups and their letters             (followups.py)
    store.registers   enrolment, staff, digital counts         (registers.py)
    store.figures     the counts of the report and overviews   (figures.py)
    store.digests     the digests' send log                    (digests.py)
    store.audit       the audit log and a person's data        (audit.py)
    store.users       the work station's users                 (users.py)
    store.retention   personal content found by age, cleared   (retention.py)

The store knows no review or follow-up rule: it stores, finds and changes rows.
people/review.py re-applies and applies decisions, people/followup.py keeps the
follow-ups in step, people/filing.py stores a scanned file's letters with both;
they call the store inside one `transaction()`.
"""

from __future__ import annotations

from pathlib import Path

from postbakke.store.audit import Audit
from postbakke.store.connection import Connection
from postbakke.store.copies import Copies, StoredLetter
from postbakke.store.decisions import Decisions
from postbakke.store.digests import Digests, DigestSend, DigestStatus
from postbakke.store.figures import DepartmentCounts, Figures
from postbakke.store.files import Files, StoredFile
from postbakke.store.followups import FollowUpLink, FollowUps, LetterFacts
from postbakke.store.letters import EXPORT_FIELDS, LetterKey, LetterRecord, Letters
from postbakke.store.registers import Registers
from postbakke.store.retention import Retention
from postbakke.store.review import Review
from postbakke.store.users import Users

__all__ = [
    "EXPORT_FIELDS", "DepartmentCounts", "DigestSend", "DigestStatus", "FollowUpLink",
    "LetterFacts", "LetterKey", "LetterRecord", "Store", "StoredFile", "StoredLetter",
]


class Store(Connection):
    """The workspace database at `path`: opened (and upgraded) once, shared by its
    repositories, which all write through this one connection and its transactions."""

    def __init__(self, path: Path, busy_timeout_ms: int | None = None) -> None:
        super().__init__(path, busy_timeout_ms)
        self.files = Files(self)
        self.letters = Letters(self)
        self.review = Review(self)
        self.decisions = Decisions(self)
        self.copies = Copies(self)
        self.followups = FollowUps(self)
        self.registers = Registers(self)
        self.figures = Figures(self)
        self.digests = Digests(self)
        self.audit = Audit(self)
        self.users = Users(self)
        self.retention = Retention(self)
