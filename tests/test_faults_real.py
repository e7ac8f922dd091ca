"""Faults and load with real processes: kill -9, hanging and dying workers, Ctrl-C in
`watch`, a full disk, concurrent writers, odd real-world files.

GIVEN real `postbakke` processes (and their workers) on generated trays
WHEN they are killed, starved, run side by side or fed odd files
THEN every letter is stored exactly once, no file is lost without a word, no traceback.

Text-layer letters where OCR is not the point: their PDFs are parsed in the worker
processes too, so the workers are in every run.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from municipality import configure_municipality
from workspace_secret import TEST_SECRET

from postbakke.cli import cli
from postbakke_samples import TRAY_DIR, make_tray

pytestmark = pytest.mark.slow
COMMAND = [sys.executable, "-m", "postbakke"]


def env_for(home: Path | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTBAKKE_")}
    env["POSTBAKKE_SECRET"] = TEST_SECRET
    if home is not None:
        env["POSTBAKKE_HOME"] = str(home)
        if not (home / "postbakke.toml").exists():
            configure_municipality(home)
    env.update(extra)
    return env


def import_enrolment(bakke: Path, env: dict[str, str], cwd: Path | None = None) -> None:
    for register in ("enrolment", "staff"):
        subprocess.run([*COMMAND, register, "import", str(bakke / "registers" /
                                                          f"{register}.csv")],
                       env=env, check=True, capture_output=True, cwd=cwd)


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute(sql).fetchall()


def assert_sound(db: Path) -> None:
    """No orphan rows, no letter twice, the database file intact."""
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db, "SELECT count(*) FROM letters WHERE file_hash NOT IN "
                    "(SELECT hash FROM files)") == [(0,)]
    assert rows(db, "SELECT source, first_page, count(*) FROM letters "
                    "GROUP BY source, first_page HAVING count(*) > 1") == []


def wait_for(predicate, seconds: float, every_s: float = 0.2) -> bool:
    """Poll `predicate` until it holds or `seconds` have passed; whether it holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every_s)
    return predicate()


def letters_stored(db: Path) -> int:
    """Letters committed so far (0 before the scan has made its database)."""
    try:
        return rows(db, "SELECT count(*) FROM letters")[0][0]
    except sqlite3.OperationalError:  # no database or no table yet
        return 0


