"""Faults that must cost nothing: workers that hang, raise or die; a locked or full
workspace; files that are not scans; bad settings. Fast: no OCR, text-layer letters.

GIVEN a fault injected with real parts (worker processes, SQLite locks, files on disk)
WHEN a scan or the watch folder meets it
THEN every file ends stored, set aside with a true reason, or "allerede scannet",
and a workspace fault stops or pauses without setting a good scan aside.
"""

from __future__ import annotations

import errno
import math
import os
import signal
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from reportlab.pdfgen import canvas
from workspace_secret import TEST_SECRET

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.errors import (
    FileAlreadyStored,
    MissingDependencyError,
    WorkspaceError,
    workspace_fault,
)
from postbakke.people.filing import file_letters
from postbakke.pipeline import FileStatus, ScanContext, make_scan_handler, scan
from postbakke.reading.files import looks_complete
from postbakke.reading.pool import JobError, JobTimeout, WorkerDied, WorkerPool
from postbakke.store import Store, StoredFile
from postbakke.watch import FAILED_DIR, FolderWatcher
from postbakke_samples import TRAY_DIR, make_tray

TODAY = date(2026, 11, 25)


# -- the worker pool ----------------------------------------------------------------------


def test_a_job_over_its_limit_is_killed_and_the_other_jobs_go_on():
    pool = WorkerPool(2)
    try:
        started = time.monotonic()
        stuck = pool.submit(time.sleep, 60, limit_s=1.0)
        others = [pool.submit(abs, -n, limit_s=30) for n in range(6)]
        with pytest.raises(JobTimeout):
            stuck.result(timeout=30)
        assert time.monotonic() - started < 15
        assert [f.result(timeout=30) for f in others] == list(range(6))
        assert pool.replaced == 1
        assert pool.submit(abs, -7, limit_s=30).result(timeout=30) == 7  # replaced worker works
    finally:
        pool.shutdown()


def test_a_worker_killed_by_a_signal_costs_only_its_own_job():
    pool = WorkerPool(2)
    try:
        doomed = pool.submit(signal.raise_signal, signal.SIGKILL, limit_s=30)
        others = [pool.submit(abs, -n, limit_s=30) for n in range(4)]
        with pytest.raises(WorkerDied, match="SIGKILL"):
            doomed.result(timeout=30)
        assert [f.result(timeout=30) for f in others] == list(range(4))
    finally:
        pool.shutdown()


def test_a_job_that_raises_brings_back_its_error():
    pool = WorkerPool(1)
    try:
        with pytest.raises(ValueError):
            pool.run(math.sqrt, -1, limit_s=30)
        with pytest.raises((JobError, TypeError)):
            pool.run(len, 5, limit_s=30)
        assert pool.run(abs, -2, limit_s=30) == 2
    finally:
        pool.shutdown()


_STOPPED_WHILE_STARTING = """
import os, signal, sys, time
from multiprocessing import forkserver
seen = []
signal.signal(signal.SIGTERM, lambda *_: seen.append("TERM"))
start = forkserver.ensure_running
def stopped_meanwhile():  # systemd's stop reaches the whole group as the pool starts
    os.killpg(0, signal.SIGTERM)
    start()
forkserver.ensure_running = stopped_meanwhile
from postbakke.reading.pool import WorkerPool
pool = WorkerPool(1)
os.killpg(0, signal.SIGTERM)  # and once more after: the forkserver is up
time.sleep(0.2)
print(seen.count("TERM"), pool.run(abs, -5, limit_s=30), flush=True)
pool.shutdown()
"""


