"""The folder watcher: real files in tmp_path, a fake handler, no OCR."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from postbakke.watch import FolderWatcher, Handled, tray_of

TODAY = date(2026, 11, 25)
SETTLE_S = 0.2
POLL_S = 0.05
PDF = b"%PDF-1.4 fake scan\n"
REPO = Path(__file__).resolve().parents[1]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordingHandler:
    """Records (relative path, tray, size) per call; answers with `result` or raises."""

    def __init__(self, folder: Path, result: Handled | None = None) -> None:
        self.folder = folder
        self.result = result or Handled(ok=True, message="1 brev")
        self.calls: list[tuple[str, str | None, int]] = []
        self.raise_for: set[str] = set()

    def __call__(self, path: Path, tray: str | None) -> Handled:
        self.calls.append((path.relative_to(self.folder).as_posix(), tray, path.stat().st_size))
        if path.name in self.raise_for:
            raise ValueError("boom")
        return self.result

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    scan = tmp_path / "scan"
    scan.mkdir()
    return scan


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def echoed() -> list[str]:
    return []


def make_watcher(folder: Path, handler, clock=time.monotonic, echo=None) -> FolderWatcher:
    return FolderWatcher(
        folder, handler, poll_s=POLL_S, settle_s=SETTLE_S, clock=clock,
        today=lambda: TODAY, echo=echo if echo is not None else (lambda line: None),
    )


def drop(folder: Path, relative: str, content: bytes = PDF) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def settle_and_process(watcher: FolderWatcher, clock: FakeClock) -> int:
    """First look (files seen), wait out settle_s on the fake clock, then process."""
    watcher.pending()
    clock.advance(SETTLE_S)
    return watcher.process_once()


# -- which files, and when -----------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "tray"),
    [
        ("a.pdf", None),
        ("Jobcenter/scan001.pdf", "Jobcenter"),
        ("Borgerservice/2026/scan.tif", "Borgerservice"),
    ],
)
def test_tray_is_the_first_folder_below_the_watched_folder(relative, tray, folder):
    assert tray_of(folder, folder / relative) == tray, relative


def test_growing_file_is_not_handed_over_until_it_stops_growing(folder, clock):
    """GIVEN a scanner writing a file slowly across many polls
    WHEN the watcher polls meanwhile
    THEN the file is handed over once, complete, after the writer has finished."""
    path = folder / "Jobcenter" / "scan001.pdf"
    path.parent.mkdir()
    chunks, done = 12, threading.Event()
    # One chunk a poll, in step: the watcher looks after each chunk, and the scanner's
    # pause between chunks (SETTLE_S / 2 on the watcher's clock) is shorter than settle_s.
    may_write, written = threading.Event(), threading.Event()

    def write_slowly() -> None:
        with path.open("wb") as out:
            for n in range(chunks):
                if not may_write.wait(10):
                    return
                may_write.clear()
                out.write(PDF)
                out.flush()
                if n < chunks - 1:
                    written.set()
        done.set()
        written.set()

    handler = RecordingHandler(folder)
    finished_when_handled = []

    def checking_handler(path: Path, tray: str | None) -> Handled:
        finished_when_handled.append(done.is_set())
        return handler(path, tray)

    watcher = make_watcher(folder, checking_handler, clock=clock)
    writer = threading.Thread(target=write_slowly)
    writer.start()
    for _ in range(chunks):
        may_write.set()
        assert written.wait(10), "the writer is stuck"
        written.clear()
        watcher.process_once()
        clock.advance(SETTLE_S / 2)
    for _ in range(4):  # settle_s after the last chunk: handed over within a few polls
        if handler.calls:
            break
        watcher.process_once()
        clock.advance(SETTLE_S / 2)
    writer.join()

    assert handler.calls == [("Jobcenter/scan001.pdf", "Jobcenter", len(PDF) * chunks)]
    assert finished_when_handled == [True]


def test_file_waits_for_settle_time_before_being_handed_over(folder, clock):
    drop(folder, "scan001.pdf")
    watcher = make_watcher(folder, RecordingHandler(folder), clock=clock)

    assert watcher.pending() == []  # first seen
    clock.advance(SETTLE_S / 2)
    assert watcher.pending() == []
    clock.advance(SETTLE_S / 2)
    assert watcher.pending() == [folder / "scan001.pdf"]


def test_file_rewritten_with_same_size_waits_again(folder, clock):
    path = drop(folder, "scan001.pdf")
    watcher = make_watcher(folder, RecordingHandler(folder), clock=clock)
    watcher.pending()
    clock.advance(SETTLE_S * 0.9)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # same size, new mtime

    assert watcher.pending() == []
    clock.advance(SETTLE_S)
    assert watcher.pending() == [path]


def test_hidden_temporary_and_other_files_are_ignored(folder, clock):
    for name in [".scan.pdf", "~$scan.pdf", "scan.pdf.tmp", "scan.pdf.part", "notes.txt",
                 "Thumbs.db", ".snapshot/old.pdf"]:
        drop(folder, name)
    drop(folder, "SCAN002.PDF")
    drop(folder, "Jobcenter/scan003.JPeg")
    handler = RecordingHandler(folder)

    settle_and_process(make_watcher(folder, handler, clock=clock), clock)

    assert handler.names == ["Jobcenter/scan003.JPeg", "SCAN002.PDF"]


def test_empty_file_that_stays_empty_is_handed_over(folder, clock):
    drop(folder, "scan001.pdf", b"")
    handler = RecordingHandler(folder, Handled(ok=False, reason="filen er tom"))

    settle_and_process(make_watcher(folder, handler, clock=clock), clock)

    assert handler.calls == [("scan001.pdf", None, 0)]
    assert (folder / "fejlet" / "scan001.pdf").exists()


# -- where files go ------------------------------------------------------------------


def test_read_file_is_moved_to_behandlet_under_date_and_tray(folder, clock, echoed):
    drop(folder, "Jobcenter/scan001.pdf")
    drop(folder, "scan002.pdf")
    handler = RecordingHandler(folder, Handled(ok=True, message="3 breve"))

    count = settle_and_process(make_watcher(folder, handler, clock, echoed.append), clock)

    assert count == 2
    assert handler.calls == [("Jobcenter/scan001.pdf", "Jobcenter", len(PDF)),
                             ("scan002.pdf", None, len(PDF))]
    done = folder / "behandlet" / "2026-11-25"
    assert (done / "Jobcenter" / "scan001.pdf").read_bytes() == PDF
    assert (done / "scan002.pdf").exists()
    assert not (folder / "Jobcenter" / "scan001.pdf").exists()
    assert (folder / "Jobcenter").is_dir()  # the tray folder stays for the scanner
    assert echoed == ["Jobcenter/scan001.pdf: behandlet (3 breve)",
                      "scan002.pdf: behandlet (3 breve)"]


def test_unreadable_file_goes_to_fejlet_with_reason_beside_it(folder, clock, echoed):
    drop(folder, "Jobcenter/scan001.pdf")
    handler = RecordingHandler(folder, Handled(ok=False, reason="PDF'en er krypteret"))

    settle_and_process(make_watcher(folder, handler, clock, echoed.append), clock)

    failed = folder / "fejlet" / "Jobcenter" / "scan001.pdf"
    assert failed.read_bytes() == PDF
    reason = failed.with_name("scan001.pdf.txt").read_text(encoding="utf-8")
    assert reason.startswith("Jobcenter/scan001.pdf: PDF'en er krypteret (")
    assert reason.count("\n") == 1
    assert echoed == ["Jobcenter/scan001.pdf: fejlet: PDF'en er krypteret"]


@pytest.mark.parametrize("ok", [True, False])
def test_name_clash_gets_a_suffix_and_nothing_is_overwritten(folder, clock, ok):
    result = Handled(ok=True) if ok else Handled(ok=False, reason="ulæselig")
    target_dir = folder / ("behandlet/2026-11-25" if ok else "fejlet") / "Jobcenter"
    drop(target_dir, "scan001.pdf", b"earlier")
    drop(target_dir, "scan001-1.pdf", b"earlier too")
    drop(folder, "Jobcenter/scan001.pdf")
    watcher = make_watcher(folder, RecordingHandler(folder, result), clock=clock)

    settle_and_process(watcher, clock)

    assert (target_dir / "scan001.pdf").read_bytes() == b"earlier"
    assert (target_dir / "scan001-1.pdf").read_bytes() == b"earlier too"
    assert (target_dir / "scan001-2.pdf").read_bytes() == PDF
    if not ok:
        assert "ulæselig" in (target_dir / "scan001-2.pdf.txt").read_text(encoding="utf-8")


def test_filed_away_scans_are_never_picked_up_again(folder, clock):
    drop(folder, "behandlet/2026-11-24/Jobcenter/old.pdf")
    drop(folder, "fejlet/bad.pdf")
    drop(folder, "Jobcenter/behandlet/stray.pdf")  # at any depth
    drop(folder, "Jobcenter/scan001.pdf")
    handler = RecordingHandler(folder)
    watcher = make_watcher(folder, handler, clock=clock)

    settle_and_process(watcher, clock)
    clock.advance(SETTLE_S * 10)
    settle_and_process(watcher, clock)

    assert handler.names == ["Jobcenter/scan001.pdf"]


def test_handler_exception_sets_file_aside_and_the_rest_goes_on(folder, clock, echoed, caplog):
    drop(folder, "a.pdf")
    drop(folder, "b.pdf")
    handler = RecordingHandler(folder)
    handler.raise_for = {"a.pdf"}

    count = settle_and_process(make_watcher(folder, handler, clock, echoed.append), clock)

    assert count == 2
    assert handler.names == ["a.pdf", "b.pdf"]
    assert "uventet fejl: ValueError" in (folder / "fejlet" / "a.pdf.txt").read_text("utf-8")
    assert (folder / "behandlet" / "2026-11-25" / "b.pdf").exists()
    assert echoed[0] == "a.pdf: fejlet: uventet fejl: ValueError"
    assert "boom" in caplog.text  # the traceback is logged


def test_file_dropped_while_stopped_is_handled_on_next_start(folder, clock):
    first = RecordingHandler(folder)
    settle_and_process(make_watcher(folder, first, clock=clock), clock)  # nothing there
    drop(folder, "Jobcenter/scan001.pdf")  # ... while no watcher runs

    second = RecordingHandler(folder)
    settle_and_process(make_watcher(folder, second, clock=clock), clock)

    assert first.calls == []
    assert second.names == ["Jobcenter/scan001.pdf"]
    assert (folder / "behandlet" / "2026-11-25" / "Jobcenter" / "scan001.pdf").exists()


def test_file_that_cannot_be_moved_is_not_handled_again_until_it_changes(
    folder, clock, echoed, monkeypatch
):
    path = drop(folder, "scan001.pdf")
    handler = RecordingHandler(folder)
    watcher = make_watcher(folder, handler, clock, echoed.append)
    real_replace = os.replace

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    settle_and_process(watcher, clock)
    clock.advance(SETTLE_S * 10)
    settle_and_process(watcher, clock)
    assert handler.names == ["scan001.pdf"]
    assert "kunne ikke flyttes" in echoed[0]

    monkeypatch.setattr(os, "replace", real_replace)
    path.write_bytes(PDF * 2)
    settle_and_process(watcher, clock)
    assert handler.names == ["scan001.pdf", "scan001.pdf"]
    assert (folder / "behandlet" / "2026-11-25" / "scan001.pdf").exists()


# -- the loop and stopping -----------------------------------------------------------


def test_run_stops_when_asked_without_aborting_the_file_in_hand(folder, echoed):
    """GIVEN a slow handler busy with a file
    WHEN stop is set during it
    THEN run finishes that file, moves it, and returns."""
    drop(folder, "Jobcenter/scan001.pdf")
    started, stop = threading.Event(), threading.Event()

    def slow_handler(path: Path, tray: str | None) -> Handled:
        started.set()
        stop.wait(5)  # still busy with the file when stop is set
        return Handled(ok=True, message="1 brev")

    watcher = make_watcher(folder, slow_handler, echo=echoed.append)
    runner = threading.Thread(target=watcher.run, args=(stop,))
    runner.start()
    assert started.wait(5)
    stop.set()
    runner.join(5)

    assert not runner.is_alive()
    assert (folder / "behandlet" / "2026-11-25" / "Jobcenter" / "scan001.pdf").exists()
    assert "Jobcenter/scan001.pdf: behandlet (1 brev)" in echoed
    assert echoed[-1] == "Stoppet."


def test_run_leaves_later_files_for_the_next_start_when_stopped(folder):
    drop(folder, "a.pdf")
    drop(folder, "b.pdf")
    stop = threading.Event()
    handled = []

    def handler(path: Path, tray: str | None) -> Handled:
        handled.append(path.name)
        stop.set()  # stop arrives while the first file is in hand
        return Handled(ok=True)

    make_watcher(folder, handler).run(stop)

    assert handled == ["a.pdf"]
    assert (folder / "b.pdf").exists()


WATCH_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from postbakke.watch import FolderWatcher, Handled

    def handler(path, tray):
        print("i gang", flush=True)
        time.sleep(float(sys.argv[2]))
        return Handled(ok=True, message="1 brev")

    FolderWatcher(Path(sys.argv[1]), handler, poll_s=0.05, settle_s=0.2,
                  echo=lambda line: print(line, flush=True)).run()
    """
)


@pytest.mark.parametrize("when", ["after the file", "during the file"])
def test_sigterm_stops_the_watch_cleanly(folder, when):
    handler_s = 1.0 if when == "during the file" else 0.0
    proc = subprocess.Popen(
        [sys.executable, "-c", WATCH_SCRIPT, str(folder), str(handler_s)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )
    watchdog = threading.Timer(15, proc.kill)  # a hung child fails the test, not the run
    watchdog.start()
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("Overvåger")
        drop(folder, "Jobcenter/scan001.pdf")
        assert proc.stdout.readline() == "i gang\n"
        if when == "after the file":
            assert proc.stdout.readline() == "Jobcenter/scan001.pdf: behandlet (1 brev)\n"
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        watchdog.cancel()
        proc.kill()

    assert proc.returncode == 0, err
    assert time.monotonic() - sent < handler_s + 2
    if when == "during the file":
        assert out.startswith("Jobcenter/scan001.pdf: behandlet (1 brev)\n")
    assert out.endswith("Stoppet.\n")
    done = folder / "behandlet" / date.today().isoformat() / "Jobcenter" / "scan001.pdf"
    assert done.read_bytes() == PDF
