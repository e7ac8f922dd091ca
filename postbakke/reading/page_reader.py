"""Files' pages read in order, raster pages OCR'd side by side in worker processes.

The reading stage of a scan (file -> pages) at the speed of every core: `ingest` lists
a file's pages, this hands the raster pages to the worker pool (`pool`) within their
time limits and gives back each file's pages, or the reason it is set aside, in the
order the files came.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

from postbakke.config import Settings
from postbakke.errors import InputFileError, workspace_fault
from postbakke.models import A4_HEIGHT_MM, A4_WIDTH_MM, Page
from postbakke.reading import ingest
from postbakke.reading.pdf import PdfLayers, pdf_text_layers
from postbakke.reading.pool import JobError, JobTimeout, WorkerDied, WorkerPool
from postbakke.reading.raster import RasterJob, read_raster_job

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

    def _parse_pdf(self, path: Path, n_pages: int) -> PdfLayers:
        if not self.workers:
            return pdf_text_layers(path)
        limit = self.settings.page_timeout_s + PDF_PARSE_S_PER_PAGE * n_pages
        try:
            layers: PdfLayers = self._workers().run(pdf_text_layers, path, limit)
        except JobTimeout as error:
            raise InputFileError(path.name, PDF_PARSE_KILLED.format(seconds=limit)) from error
        except WorkerDied as error:
            raise InputFileError(path.name, PDF_PARSE_CRASHED.format(how=error.how)) from error
        return layers

    def _read_here(self, job: RasterJob) -> Page | str:
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
                        read_raster_job, source, self.page_limit_s)))
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