def test_a_stop_to_the_whole_group_as_the_pool_starts_is_heard_and_costs_no_worker():
    """GIVEN SIGTERM to every process of the group while the forkserver starts and after
    WHEN a page is read THEN the main process heard both stops and the worker still runs
    (a killed forkserver left `watch` waiting for ever on its first page)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _STOPPED_WHILE_STARTING], capture_output=True,
                          text=True, timeout=60, start_new_session=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "5"], done.stdout + done.stderr


# -- workspace faults ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (sqlite3.OperationalError("database is locked"), "optaget"),
        (sqlite3.OperationalError("database or disk is full"), "fuld"),
        (OSError(errno.ENOSPC, "No space left on device"), "fuld"),
        (MissingDependencyError("Tesseracts sprogmodel mangler"), "sprogmodel"),
    ],
)
def test_workspace_faults_are_told_apart_from_file_faults(error, words):
    fault = workspace_fault(error)
    assert fault is not None and words in str(fault)


@pytest.mark.parametrize(
    "error",
    [sqlite3.OperationalError("no such table: x"), OSError(errno.EIO, "I/O"), ValueError("x")],
)
def test_other_errors_are_not_workspace_faults(error):
    assert workspace_fault(error) is None


def stored(name: str) -> StoredFile:
    return StoredFile(hash=name * 8, source=f"{name}.pdf", tray=None, scanned_on="2026-11-25",
                      n_pages=1, processed_at="2026-11-25T10:00:00+00:00")


def test_a_writer_waits_for_another_writers_lock_instead_of_failing(tmp_path):
    """The deferred BEGIN failed at once with "database is locked"; IMMEDIATE waits."""
    db = tmp_path / "postbakke.db"
    first = Store(db)
    ready, go, asking, timing = threading.Event(), threading.Event(), threading.Event(), []

    def write_when_free() -> None:
        second = Store(db)
        second.files.get("x")  # a read first, as the pipeline does
        ready.set()
        go.wait(5)
        started = time.monotonic()
        asking.set()
        file_letters(second, stored("b"), [])
        timing.append(time.monotonic() - started)

    thread = threading.Thread(target=write_when_free)
    thread.start()
    assert ready.wait(5)
    with first.transaction():
        first.files.record_failure("a.pdf", None, "test")
        go.set()
        assert asking.wait(5)
        thread.join(0.5)  # a writer that failed at once would be done by now
    thread.join(10)
    (waited,) = timing  # none: it failed ("database is locked")
    assert waited >= 0.5  # it waited its turn ...
    assert first.files.get("b" * 8) is not None  # ... and then wrote


def test_the_same_content_stored_meanwhile_is_already_scanned(tmp_path):
    db = tmp_path / "postbakke.db"
    file_letters(Store(db), stored("c"), [])
    with pytest.raises(FileAlreadyStored):
        file_letters(Store(db), stored("c"), [])


def test_a_lock_held_past_the_timeout_is_a_workspace_error(tmp_path):
    db = tmp_path / "postbakke.db"
    Store(db)
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            file_letters(Store(db, busy_timeout_ms=100), stored("d"), [])
        assert isinstance(workspace_fault(caught.value), WorkspaceError)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


# -- the watch folder under workspace faults ------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def text_letters(tmp_path: Path, n: int, seed: int = 31) -> Path:
    make_tray(tmp_path / "bakke", seed=seed, n_letters=n, scanned_share=0.0)
    return tmp_path / "bakke" / TRAY_DIR


def watch_setup(tmp_path: Path, workspace: Path, busy_timeout_ms: int = 10_000):
    folder = tmp_path / "scan"
    folder.mkdir()
    settings = load_settings()
    store = Store(settings.db_path, busy_timeout_ms=busy_timeout_ms)
    ctx = ScanContext.open(settings, store)
    clock, lines = Clock(), []
    watcher = FolderWatcher(folder, make_scan_handler(ctx, today=lambda: TODAY),
                            poll_s=0.01, settle_s=1, clock=clock, today=lambda: TODAY,
                            echo=lines.append, pause_s=30, skip=[settings.home])
    return folder, ctx, watcher, clock, lines


def settle(watcher: FolderWatcher, clock: Clock) -> int:
    watcher.pending()
    clock.now += 1
    return watcher.process_once()


def test_a_locked_database_pauses_the_watch_and_no_scan_goes_to_fejlet(tmp_path, workspace):
    letters = text_letters(tmp_path, 2)
    folder, ctx, watcher, clock, lines = watch_setup(tmp_path, workspace, busy_timeout_ms=100)
    for path in letters.glob("*.pdf"):
        (folder / path.name).write_bytes(path.read_bytes())
    blocker = sqlite3.connect(ctx.settings.db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # e.g. a register import holding the lock
    settle(watcher, clock)
    assert not (folder / FAILED_DIR).exists()
    assert sorted(p.name for p in folder.glob("*.pdf")) == ["brev-001.pdf", "brev-002.pdf"]
    assert any("Arbejdsmappen kan ikke bruges lige nu" in line and "optaget" in line
               for line in lines), lines
    blocker.execute("ROLLBACK")
    blocker.close()
    clock.now += 10
    assert watcher.process_once() == 0  # still pausing
    clock.now += 30
    assert watcher.process_once() == 2
    assert "Arbejdsmappen virker igen; fortsætter." in lines
    assert len(list(ctx.store.letters.export())) == 2
    assert not (folder / FAILED_DIR).exists()
    ctx.close()


def test_a_missing_model_pauses_the_watch(tmp_path, workspace, monkeypatch):
    folder, ctx, watcher, clock, lines = watch_setup(tmp_path, workspace)
    (folder / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8 + b"IEND\xaeB`\x82")
    from postbakke import pipeline

    def no_model(*args, **kwargs):
        raise MissingDependencyError("Tesseracts sprogmodel mangler i /x")

    monkeypatch.setattr(pipeline, "scan_one", no_model)
    settle(watcher, clock)
    assert (folder / "scan.png").exists() and not (folder / FAILED_DIR).exists()
    assert any("sprogmodel mangler" in line for line in lines)
    ctx.close()


def test_the_workspace_inside_the_watched_folder_is_never_read(tmp_path, monkeypatch):
    folder = tmp_path / "scan"
    home = folder / "postbakke-data"
    (home / "sider" / "abc").mkdir(parents=True)
    (home / "sider" / "abc" / "brev-p001.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    monkeypatch.setenv("POSTBAKKE_HOME", str(home))
    monkeypatch.setenv("POSTBAKKE_SECRET", TEST_SECRET)
    seen = []
    lines: list[str] = []
    watcher = FolderWatcher(folder, lambda p, t: seen.append(p) or None, echo=lines.append,
                            skip=[home])
    assert watcher.pending() == [] and seen == []
    stop = threading.Event()
    stop.set()
    watcher.run(stop)
    assert any("ligger i den overvågede mappe" in line for line in lines)


def test_a_file_that_is_not_a_scan_is_set_aside_with_its_name(tmp_path, workspace):
    folder, ctx, watcher, clock, lines = watch_setup(tmp_path, workspace)
    (folder / "referat.docx").write_bytes(b"PK\x03\x04 Word")
    settle(watcher, clock)
    assert (folder / FAILED_DIR / "referat.docx").exists()
    reason = (folder / FAILED_DIR / "referat.docx.txt").read_text(encoding="utf-8")
    assert "ikke en scanning: .docx-fil" in reason
    ctx.close()


# -- every file accounted for in `scan` ---------------------------------------------------------


def blank_pdf(path: Path, pages: int) -> Path:
    sheet = canvas.Canvas(str(path))
    for _ in range(pages):
        sheet.showPage()
    sheet.save()
    return path


def test_each_file_of_a_folder_ends_stored_set_aside_or_named(tmp_path, workspace):
    folder = text_letters(tmp_path, 1)
    blank_pdf(folder / "blanke.pdf", 3)
    (folder / "referat.odt").write_bytes(b"PK\x03\x04 OpenDocument")
    (folder / "uden-sider.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n")
    result = CliRunner().invoke(cli, ["scan", "--workers", "1", str(folder)])
    out = result.output
    assert result.exit_code == 1, out
    assert "brev-001.pdf side 1:" in out
    assert "blanke.pdf: ingen breve (kun blanke sider)." in out
    assert "Sprunget over: referat.odt: ikke en scanning: .odt-fil" in out
    assert "Sprunget over: uden-sider.pdf:" in out
    assert "Traceback" not in out


def test_scan_stops_with_one_line_when_the_database_is_locked(tmp_path, workspace, monkeypatch):
    folder = text_letters(tmp_path, 2)
    runner = CliRunner()
    assert runner.invoke(cli, ["letters"]).exit_code == 0  # the workspace exists
    blocker = sqlite3.connect(workspace / "postbakke.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    import postbakke.store.connection as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    try:
        result = runner.invoke(cli, ["scan", "--workers", "1", str(folder)])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert result.exit_code == 7, result.output
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("Fejl: databasen er optaget")
    again = runner.invoke(cli, ["scan", "--workers", "1", str(folder)])
    assert again.exit_code == 0, again.output
    assert len(runner.invoke(cli, ["letters", "--format", "jsonl"]).output.splitlines()) == 2


def test_the_same_content_twice_in_one_scan_ends_as_already_scanned(tmp_path, workspace):
    folder = text_letters(tmp_path, 1)
    settings = load_settings()
    with ScanContext.open(settings, Store(settings.db_path)) as ctx:
        real = ctx.store.files.get
        asked: set[str] = set()

        def first_look_misses(file_hash: str):
            # the scan's early look misses what another process stored meanwhile
            if file_hash not in asked:
                asked.add(file_hash)
                return None
            return real(file_hash)

        ctx.store.files.get = first_look_misses  # type: ignore[method-assign]
        first = list(scan([folder], ctx, None, TODAY))
        asked.clear()
        second = list(scan([folder], ctx, None, TODAY))  # as if it raced the first
        ctx.store.files.get = real  # type: ignore[method-assign]
    assert [o.status for o in first] == [FileStatus.NEW]
    assert [o.status for o in second] == [FileStatus.DUPLICATE]


# -- files only read once complete -----------------------------------------------------------


def test_a_multipage_tiff_cut_short_is_not_complete(tmp_path):
    from PIL import Image

    pages = [Image.new("L", (400, 560), 255) for _ in range(3)]
    whole = tmp_path / "hel.tif"
    pages[0].save(whole, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    data = whole.read_bytes()
    assert looks_complete(whole)
    for cut in (len(data) // 3, len(data) // 2, len(data) - 10):
        part = tmp_path / f"del-{cut}.tif"
        part.write_bytes(data[:cut])
        assert not looks_complete(part), cut


def test_a_png_or_pdf_cut_short_is_not_complete(tmp_path):
    from PIL import Image

    png = tmp_path / "a.png"
    Image.new("L", (50, 50), 255).save(png)
    (tmp_path / "b.png").write_bytes(png.read_bytes()[:-20])
    pdf = blank_pdf(tmp_path / "c.pdf", 1)
    (tmp_path / "d.pdf").write_bytes(pdf.read_bytes()[:-40])
    assert looks_complete(png) and looks_complete(pdf)
    assert not looks_complete(tmp_path / "b.png") and not looks_complete(tmp_path / "d.pdf")


def test_an_unfinished_file_waits_and_is_set_aside_only_when_it_never_finishes(
    tmp_path, workspace
):
    folder, ctx, watcher, clock, lines = watch_setup(tmp_path, workspace)
    watcher.give_up_s = 100
    pdf = blank_pdf(tmp_path / "c.pdf", 1)
    (folder / "halv.pdf").write_bytes(pdf.read_bytes()[:-40])
    settle(watcher, clock)
    assert (folder / "halv.pdf").exists() and not (folder / FAILED_DIR).exists()
    assert any("halv.pdf: venter" in line for line in lines)
    clock.now += 50
    settle(watcher, clock)
    assert (folder / "halv.pdf").exists()
    clock.now += 60
    settle(watcher, clock)
    assert (folder / FAILED_DIR / "halv.pdf").exists()
    assert "aldrig færdigskrevet" in (folder / FAILED_DIR / "halv.pdf.txt").read_text("utf-8")
    ctx.close()


# -- settings and the error boundary ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("page_timeout_s = -1", "page_timeout_s skal være et tal over 0"),
        ("page_timeout_s = \"30\"", "page_timeout_s skal være et tal"),
        ("max_pages = 0", "max_pages skal være et helt tal fra 1"),
        ("max_pages = 2.5", "max_pages skal være et helt tal"),
        ("ocr_dpi = 0", "ocr_dpi skal være et helt tal fra 100 til 600"),
        ("ocr_dpi = true", "ocr_dpi skal være et helt tal"),
    ],
)
def test_scan_settings_are_checked_by_type_and_range(workspace, line, words):
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "postbakke.toml").write_text(f"[scan]\n{line}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check"])
    assert result.exit_code != 0
    assert words in result.output and "postbakke.toml:2" in result.output, result.output
    at_start = CliRunner().invoke(cli, ["summary"])
    assert at_start.exit_code != 0 and words in at_start.output
    assert "Traceback" not in at_start.output


def test_any_exception_at_the_cli_is_one_danish_line_and_debug_shows_it(
    tmp_path, workspace, monkeypatch
):
    folder = tmp_path / "mappe"
    folder.mkdir()
    result = CliRunner().invoke(cli, ["enrolment", "import", str(folder)])
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and result.output.startswith("Fejl: ")
    from postbakke.store.figures import Figures

    def broken(self):
        raise TypeError("a bug with private details 010203-1234")

    monkeypatch.setattr(Figures, "department_summary", broken)
    plain = CliRunner().invoke(cli, ["summary"])
    assert plain.exit_code == 15
    assert plain.output.strip() == ("Fejl: uventet fejl (TypeError); intet er gemt halvt. Kør "
                                    "igen med 'postbakke --debug' for at se detaljerne")
    debug = CliRunner().invoke(cli, ["--debug", "summary"])
    assert isinstance(debug.exception, TypeError)


def test_reread_forgets_a_stored_file_and_reads_it_again(tmp_path, workspace):
    folder = text_letters(tmp_path, 1)
    letter = folder / "brev-001.pdf"
    runner = CliRunner()
    assert runner.invoke(cli, ["scan", "--tray", "Postrum", "--date", "2026-11-20",
                               "--workers", "1", str(letter)]).exit_code == 0
    result = runner.invoke(cli, ["reread", "--workers", "1", str(letter)])
    assert result.exit_code == 0, result.output
    assert "brev-001.pdf: 1 breve glemt; filen læses igen." in result.output
    assert "brev-001.pdf side 1:" in result.output
    rows = runner.invoke(cli, ["letters", "--format", "jsonl"]).output.splitlines()
    assert len(rows) == 1 and '"tray": "Postrum"' in rows[0] and "2026-11-20" in rows[0]


def test_workers_ignore_ctrl_c(tmp_path):
    """Ctrl-C goes to the whole process group: a worker must not die of it (nor print)."""
    pool = WorkerPool(1)
    try:
        assert pool.run(abs, -1, limit_s=30) == 1
        worker = pool._workers[0].process  # noqa: SLF001 - the test looks inside on purpose
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGINT)
        os.kill(worker.pid, signal.SIGTERM)
        time.sleep(0.3)
        assert worker.is_alive()
        assert pool.run(abs, -3, limit_s=30) == 3
    finally:
        pool.shutdown()
