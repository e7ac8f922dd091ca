"""Scan orchestration, readable top to bottom.

file -> pages (ingest) -> letters -> fields (extract) -> recipient/sender (match)
-> verdict -> store, one transaction per file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from postbakke import ids, ingest
from postbakke.config import Settings
from postbakke.errors import InputFileError
from postbakke.extract import ExtractOptions, extract_fields
from postbakke.match import Registers, match_recipient, match_sender
from postbakke.models import Letter, Page, VerdictKind
from postbakke.privacy import Pseudonymiser, load_or_create_secret
from postbakke.store import LetterRecord, Store, StoredFile
from postbakke.verdict import decide

log = logging.getLogger(__name__)

SCANNABLE_SUFFIXES = {".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg"}


@dataclass
class ScanContext:
    """Everything a scan needs, built once per run."""

    settings: Settings
    store: Store
    pseudonymiser: Pseudonymiser
    registers: Registers
    extract_options: ExtractOptions

    registers_version: int = 0

    @classmethod
    def open(cls, settings: Settings, store: Store) -> ScanContext:
        ctx = cls(
            settings=settings,
            store=store,
            pseudonymiser=Pseudonymiser(load_or_create_secret(settings.home)),
            registers=Registers.build([], []),
            extract_options=ExtractOptions(
                own_cvrs=settings.own_cvrs, municipality_name=settings.municipality_name
            ),
        )
        ctx.refresh_registers()
        return ctx

    def refresh_registers(self) -> None:
        """Reload the registers if they were re-imported since (a long-running watch)."""
        version = self.store.registers_version()
        if version != self.registers_version or not self.registers_version:
            self.registers = Registers.build(
                self.store.enrolment_entries(), self.store.staff_members()
            )
            self.registers_version = version


@dataclass
class FileOutcome:
    source: str
    status: str  # "new", "duplicate" or "failed"
    n_pages: int = 0
    letters: list[LetterRecord] = field(default_factory=list)
    reason: str | None = None


@dataclass
class ScanSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def letters(self) -> list[LetterRecord]:
        return [letter for o in self.outcomes for letter in o.letters]

    def count(self, verdict: VerdictKind) -> int:
        return sum(1 for letter in self.letters if letter.verdict == verdict.value)


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; folders walked in name order for the scannable file types."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SCANNABLE_SUFFIXES:
                    yield child
        else:
            yield path


def letters_of(pages: list[Page], source: str) -> list[Letter]:
    """One file, one letter (tray batches are split in a later stage); blank pages dropped."""
    content = [p for p in pages if p.words or p.error]
    return [Letter(source=source, pages=tuple(content))] if content else []


def assess_letter(
    letter: Letter, ctx: ScanContext, tray: str | None, scanned_on: date, file_hash: str
) -> LetterRecord:
    fields = extract_fields(letter, ctx.extract_options)
    recipient = match_recipient(fields, ctx.registers, ctx.pseudonymiser, scanned_on)
    sender = match_sender(fields, ctx.registers, tray)
    verdict = decide(recipient, fields.physical_enclosure)
    log.info(
        "%s sider %s: %s/%s (%s)", letter.source, letter.page_numbers,
        verdict.kind.value, verdict.reason.value, recipient.evidence,
    )
    identified = recipient.problem is None and (recipient.method or recipient.printed_id)
    return LetterRecord(
        file_hash=file_hash,
        source=letter.source,
        pages=letter.page_numbers,
        tray=tray,
        scanned_on=scanned_on.isoformat(),
        recipient_kind=recipient.kind.value if identified and recipient.kind else None,
        recipient_pseudonym=recipient.pseudonym if identified else None,
        recipient_masked=recipient.masked if identified else None,
        match=recipient.method.value if recipient.method else None,
        enrolment=recipient.enrolment.value if recipient.enrolment else None,
        department=sender.department,
        sender=sender.name,
        verdict=verdict.kind.value,
        reason=verdict.reason.value,
        window_cpr=fields.window_cpr,
        evidence=recipient.evidence,
        subject=ids.mask_cpr_in_text(fields.subject) if fields.subject else None,
        ocr_text=ids.mask_cpr_in_text("\n\f".join(p.text for p in letter.pages)),
        image_paths=[p.image_path for p in letter.pages if p.image_path],
    )


def scan_file(path: Path, ctx: ScanContext, tray: str | None, scanned_on: date) -> FileOutcome:
    source = path.name
    file_hash = ingest.content_hash(path)
    if ctx.store.known_file(file_hash) is not None:
        return FileOutcome(source=source, status="duplicate")
    workdir = ctx.settings.pages_dir / file_hash[:16]
    pages = ingest.read_pages(
        path, workdir, timeout_s=ctx.settings.page_timeout_s, dpi=ctx.settings.ocr_dpi
    )
    letters = [
        assess_letter(letter, ctx, tray, scanned_on, file_hash)
        for letter in letters_of(pages, source)
    ]
    ctx.store.save_file(
        StoredFile(
            hash=file_hash, source=source, tray=tray, scanned_on=scanned_on.isoformat(),
            n_pages=len(pages), processed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        ),
        letters,
    )
    return FileOutcome(source=source, status="new", n_pages=len(pages), letters=letters)


def scan_one(path: Path, ctx: ScanContext, tray: str | None, scanned_on: date) -> FileOutcome:
    """Scan one file; a file that cannot be read is recorded as failed, with its reason."""
    try:
        return scan_file(path, ctx, tray, scanned_on)
    except InputFileError as error:
        reason = error.reason
    except OSError as error:
        reason = f"filen kunne ikke læses ({error.strerror or error})"
    ctx.store.record_failure(path.name, None, reason)
    return FileOutcome(source=path.name, status="failed", reason=reason)


def scan(
    paths: Iterable[Path], ctx: ScanContext, tray: str | None, scanned_on: date
) -> Iterator[FileOutcome]:
    """Scan each file; a file that cannot be read is set aside and the rest goes on."""
    for path in expand_paths(paths):
        yield scan_one(path, ctx, tray, scanned_on)
