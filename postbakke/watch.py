"""Watch a scan-to-folder directory: hand each finished file over, then file it away.

Office scanners write a file in place while they scan, so a file is handed over
only once its size and mtime have stayed the same for `settle_s`. After the
handler has spoken, the original goes to `behandlet/YYYY-MM-DD/` or, if it could
not be read, to `fejlet/` with a `.txt` beside it giving the reason. A sub-folder
of the watched folder names the tray the letters came from.

Restarts are safe because the original is only moved *after* the handler is done:
a file still in the folder has not been filed away, and the handler (content hash
in the database) reports a re-handled file as a duplicate.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from postbakke.errors import workspace_fault
from postbakke.models import SCANNABLE_SUFFIXES
from postbakke.privacy import mask_cpr_in_text
from postbakke.reading.files import not_a_scan_reason

log = logging.getLogger(__name__)

DONE_DIR = "behandlet"
FAILED_DIR = "fejlet"
# Names scanners and Office use while a file is still being written.
TEMPORARY_SUFFIXES = frozenset({".tmp", ".part"})
# Seconds between two looks at the folder; a scan is seldom waited on by anyone.
DEFAULT_POLL_S = 2.0
# Seconds a file's size and mtime must stay unchanged before it is handed over.
# Office MFPs writing to an SMB share flush at least every second or so while a
# batch goes through the feeder; 4 s leaves room for a slow page without making
# anyone wait noticeably.
DEFAULT_SETTLE_S = 4.0
# Seconds between tries while the workspace is at fault (database locked past its
# timeout, disk full, OCR model missing): long enough not to fill a log, short
# enough that nobody waits long once the cause is gone.
DEFAULT_PAUSE_S = 30.0
# Seconds an unfinished file (Handled.later) may stay unchanged before it is set
# aside as never finished: a scanner's pause between pages is seconds, not minutes.
INCOMPLETE_GIVE_UP_S = 600.0
NEVER_FINISHED = "filen blev aldrig færdigskrevet (afkortet eller beskadiget)"


@dataclass(frozen=True)
class Handled:
    """What the handler says about one file: read (ok) or not, and why not."""

    ok: bool
    reason: str | None = None  # Danish, shown in fejlet/<name>.txt when not ok
    message: str = ""  # Danish, shown after "behandlet", e.g. "3 breve"
    # not ok, but not failed either: the file is not finished yet (a scanner that
    # paused); it stays and is handed over again once it changes
    later: bool = False


Handler = Callable[[Path, str | None], Handled]


def tray_of(folder: Path, path: Path) -> str | None:
    """The tray a file came from: its first folder below the watched folder, if any."""
    parts = path.relative_to(folder).parts
    return parts[0] if len(parts) > 1 else None


def is_candidate(name: str) -> bool:
    """A scanned file by its name: a scannable type, not hidden or half-written."""
    suffix = Path(name).suffix.lower()
    if name.startswith((".", "~$")) or suffix in TEMPORARY_SUFFIXES:
        return False
    return suffix in SCANNABLE_SUFFIXES


def waiting_scans(folder: Path, skip: Iterable[Path] = ()) -> list[Path]:
    """The scans lying in the folder, not yet filed away (the watcher's and the station's view).

    Never read: filed-away scans (behandlet/, fejlet/ at any depth), hidden folders,
    and the folders in `skip` (resolved paths: the workspace, if it lies inside).
    """
    found: list[Path] = []
    skipped = {Path(p).resolve() for p in skip}
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(
            d for d in dirs if d not in (DONE_DIR, FAILED_DIR) and not d.startswith(".")
            and (Path(root) / d).resolve() not in skipped
        )
        found.extend(Path(root) / name for name in sorted(files) if is_found(name))
    return found


def is_found(name: str) -> bool:
    """A file the watcher answers for: anything but hidden or half-written files.

    A file that is not a scan by its name is handed over too, and set aside with
    its reason ("ikke en scanning: .docx-fil"), so that no file lies there unnamed.
    """
    suffix = Path(name).suffix.lower()
    return not name.startswith((".", "~$")) and suffix not in TEMPORARY_SUFFIXES


def inside(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or lies below it (both resolved)."""
    path, folder = Path(path).resolve(), Path(folder).resolve()
    return path == folder or folder in path.parents