def test_kill_9_at_20_random_moments_then_rerun_stores_every_letter_once(tmp_path):
    truths = make_tray(tmp_path / "bakke", seed=41, n_letters=40, scanned_share=0.0)
    env = env_for(tmp_path / "ws")
    import_enrolment(tmp_path / "bakke", env)
    db = tmp_path / "ws" / "postbakke.db"
    scan = [*COMMAND, "scan", "-q", "--workers", "2", str(tmp_path / "bakke" / TRAY_DIR)]
    rng = random.Random(20261125)
    stored_after_kill = []
    for _ in range(20):
        # The moment is drawn in the scan's progress, not in seconds (a loaded machine
        # starts slower): killed at once, or once 1-3 more letters are committed, i.e.
        # in the middle of reading or storing the next file.
        target = letters_stored(db) + rng.randint(0, 3)
        process = subprocess.Popen(scan, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        def reached(target: int = target, process: subprocess.Popen = process) -> bool:
            return letters_stored(db) >= target or process.poll() is not None

        assert wait_for(reached, 120, every_s=0.02), f"no progress to {target} letters"
        with contextlib.suppress(ProcessLookupError):  # the tray may be done already
            os.killpg(process.pid, signal.SIGKILL)  # the scan and its workers
        process.wait()
        assert_sound(db)
        stored_after_kill.append(rows(db, "SELECT count(*) FROM letters")[0][0])
    rerun = subprocess.run(scan, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    assert_sound(db)
    sources = sorted(source for (source,) in rows(db, "SELECT source FROM letters"))
    assert sources == sorted(t.file for t in truths)
    assert 0 < stored_after_kill[0] or 0 < stored_after_kill[-1]  # kills landed mid-tray
    print("letters stored after each kill:", stored_after_kill)


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("hang", "siden tog mere end 7 sekunder og blev afbrudt"),
        ("raise", "uventet fejl under læsningen af side 1 (RuntimeError)"),
        ("crash", "side 1 fik læseprocessen til at gå ned (stoppet af signal SIGKILL)"),
    ],
)
def test_a_hanging_raising_or_dying_worker_costs_only_that_file(
    tmp_path, workspace, monkeypatch, fault, expected
):
    make_tray(tmp_path / "bakke", seed=42, n_letters=3, scanned_share=0.0)
    make_tray(tmp_path / "skannet", seed=43, n_letters=1, scanned_share=1.0)
    folder = tmp_path / "bakke" / TRAY_DIR
    scanned = next((tmp_path / "skannet" / TRAY_DIR).iterdir())
    target = folder / f"skannet{scanned.suffix}"
    shutil.copy(scanned, target)
    workspace.mkdir(parents=True, exist_ok=True)
    configure_municipality(workspace, "[scan]\npage_timeout_s = 2\n")
    monkeypatch.setenv("POSTBAKKE_TEST_FAULT", f"{fault}:{target.name}")
    runner = CliRunner()
    started = time.monotonic()
    result = runner.invoke(cli, ["scan", "--workers", "2", str(folder)])
    took = time.monotonic() - started
    assert took < 60, took
    assert "Traceback" not in result.output
    assert expected in result.output, result.output
    export = [json.loads(line) for line in
              runner.invoke(cli, ["letters", "--format", "jsonl"]).output.splitlines()]
    sources = sorted(row["source"] for row in export)
    if fault == "hang":  # the page is given up, its letter goes to review
        assert result.exit_code == 0
        assert sources == ["brev-001.pdf", "brev-002.pdf", "brev-003.pdf", target.name]
        assert next(r for r in export if r["source"] == target.name)["verdict"] == "review"
    else:  # only that file is set aside
        assert result.exit_code == 1
        assert f"Sprunget over: {target.name}: {expected}" in result.output
        assert sources == ["brev-001.pdf", "brev-002.pdf", "brev-003.pdf"]


