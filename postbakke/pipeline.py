"""Scan orchestration, readable top to bottom.

file -> pages (ingest) -> letters -> fields (extract) -> recipient/sender (match)
-> verdict -> store, one transaction per file.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
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
    InputFileError,
    PostbakkeError,
    workspace_fault,
)
from postbakke.letters.extract import ExtractOptions, extract_fields
from postbakke.letters.locate import boxes_as_json, locate_fields
from postbakke.letters.split import split_letters
from postbakke.models import (
    A4_HEIGHT_MM,
    A4_WIDTH_MM,
    SCANNABLE_SUFFIXES,
    Letter,
    Page,
    RecipientBlock,
    VerdictKind,
)
from postbakke.people.filing import file_letters
from postbakke.privacy import Pseudonymiser, load_or_create_secret, mask_cpr_in_text
from postbakke.reading import ingest
from postbakke.reading.pool import JobError, JobTimeout, WorkerDied, WorkerPool
from postbakke.retention import PurgeResult, purge_expired
from postbakke.store import LetterRecord, Store, StoredFile
from postbakke.watch import Handled, Handler, not_a_scan_reason

log = logging.getLogger(__name__)


# Seconds a worker may run past a page's own OCR limit before it is killed: the OCR
# limit (Tesseract's own monitor) comes first and keeps what was read; this catches
# what it cannot reach (OpenCV, zxing, pdfium stuck in C). A normal page takes ~1 s.
KILL_GRACE_S = 5.0
# Seconds per page allowed for parsing a PDF's text layers (pdfplumber) in a worker:
# the generated letters took 40-120 ms a page, a scanner's image-only page ~10 ms.
PDF_PARSE_S_PER_PAGE = 1.0

PAGE_KILLED = "siden tog mere end {seconds:g} sekunder og blev afbrudt"
PAGE_CRASHED = "side {number} fik læseprocessen til at gå ned ({how})"
PAGE_FAILED = "uventet fejl under læsningen af side {number} ({kind})"
PDF_PARSE_KILLED = "PDF-filen kunne ikke læses inden for {seconds:g} sekunder"
PDF_PARSE_CRASHED = "PDF-filen fik læseprocessen til at gå ned ({how})"


def _error_kind(error: BaseException) -> str:
    if isinstance(error, JobError):
        return f"{error.kind}: {error.text}" if error.text else error.kind
    strerror = getattr(error, "strerror", None)
    return f"{type(error).__name__}: {strerror}" if strerror else type(error).__name__


def page_outcome(number: int, error: BaseException, limit_s: float) -> Page | str:
    """What a page's failure in its worker means: a page kept with a warning (over its
    time limit: its letter goes to review), or the file's reason for being set aside.

    Raises a workspace fault (disk full, model missing) instead: not the file's fault.
    """
    fault = workspace_fault(error)
    if fault is not None:
        raise fault from error
    if isinstance(error, JobTimeout):
        return Page(number=number, words=(), width_mm=A4_WIDTH_MM, height_mm=A4_HEIGHT_MM,
                    method="ocr", error=PAGE_KILLED.format(seconds=limit_s))
    if isinstance(error, WorkerDied):
        return PAGE_CRASHED.format(number=number, how=error.how)
    if isinstance(error, InputFileError):
        return error.reason
    return PAGE_FAILED.format(number=number, kind=_error_kind(error))


@dataclass
class _FileInFlight:
    task: tuple[Path, str]  # (path, content hash)
    slots: list[Page | tuple[int, Future[Page]]] = field(default_factory=list)
    error: str | None = None
    listed: bool = False  # all its pages have been handed out
    reported: int = 0  # OCR'd pages already told to the progress bar

    def futures(self) -> list[Future[Page]]:
        return [s[1] for s in self.slots if isinstance(s, tuple)]

    def pending(self) -> list[Future[Page]]:
        return [f for f in self.futures() if not f.done()]


class PageReader:
    """Reads files' pages in order, OCR'ing raster pages in worker processes.

    Pages of one file and of the next ones are OCR'd side by side, so a tray of
    one-page files keeps every core as busy as one long batch does; at most
    `IN_FLIGHT_PER_WORKER` page images per worker wait in memory.

    Every page's work in a worker (rendering, cleaning, orientation, barcodes, OCR)
    runs within `page_timeout_s + KILL_GRACE_S`; a PDF's text layers are parsed in
    a worker too, within `PDF_PARSE_S_PER_PAGE` a page. A page over its limit is
    kept as an unread page with a warning (its letter goes to review); a page whose
    worker dies or raises sets its own file aside, and only that file.

    `workers=0` reads everything in this process, without those limits (library
    use and tests with a fake OCR engine).
    """

    IN_FLIGHT_PER_WORKER = 2

    def __init__(self, settings: Settings, workers: int = 0) -> None:
        self.settings = settings
        self.workers = max(0, workers)
        self._pool: WorkerPool | None = None
        self._report: Callable[[int], None] = lambda n: None

    @property
    def page_limit_s(self) -> float:
        return self.settings.page_timeout_s + KILL_GRACE_S

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _workers(self) -> WorkerPool:
        if self._pool is None:
            self._pool = WorkerPool(self.workers)
        return self._pool

    def _parse_pdf(self, path: Path, n_pages: int) -> ingest.PdfLayers:
        if not self.workers:
            return ingest.pdf_text_layers(path)
        limit = self.settings.page_timeout_s + PDF_PARSE_S_PER_PAGE * n_pages
        try:
            layers: ingest.PdfLayers = self._workers().run(ingest.pdf_text_layers, path, limit)
        except JobTimeout as error:
            raise InputFileError(path.name, PDF_PARSE_KILLED.format(seconds=limit)) from error
        except WorkerDied as error:
            raise InputFileError(path.name, PDF_PARSE_CRASHED.format(how=error.how)) from error
        return layers

    def _read_here(self, job: ingest.RasterJob) -> Page | str:
        try:
            return job.read()
        except Exception as error:
            return page_outcome(job.number, error, self.settings.page_timeout_s)

    def _collect(self, item: _FileInFlight) -> list[Page] | str:
        if item.error:
            return item.error
        pages: list[Page] = []
        for slot in item.slots:
            if isinstance(slot, Page):
                pages.append(slot)
                continue
            number, future = slot
            try:
                pages.append(future.result())
            except Exception as error:
                outcome = page_outcome(number, error, self.page_limit_s)
                if isinstance(outcome, str):
                    return outcome
                pages.append(outcome)
        return pages

    def read(
        self, tasks: Iterable[tuple[Path, str]],
        on_pages: Callable[[int], None] | None = None,
    ) -> Iterator[tuple[tuple[Path, str], list[Page] | str]]:
        """(task, pages) per file in the given order; a reason instead of pages if it failed.

        Raises a workspace fault (WorkspaceError, MissingDependencyError): the files
        in hand are then neither stored nor set aside.
        """
        report = self._report = on_pages or (lambda n: None)
        window = self.IN_FLIGHT_PER_WORKER * max(1, self.workers)
        queue: deque[_FileInFlight] = deque()

        def finished() -> Iterator[tuple[tuple[Path, str], list[Page] | str]]:
            while queue and queue[0].listed and not queue[0].pending():
                item = queue.popleft()
                yield item.task, self._collect(item)

        def wait_for_oldest() -> None:
            pending = next((p for item in queue for p in item.pending()), None)
            if pending is not None:
                wait([pending], return_when=FIRST_COMPLETED)
            for item in queue:
                done = sum(1 for f in item.futures() if f.done())
                report(done - item.reported)
                item.reported = done

        try:
            for task in tasks:
                item = _FileInFlight(task)
                queue.append(item)
                yield from self._list_pages(item, queue, window, wait_for_oldest, finished)
                if item.error:
                    for future in item.futures():
                        future.cancel()
                item.listed = True
                yield from finished()
            while queue:
                wait_for_oldest()
                yield from finished()
        finally:
            for item in queue:
                for future in item.futures():
                    future.cancel()

    def _list_pages(
        self, item: _FileInFlight, queue: deque[_FileInFlight], window: int,
        wait_for_oldest: Callable[[], None],
        finished: Callable[[], Iterator[tuple[tuple[Path, str], list[Page] | str]]],
    ) -> Iterator[tuple[tuple[Path, str], list[Page] | str]]:
        """Hand out one file's pages (read here, or submitted to the workers); yields the
        earlier files that finish meanwhile."""
        report = self._report
        path, file_hash = item.task
        try:
            for source in ingest.page_sources(
                path, self.settings.pages_dir / file_hash[:16],
                timeout_s=self.settings.page_timeout_s, dpi=self.settings.ocr_dpi,
                max_pages=self.settings.max_pages, parse=self._parse_pdf,
                fault=self.settings.test_fault, separator_text=self.settings.separator_text,
            ):
                if isinstance(source, Page):
                    item.slots.append(source)
                    report(1)
                elif not self.workers:
                    page = self._read_here(source)
                    if isinstance(page, str):
                        item.error = page
                        return
                    item.slots.append(page)
                    report(1)
                else:
                    while sum(len(i.pending()) for i in queue) >= window:
                        wait_for_oldest()
                        yield from finished()
                    item.slots.append((source.number, self._workers().submit(
                        ingest.read_raster_job, source, self.page_limit_s)))
        except InputFileError as error:
            item.error = error.reason
        except Exception as error:
            fault = workspace_fault(error)
            if fault is not None:
                raise fault from error
            if isinstance(error, OSError):
                item.error = f"filen kunne ikke læses ({error.strerror or error})"
            else:
                log.exception("uventet fejl i %s", path.name)
                item.error = f"filen kunne ikke læses (uventet fejl: {type(error).__name__})"


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
            file_hash = ingest.content_hash(path)
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
        unknown = ctx.store.files.get(ingest.content_hash(path)) is None
        if unknown and not ingest.looks_complete(path):
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
