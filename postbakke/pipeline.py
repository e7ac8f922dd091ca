"""Scan orchestration, readable top to bottom.

file -> pages (ingest, in workers: reading.page_reader) -> letters -> fields (extract)
-> recipient/sender (match) -> verdict -> store, one transaction per file.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

from postbakke.config import Settings
from postbakke.deciding.addressee import match_recipient
from postbakke.deciding.match import Registers, match_sender
from postbakke.deciding.verdict import decide
from postbakke.errors import (
    ConfigError,
    FileAlreadyStored,
    PostbakkeError,
    workspace_fault,
)
from postbakke.letters.extract import ExtractOptions, extract_fields
from postbakke.letters.locate import boxes_as_json, locate_fields
from postbakke.letters.split import split_letters
from postbakke.models import SCANNABLE_SUFFIXES, Letter, Page, RecipientBlock, VerdictKind
from postbakke.people.filing import file_letters
from postbakke.privacy import Pseudonymiser, load_or_create_secret, mask_cpr_in_text
from postbakke.reading.files import content_hash, looks_complete, not_a_scan_reason
from postbakke.reading.page_reader import PageReader
from postbakke.retention import PurgeResult, purge_expired
from postbakke.store import LetterRecord, Store, StoredFile
from postbakke.watch import Handled, Handler

log = logging.getLogger(__name__)


@dataclass
class ScanContext:
    """Everything a scan needs, built once per run."""

    settings: Settings
    store: Store
    pseudonymiser: Pseudonymiser
    registers: Registers
    extract_options: ExtractOptions

    page_reader: PageReader
    registers_version: int = 0

    @classmethod
    def open(cls, settings: Settings, store: Store, workers: int = 1) -> ScanContext:
        """Everything a scan needs; refused (ConfigError) on a workspace that does not
        name its municipality and own CVR (`Settings.missing_municipality`)."""
        missing = settings.missing_municipality()
        if missing is not None:
            raise ConfigError(missing[0].upper() + missing[1:])
        ctx = cls(
            settings=settings,
            store=store,
            page_reader=PageReader(settings, workers),
            pseudonymiser=Pseudonymiser(load_or_create_secret(settings.home, settings.secret)),
            registers=Registers.build([], []),
            extract_options=ExtractOptions(
                own_cvrs=settings.own_cvrs, municipality_name=settings.municipality_name,
                window=settings.envelope_window,
            ),
        )
        ctx.refresh_registers()
        return ctx

    def close(self) -> None:
        self.page_reader.close()

    def __enter__(self) -> ScanContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def refresh_registers(self) -> None:
        """Reload the registers if they were re-imported since (a long-running watch)."""
        version = self.store.registers.version()
        if version != self.registers_version or not self.registers_version:
            self.registers = Registers.build(
                self.store.registers.enrolment_entries(), self.store.registers.staff_members()
            )
            self.registers_version = version


class FileStatus(StrEnum):
    """What became of one scanned file."""

    NEW = "new"  # read and stored, with its letters
    DUPLICATE = "duplicate"  # its content was scanned before: nothing added
    FAILED = "failed"  # set aside with a reason; nothing of it stored


@dataclass
class FileOutcome:
    source: str
    status: FileStatus
    n_pages: int = 0
    letters: list[LetterRecord] = field(default_factory=list)
    reason: str | None = None
    page_problems: list[str] = field(default_factory=list)  # "side 3: <why>", in Danish
    note: str | None = None  # a stored file without letters: why (NO_LETTERS_*), in Danish


@dataclass(frozen=True, slots=True)
class ScanCounts:
    """The figures of one scan run, as its closing table shows them."""

    files: int  # new files read and stored
    duplicates: int
    pages: int  # pages of the new files
    letters: int
    leaks: int
    legitimate: int
    review: int
    failed: int


@dataclass
class ScanSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)
    pages_read: int = 0

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status is FileStatus.FAILED]

    @property
    def letters(self) -> list[LetterRecord]:
        return [letter for o in self.outcomes for letter in o.letters]

    def count(self, verdict: VerdictKind) -> int:
        """Letters of this verdict, copies of letters scanned before left out."""
        return sum(1 for letter in self.letters
                   if letter.verdict == verdict and letter.duplicate_of is None)

    @property
    def copies(self) -> int:
        """Letters that were the same paper as a letter scanned before (not counted)."""
        return sum(1 for letter in self.letters if letter.duplicate_of is not None)

    def counts(self) -> ScanCounts:
        new = [o for o in self.outcomes if o.status is FileStatus.NEW]
        return ScanCounts(
            files=len(new),
            duplicates=sum(1 for o in self.outcomes if o.status is FileStatus.DUPLICATE),
            pages=sum(o.n_pages for o in new),
            letters=len(self.letters),
            leaks=self.count(VerdictKind.LEAK),
            legitimate=self.count(VerdictKind.LEGITIMATE),
            review=self.count(VerdictKind.REVIEW),
            failed=len(self.failed),
        )


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; folders walked in name order, every file but hidden ones.

    A file in a folder that is not a scan by its name (a .docx, a .odt) is still
    yielded: `scan` names it ("ikke en scanning: ...") instead of passing it over.
    """
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden:
                    yield child
        else:
            yield path