def test_watch_dot_in_the_scan_folder_with_the_default_workspace(tmp_path):
    truths = make_tray(tmp_path / "bakke", seed=44, n_letters=3, scanned_share=0.0)
    make_tray(tmp_path / "skannet", seed=44, n_letters=1, scanned_share=1.0)
    scan_folder = tmp_path / "scan"
    scan_folder.mkdir()
    env = env_for(None)  # POSTBAKKE_HOME unset: ./postbakke-data inside the scan folder
    configure_municipality(scan_folder / "postbakke-data")
    import_enrolment(tmp_path / "bakke", env, cwd=scan_folder)
    workspace = scan_folder / "postbakke-data"
    assert workspace.is_dir()
    watch = subprocess.Popen(
        [*COMMAND, "watch", ".", "--poll", "0.2", "--settle", "0.5", "--workers", "2"],
        env=env, cwd=scan_folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    names = []
    for source in [*sorted((tmp_path / "bakke" / TRAY_DIR).iterdir()),
                   *(tmp_path / "skannet" / TRAY_DIR).iterdir()]:
        name = source.name if source.parent.parent.name == "bakke" else f"skan{source.suffix}"
        shutil.copy(source, scan_folder / name)
        names.append(name)
    done = scan_folder / "behandlet"
    assert wait_for(lambda: len(list(done.rglob("*.*"))) == len(names), 120)
    # A few more polls, nothing of its own may be picked up meanwhile: a copy of a
    # letter dropped last is filed (already scanned) only after the watcher has looked
    # at the whole folder, the workspace inside it too, at least twice more.
    first = sorted((tmp_path / "bakke" / TRAY_DIR).iterdir())[0]
    shutil.copy(first, scan_folder / f"igen-{first.name}")
    names.insert(0, f"igen-{first.name}")  # the scanned file stays last
    assert wait_for(lambda: len(list(done.rglob("*.*"))) == len(names), 60)
    def kept(folder: Path) -> list[Path]:  # SQLite's -wal/-shm go on a clean close
        return sorted(p.relative_to(folder) for p in folder.rglob("*")
                      if not p.name.endswith(("-wal", "-shm")))

    before = kept(workspace)
    os.killpg(watch.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole process group
    out, err = watch.communicate(timeout=60)
    assert watch.returncode == 0, err
    assert "Traceback" not in out + err and "KeyboardInterrupt" not in out + err
    assert "ligger i den overvågede mappe" in out
    assert sorted(p.name for p in done.rglob("*.*")) == sorted(names)
    assert not (scan_folder / "fejlet").exists()
    after = kept(workspace)
    assert [p for p in before if p not in after] == []  # nothing taken out of the workspace
    db = workspace / "postbakke.db"
    assert_sound(db)
    sources = sorted(s for (s,) in rows(db, "SELECT source FROM letters"))
    assert sources == sorted([*(t.file for t in truths), "skan" + Path(names[-1]).suffix])


def test_sigterm_to_watch_and_its_workers_fails_no_scan(tmp_path):
    """systemd stops a unit by signalling every process of it: the file in hand finishes."""
    make_tray(tmp_path / "skannet", seed=45, n_letters=2, scanned_share=1.0)
    scan_folder = tmp_path / "scan"
    scan_folder.mkdir()
    env = env_for(tmp_path / "ws")
    watch = subprocess.Popen(
        [*COMMAND, "watch", str(scan_folder), "--poll", "0.2", "--settle", "0.3",
         "--workers", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    for source in (tmp_path / "skannet" / TRAY_DIR).iterdir():
        shutil.copy(source, scan_folder / source.name)
    # The moment the first file's page folder appears its first page is in hand: the
    # worker pool has just started (a stop then once killed the forkserver and left
    # `watch` waiting for ever; reading/pool.py starts it deaf to stop signals).
    pages = tmp_path / "ws" / "sider"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (pages.is_dir() and any(pages.iterdir())):
        time.sleep(0.01)
    os.killpg(watch.pid, signal.SIGTERM)
    out, err = watch.communicate(timeout=90)
    assert "Traceback" not in out + err
    assert not (scan_folder / "fejlet").exists(), out
    left = sorted(p.name for p in scan_folder.glob("brev-*"))
    filed = sorted(p.name for p in (scan_folder / "behandlet").rglob("brev-*"))
    assert sorted(left + filed) == sorted(p.name for p in
                                          (tmp_path / "skannet" / TRAY_DIR).iterdir())


def can_mount_tmpfs() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.mark.skipif(not can_mount_tmpfs(), reason="mounting a small tmpfs needs root (CI is)")
def test_a_full_disk_pauses_the_watch_and_it_resumes_when_space_is_freed(tmp_path, monkeypatch):
    from datetime import date

    from postbakke.config import load_settings
    from postbakke.pipeline import ScanContext, make_scan_handler
    from postbakke.store import Store
    from postbakke.watch import FAILED_DIR, FolderWatcher

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"tmpfs could not be mounted: {mounted.stderr!r}")
    try:
        monkeypatch.setenv("POSTBAKKE_HOME", str(disk / "ws"))
        monkeypatch.setenv("POSTBAKKE_SECRET", TEST_SECRET)
        configure_municipality(disk / "ws")
        make_tray(tmp_path / "bakke", seed=46, n_letters=2, scanned_share=0.0)
        settings = load_settings()
        ctx = ScanContext.open(settings, Store(settings.db_path))
        folder = tmp_path / "scan"
        folder.mkdir()
        lines: list[str] = []
        clock = [0.0]  # the watcher's clock, moved on by hand past its pause
        watcher = FolderWatcher(folder, make_scan_handler(ctx, today=lambda: date(2026, 11, 25)),
                                poll_s=0.01, settle_s=0, echo=lines.append, pause_s=0.5,
                                clock=lambda: clock[0])
        ballast = disk / "ballast"
        with ballast.open("wb") as handle:  # fill the disk to the last byte
            try:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            except OSError:
                pass
        for source in (tmp_path / "bakke" / TRAY_DIR).iterdir():
            shutil.copy(source, folder / source.name)
        watcher.pending()
        watcher.process_once()
        assert any("disken med arbejdsmappen er fuld" in line for line in lines), lines
        assert not (folder / FAILED_DIR).exists()
        assert len(list(folder.glob("*.pdf"))) == 2
        ballast.unlink()
        clock[0] += 0.6
        watcher.pending()
        assert watcher.process_once() == 2
        assert "Arbejdsmappen virker igen; fortsætter." in lines
        assert len(list(ctx.store.letters.export())) == 2
        assert not (folder / FAILED_DIR).exists()
        ctx.close()
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


@pytest.mark.parametrize("same_tray", [False, True])
def test_two_scans_at_once_each_letter_once_no_traceback(tmp_path, same_tray):
    truths_a = make_tray(tmp_path / "a", seed=47, n_letters=20, scanned_share=0.0)
    truths_b = truths_a if same_tray else make_tray(tmp_path / "b", seed=48, n_letters=20,
                                                    scanned_share=0.0)
    env = env_for(tmp_path / "ws")
    trays = [tmp_path / "a" / TRAY_DIR, tmp_path / ("a" if same_tray else "b") / TRAY_DIR]
    if not same_tray:  # the second tray's files under other names than the first's
        for path in trays[1].iterdir():
            path.rename(path.with_name("b-" + path.name))
    processes = [subprocess.Popen([*COMMAND, "scan", "-q", "--workers", "1", str(tray)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for tray in trays]
    results = [(p.wait(timeout=300), *p.communicate()) for p in processes]
    for code, out, err in results:
        assert code == 0, err
        assert "Traceback" not in out + err and "locked" not in err
    db = tmp_path / "ws" / "postbakke.db"
    assert_sound(db)
    sources = sorted(s for (s,) in rows(db, "SELECT source FROM letters"))
    expected = [t.file for t in truths_a] + ([] if same_tray else
                                             ["b-" + t.file for t in truths_b])
    assert sources == sorted(expected)
    if same_tray:  # each file stored by one of them, "allerede scannet" for the other
        counts = [out.splitlines() for _, out, _ in results]
        assert counts


def test_a_scan_during_a_100000_row_enrolment_import(tmp_path):
    truths = make_tray(tmp_path / "bakke", seed=49, n_letters=20, scanned_share=0.0)
    env = env_for(tmp_path / "ws")
    import_enrolment(tmp_path / "bakke", env)
    big = tmp_path / "tilmelding.csv"
    with big.open("w", encoding="utf-8") as out:
        out.write((tmp_path / "bakke" / "registers" / "enrolment.csv").read_text("utf-8"))
        for n in range(100_000):  # unique, valid CPR numbers born 1950 (serials 0000-3999)
            block = n // 4000
            out.write(f"{1 + block % 28:02d}{1 + block // 28:02d}50-{n % 4000:04d},tilmeldt,"
                      f"Borger {n},Vej {n},8000,Aarhus C\n")
    importing = subprocess.Popen([*COMMAND, "enrolment", "import", str(big)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    scanning = subprocess.Popen([*COMMAND, "scan", "-q", "--workers", "2",
                                 str(tmp_path / "bakke" / TRAY_DIR)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    imported = importing.communicate(timeout=300)
    scanned = scanning.communicate(timeout=300)
    assert importing.returncode == 0, imported[1]
    assert scanning.returncode == 0, scanned[1]
    assert "Traceback" not in imported[1] + scanned[1]
    db = tmp_path / "ws" / "postbakke.db"
    assert_sound(db)
    assert rows(db, "SELECT count(*) FROM enrolment")[0][0] > 100_000
    assert sorted(s for (s,) in rows(db, "SELECT source FROM letters")) == sorted(
        t.file for t in truths)


def odd_files(folder: Path, letter_png: Path) -> dict[str, tuple[str, ...]]:
    """Odd real-world files like OCRmyPDF's test resources, and what each may end as."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    stored = ("side 1:", "ingen breve")
    page = Image.open(letter_png).convert("L")
    page.point(lambda v: 255 if v > 128 else 0).convert("1").save(
        folder / "ccitt-g4.tif", compression="group4", dpi=(300, 300))
    page.convert("CMYK").save(folder / "cmyk.jpg", dpi=(300, 300))
    page.convert("CMYK").save(folder / "cmyk.tif", compression="tiff_lzw", dpi=(300, 300))
    rgba = page.convert("RGBA")
    rgba.putalpha(page.point(lambda v: 0 if v > 250 else 255))
    masked = canvas.Canvas(str(folder / "maske.pdf"))
    masked.drawImage(ImageReader(rgba), 0, 0, 595, 842, mask="auto")
    masked.save()
    form = canvas.Canvas(str(folder / "formular.pdf"))
    form.drawString(72, 760, "Ansøgning om hjælp")
    form.acroForm.textfield(name="navn", x=72, y=700, width=300, height=20)
    form.save()
    huge = canvas.Canvas(str(folder / "kaempe.pdf"), pagesize=(14_400, 14_400))
    huge.drawString(72, 72, "En meget stor side")
    huge.save()
    blank = canvas.Canvas(str(folder / "blanke.pdf"))
    blank.showPage()
    blank.showPage()
    blank.save()
    (folder / "intet-indhold.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n")
    (folder / "sidetrae-loop.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[2 0 R]/Count 1>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n")
    jbig2 = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]"
             b"/Resources<</XObject<</I 4 0 R>>>>/Contents 5 0 R>>endobj\n"
             b"4 0 obj<</Type/XObject/Subtype/Image/Width 100/Height 100/BitsPerComponent 1"
             b"/ColorSpace/DeviceGray/Filter/JBIG2Decode/Length 8>>stream\n\0\0\0\0\0\0\0\0"
             b"\nendstream endobj\n5 0 obj<</Length 31>>stream\nq 595 0 0 842 0 0 cm /I Do Q\n"
             b"endstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    (folder / "jbig2.pdf").write_bytes(jbig2)
    (folder / "referat.odt").write_bytes(b"PK\x03\x04mimetypeapplication/vnd.oasis")
    aside = ("Sprunget over:",)
    return {
        "ccitt-g4.tif": stored, "cmyk.jpg": stored, "cmyk.tif": stored, "maske.pdf": stored,
        "formular.pdf": stored, "kaempe.pdf": (*stored, *aside), "blanke.pdf": ("ingen breve",),
        "intet-indhold.pdf": ("ingen breve",), "sidetrae-loop.pdf": (*stored, *aside),
        "jbig2.pdf": (*stored, *aside), "referat.odt": ("ikke en scanning: .odt-fil",),
    }


def test_odd_real_world_files_each_end_stored_set_aside_or_named(tmp_path, workspace):
    make_tray(tmp_path / "skannet", seed=50, n_letters=1, scanned_share=1.0)
    scanned = next((tmp_path / "skannet" / TRAY_DIR).iterdir())
    from PIL import Image

    if scanned.suffix.lower() == ".pdf":  # an image-only PDF: render its first page
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(str(scanned))
        document[0].render(scale=300 / 72).to_pil().save(tmp_path / "brev.png")
        document.close()
    else:
        Image.open(scanned).save(tmp_path / "brev.png")
    folder = tmp_path / "maerkelige"
    folder.mkdir()
    expected = odd_files(folder, tmp_path / "brev.png")
    result = CliRunner().invoke(cli, ["scan", "--workers", "2", str(folder)])
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    for name, endings in expected.items():
        said = [line for line in lines if name in line]
        assert said, f"{name} ended without a word:\n{result.output}"
        assert any(ending in line for line in said for ending in endings), (name, said)
    print("\n".join(line for line in lines if any(n in line for n in expected)))