def free_target(directory: Path, name: str, companion_suffix: str = "") -> Path:
    """`directory/name`, or `name-1`, `name-2`, ... if taken: never overwrite a filed scan.

    With `companion_suffix` (".txt") the companion file `<target><suffix>` must be free too.
    """
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 0
    while True:
        candidate = directory / (name if n == 0 else f"{stem}-{n}{suffix}")
        companion = candidate.with_name(candidate.name + companion_suffix)
        if not candidate.exists() and not (companion_suffix and companion.exists()):
            return candidate
        n += 1


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    changed_at: float  # clock() when the size or mtime last changed (or was first seen)


class FolderWatcher:
    """Polls one folder and hands each finished scan to `handler`, one at a time."""

    def __init__(
        self,
        folder: Path,
        handler: Handler,
        *,
        poll_s: float = DEFAULT_POLL_S,
        settle_s: float = DEFAULT_SETTLE_S,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = date.today,
        echo: Callable[[str], object] = print,
        pause_s: float = DEFAULT_PAUSE_S,
        skip: Iterable[Path] = (),
        give_up_s: float = INCOMPLETE_GIVE_UP_S,
    ) -> None:
        self.folder = Path(folder)
        self.pause_s = pause_s
        self.give_up_s = give_up_s
        # folders never read (the workspace, when it lies inside the watched folder)
        self.skip = [Path(p).resolve() for p in skip]
        self._paused_until: float | None = None  # a workspace fault: no file until then
        # Unfinished files, by (size, mtime_ns) and when first found unfinished.
        self._unfinished: dict[Path, tuple[tuple[int, int], float]] = {}
        self.handler = handler
        self.poll_s = poll_s
        self.settle_s = settle_s
        self.clock = clock
        self.today = today
        self.echo = echo
        self._seen: dict[Path, _Seen] = {}
        # Files whose move failed, by (size, mtime_ns): retried only once they change.
        self._stuck: dict[Path, tuple[int, int]] = {}

    # -- finding files ---------------------------------------------------------------

    def _candidates(self) -> list[Path]:
        return waiting_scans(self.folder, self.skip)

    def pending(self) -> list[Path]:
        """Files ready to hand over: unchanged in size and mtime for at least settle_s.

        A file is first seen, then watched across polls; a zero-byte file that stays
        empty is handed over too (the handler rejects it with a reason).
        """
        now = self.clock()
        ready = []
        seen_now: dict[Path, _Seen] = {}
        present: set[Path] = set()
        for path in self._candidates():
            try:
                stat = path.stat()
            except FileNotFoundError:  # renamed or removed by the scanner meanwhile
                continue
            present.add(path)
            signature = (stat.st_size, stat.st_mtime_ns)
            if self._stuck.get(path) == signature:
                continue
            self._stuck.pop(path, None)
            unfinished = self._unfinished.get(path)
            if unfinished is not None:
                if unfinished[0] != signature:
                    del self._unfinished[path]  # written to again: look anew
                elif now - unfinished[1] < self.give_up_s:
                    continue
            before = self._seen.get(path)
            if before is None or (before.size, before.mtime_ns) != signature:
                seen_now[path] = _Seen(stat.st_size, stat.st_mtime_ns, changed_at=now)
                continue
            seen_now[path] = before
            if now - before.changed_at >= self.settle_s:
                ready.append(path)
        self._seen = seen_now  # forget files that went away
        self._stuck = {p: s for p, s in self._stuck.items() if p in present}
        self._unfinished = {p: u for p, u in self._unfinished.items() if p in present}
        return sorted(ready)

    # -- handling one file -----------------------------------------------------------

    def process_once(self, stop: threading.Event | None = None) -> int:
        """Handle every ready file once; returns how many. Checks `stop` between files.

        While the workspace is at fault (a pause), no file is handed over.
        """
        if self._paused_until is not None and self.clock() < self._paused_until:
            return 0
        handled = 0
        for path in self.pending():
            if stop is not None and stop.is_set():
                break
            if not self._handle(path):
                break  # paused: the workspace is at fault
            handled += 1
        return handled

    def _pause(self, fault: BaseException, shown: str) -> None:
        self._paused_until = self.clock() + self.pause_s
        self.echo(f"Arbejdsmappen kan ikke bruges lige nu: {fault}. {shown} bliver liggende; "
                  f"prøver igen om {self.pause_s:g} sekunder.")

    def _handle(self, path: Path) -> bool:
        """Hand one file over and file it away; False when the workspace made us pause."""
        shown = mask_cpr_in_text(path.relative_to(self.folder).as_posix())
        tray = tray_of(self.folder, path)
        if self._unfinished.get(path) is not None:
            # unchanged for give_up_s and still not finished: set aside, said why
            result = Handled(ok=False, reason=NEVER_FINISHED)
        elif not is_candidate(path.name):
            result = Handled(ok=False, reason=not_a_scan_reason(path))
        else:
            try:
                result = self.handler(path, tray)
            except Exception as error:  # one bad file must not stop the watch
                fault = workspace_fault(error)
                if fault is not None:
                    log.warning("Arbejdsmappen kan ikke bruges: %s", fault)
                    self._pause(fault, shown)
                    return False
                log.exception("Uventet fejl under behandling af %s", shown)
                result = Handled(ok=False, reason=f"uventet fejl: {type(error).__name__}")
        if self._paused_until is not None:
            self._paused_until = None
            self.echo("Arbejdsmappen virker igen; fortsætter.")
        if result.later:
            try:
                stat = path.stat()
                self._unfinished[path] = ((stat.st_size, stat.st_mtime_ns), self.clock())
            except OSError:
                pass
            self.echo(f"{shown}: venter ({result.reason or 'ikke færdig'})")
            return True
        self._unfinished.pop(path, None)
        self._seen.pop(path, None)
        try:
            if result.ok:
                self._file_done(path)
                details = f" ({result.message})" if result.message else ""
                self.echo(f"{shown}: behandlet{details}")
            else:
                reason = mask_cpr_in_text(result.reason or "ukendt årsag")
                self._file_failed(path, reason)
                self.echo(f"{shown}: fejlet: {reason}")
        except FileNotFoundError:
            log.warning("%s forsvandt under behandlingen", shown)
            self.echo(f"{shown}: forsvandt fra mappen under behandlingen")
        except OSError as error:
            log.exception("Kunne ikke flytte %s", shown)
            self.echo(f"{shown}: kunne ikke flyttes ({error.strerror or error}); "
                      "prøves igen når filen ændres")
            try:
                stat = path.stat()
                self._stuck[path] = (stat.st_size, stat.st_mtime_ns)
            except OSError:
                pass
        return True

    def _relative_dir(self, path: Path) -> Path:
        return path.parent.relative_to(self.folder)  # keeps the tray folder

    def _file_done(self, path: Path) -> Path:
        directory = self.folder / DONE_DIR / self.today().isoformat() / self._relative_dir(path)
        directory.mkdir(parents=True, exist_ok=True)
        target = free_target(directory, path.name)
        os.replace(path, target)
        return target

    def _file_failed(self, path: Path, reason: str) -> Path:
        directory = self.folder / FAILED_DIR / self._relative_dir(path)
        directory.mkdir(parents=True, exist_ok=True)
        target = free_target(directory, path.name, companion_suffix=".txt")
        # The reason is written first: if we die before the move, the file is
        # handled again on restart and the reason is not lost either way.
        stamp = datetime.now().isoformat(sep=" ", timespec="seconds")
        line = mask_cpr_in_text(f"{path.relative_to(self.folder).as_posix()}: {reason} ({stamp})\n")
        target.with_name(target.name + ".txt").write_text(line, encoding="utf-8")
        os.replace(path, target)
        return target

    # -- the loop --------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None) -> None:
        """Watch until `stop` is set (or SIGTERM/SIGINT arrive); never abort a file in hand."""
        stop = stop if stop is not None else threading.Event()
        previous = _install_stop_handlers(stop)
        self.echo(f"Overvåger {self.folder} (stop med Ctrl-C)")
        for folder in self.skip:
            if inside(folder, self.folder):
                self.echo(f"Arbejdsmappen {folder} ligger i den overvågede mappe; "
                          "den læses aldrig som scanninger.")
        unavailable = False
        try:
            while not stop.is_set():
                try:
                    if not self.folder.is_dir():
                        raise FileNotFoundError(self.folder)
                    self.process_once(stop)
                    if unavailable:
                        self.echo(f"Mappen {self.folder} er tilgængelig igen")
                    unavailable = False
                except OSError as error:  # e.g. a network share that went away
                    if not unavailable:
                        log.warning("Mappen %s kan ikke læses: %s", self.folder, error)
                        self.echo(f"Mappen {self.folder} kan ikke læses; prøver igen")
                    unavailable = True
                stop.wait(self.poll_s)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self.echo("Stoppet.")


def _install_stop_handlers(stop: threading.Event) -> dict[int, Any]:
    """SIGTERM and SIGINT set `stop` instead of interrupting; main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Event.set takes a non-reentrant lock the interrupted main thread may be
        # holding (inside stop.wait); setting it from another thread cannot deadlock.
        threading.Thread(target=stop.set, daemon=True).start()

    previous: dict[int, Any] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, on_signal)
    return previous