NO_LETTERS_BLANK = "ingen breve (kun blanke sider)"
NO_LETTERS_NO_TEXT = "ingen breve (ingen læsbar tekst på siderne)"


def no_letters_note(pages: list[Page]) -> str:
    """Why a stored file gave no letters, in Danish: blank pages only, or no text read."""
    if all(page.is_blank or page.is_separator for page in pages):
        return NO_LETTERS_BLANK
    return NO_LETTERS_NO_TEXT


def printed_block(block: RecipientBlock) -> RecipientBlock | None:
    """The recipient block as printed, for the work station's register suggestions.

    CPR numbers are masked as in the stored OCR text: OCR may read one into a
    name or street line. None when the window held no address.
    """
    lines = {"name": block.name, "attention": block.attention, "street": block.street,
             "postcode": block.postcode, "city": block.city}
    if not any(lines.values()):
        return None
    masked = {key: mask_cpr_in_text(text) if text else None for key, text in lines.items()}
    return RecipientBlock(name=masked["name"], attention=masked["attention"],
                          street=masked["street"], postcode=masked["postcode"],
                          city=masked["city"])


def assess_letter(
    letter: Letter, ctx: ScanContext, tray: str | None, scanned_on: date, file_hash: str
) -> LetterRecord:
    fields = extract_fields(letter, ctx.extract_options)
    recipient = match_recipient(fields, ctx.registers, ctx.pseudonymiser, scanned_on)
    sender = match_sender(fields, ctx.registers, tray)
    verdict = decide(recipient, fields.physical_enclosure, fields.unplaced_enclosure)
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
        recipient_kind=recipient.kind if identified else None,
        recipient_pseudonym=recipient.pseudonym if identified else None,
        recipient_masked=recipient.masked if identified else None,
        match=recipient.method,
        enrolment=recipient.enrolment,
        department=sender.department,
        sender=sender.name,
        verdict=verdict.kind,
        reason=verdict.reason,
        window_cpr=fields.window_cpr,
        evidence=mask_cpr_in_text(recipient.evidence) if recipient.evidence else None,
        subject=mask_cpr_in_text(fields.subject) if fields.subject else None,
        ocr_text=mask_cpr_in_text("\n\f".join(p.text for p in letter.pages)),
        image_paths=[p.image_path for p in letter.pages if p.image_path],
        recipient_block=printed_block(fields.recipient_block),
        field_boxes=boxes_as_json(locate_fields(letter.pages, fields)),
        physical_enclosure=fields.physical_enclosure,
        unplaced_enclosure=fields.unplaced_enclosure,
    )


def store_file(
    path: Path, file_hash: str, pages: list[Page], ctx: ScanContext, tray: str | None,
    scanned_on: date,
) -> FileOutcome:
    """Pages -> letters -> verdicts, stored with the file in one transaction."""
    source = mask_cpr_in_text(path.name)  # a file named after a CPR is stored masked
    letters = [
        assess_letter(letter, ctx, tray, scanned_on, file_hash)
        for letter in split_letters(pages, source)
    ]
    letters = file_letters(
        ctx.store,
        StoredFile(
            hash=file_hash, source=source, tray=tray, scanned_on=scanned_on.isoformat(),
            n_pages=len(pages), processed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        ),
        letters, ctx.settings.duplicate_window_days,
    )
    return FileOutcome(
        source=source, status=FileStatus.NEW, n_pages=len(pages), letters=letters,
        page_problems=[f"side {p.number}: {p.error}" for p in pages if p.error],
        note=None if letters else no_letters_note(pages),
    )


def _failed(ctx: ScanContext, path: Path, file_hash: str | None, reason: str) -> FileOutcome:
    source, reason = mask_cpr_in_text(path.name), mask_cpr_in_text(reason)
    try:
        ctx.store.files.record_failure(source, file_hash, reason)
    except Exception as error:
        fault = workspace_fault(error)
        if fault is None:
            raise
        raise fault from error
    return FileOutcome(source=source, status=FileStatus.FAILED, reason=reason)


def scan(
    paths: Iterable[Path], ctx: ScanContext, tray: str | None, scanned_on: date,
    on_pages: Callable[[int], None] | None = None,
) -> Iterator[FileOutcome]:
    """Scan each file, in order; a file that cannot be read is set aside and the rest goes on.

    A file whose content was scanned before (under any name) adds nothing. Pages
    are OCR'd in the context's worker processes; `on_pages(n)` hears of pages as
    they are read, for a progress bar.
    """
    new: list[tuple[Path, str]] = []
    seen: set[str] = set()
    paths = list(paths)
    given = set(paths)
    for path in expand_paths(paths):
        if path not in given and path.suffix.lower() not in SCANNABLE_SUFFIXES:
            yield _failed(ctx, path, None, not_a_scan_reason(path))
            continue
        try:
            file_hash = content_hash(path)
        except OSError as error:
            yield _failed(ctx, path, None, f"filen kunne ikke læses ({error.strerror or error})")
            continue
        if file_hash in seen or ctx.store.files.get(file_hash) is not None:
            yield FileOutcome(source=mask_cpr_in_text(path.name),
                              status=FileStatus.DUPLICATE)
            continue
        seen.add(file_hash)
        new.append((path, file_hash))
    for task, pages_or_reason in ctx.page_reader.read(new, on_pages):
        path, file_hash = task
        if isinstance(pages_or_reason, str):
            yield _failed(ctx, path, file_hash, pages_or_reason)
            continue
        try:
            yield store_file(path, file_hash, pages_or_reason, ctx, tray, scanned_on)
        except FileAlreadyStored:
            # stored meanwhile by another process (the same file scanned twice at once)
            yield FileOutcome(source=path.name, status=FileStatus.DUPLICATE)
        except PostbakkeError:
            raise  # a problem of the workspace, not of this file: stop and say so
        except Exception as error:
            fault = workspace_fault(error)
            if fault is not None:
                raise fault from error  # locked or full database: stop, set nothing aside
            if isinstance(error, sqlite3.DatabaseError):
                raise
            # A bug met on one file's pages must not cost the rest of the tray:
            # the file is set aside (nothing of it stored) and can be re-scanned.
            log.exception("uventet fejl i %s", path.name)
            yield _failed(ctx, path, file_hash,
                          f"uventet fejl under læsningen ({type(error).__name__})")


def scan_one(path: Path, ctx: ScanContext, tray: str | None, scanned_on: date) -> FileOutcome:
    """Scan one file (the watch folder's unit of work)."""
    return next(iter(scan([path], ctx, tray, scanned_on)))


NOT_COMPLETE = "filen er endnu ikke færdigskrevet af scanneren"


def make_scan_handler(
    ctx: ScanContext,
    on_purge: Callable[[PurgeResult], None] | None = None,
    today: Callable[[], date] = date.today,
    watch_folder: Path | None = None,
) -> Handler:
    """The watch folder's handler: purge what is past retention, pick up re-imported
    registers, scan the file, and say in a few Danish words what came of it.

    A watch runs for weeks, so each file first clears expired page images and OCR
    text (`on_purge` hears of it) and reloads registers imported since the last file.
    """

    def handle(path: Path, tray: str | None) -> Handled:
        unknown = ctx.store.files.get(content_hash(path)) is None
        if unknown and not looks_complete(path):
            return Handled(ok=False, later=True, reason=NOT_COMPLETE)
        ctx.refresh_registers()
        purged = purge_expired(ctx.store, ctx.settings, watch_folder=watch_folder)
        if on_purge is not None:
            on_purge(purged)
        outcome = scan_one(path, ctx, tray, today())
        if outcome.status is FileStatus.FAILED:
            return Handled(ok=False, reason=outcome.reason)
        if outcome.status is FileStatus.DUPLICATE:
            return Handled(ok=True, message="allerede scannet, intet tilføjet")
        if outcome.note:
            return Handled(ok=True, message=outcome.note)
        leaks = sum(1 for letter in outcome.letters if letter.verdict == VerdictKind.LEAK)
        return Handled(ok=True, message=f"{len(outcome.letters)} breve, {leaks} læk")

    return handle
