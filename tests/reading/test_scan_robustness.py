"""Nothing lost, nothing twice: bad files set aside, crashes and re-runs, worker counts.

GIVEN a tray folder with good letters and broken files
WHEN it is scanned (and killed, and scanned again)
THEN every good letter is stored exactly once and every bad file is named with a reason.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from municipality import configure_municipality
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas
from test_ingest import _png_header_only
from workspace_secret import TEST_SECRET

from postbakke.cli import cli
from postbakke_samples import TRAY_DIR, make_tray


def import_registers(runner: CliRunner, bakke: Path) -> None:
    for register in ("enrolment", "staff"):
        result = runner.invoke(cli, [register, "import", str(bakke / "registers" /
                                                          f"{register}.csv")])
        assert result.exit_code == 0, result.output


def write_bad_files(folder: Path) -> dict[str, str]:
    """Each kind of bad input the mailroom meets, and the reason the user should read."""
    good_pdf = next((folder).glob("*.pdf")).read_bytes()
    (folder / "tom.pdf").write_bytes(b"")
    (folder / "afkortet.pdf").write_bytes(good_pdf[: len(good_pdf) // 2])
    (folder / "falsk.pdf").write_text("Dette er ikke en PDF", encoding="utf-8")
    (folder / "bombe.png").write_bytes(_png_header_only(40_000, 40_000))
    locked = canvas.Canvas(str(folder / "laast.pdf"),
                           encrypt=pdfencrypt.StandardEncryption("hemmelig"))
    locked.drawString(100, 700, "Fortroligt brev")
    locked.save()
    big = pdfium.PdfDocument.new()
    for _ in range(500):
        big.new_page(595, 842)
    big.save(str(folder / "arkiv.pdf"))
    big.close()
    (folder / "notat.tif").write_bytes(b"II*\x00" + b"\x00" * 20)  # a TIFF header, no image
    return {
        "tom.pdf": "filen er tom",
        "afkortet.pdf": "beskadiget",
        "falsk.pdf": "ikke en PDF",
        "bombe.png": "for stort",
        "laast.pdf": "adgangskode",
        "arkiv.pdf": "500 sider",
        "notat.tif": "beskadiget",
    }


def test_bad_files_are_set_aside_with_a_reason_and_good_letters_stored(
    tmp_path, workspace
):
    make_tray(tmp_path / "bakke", seed=21, n_letters=3, scanned_share=0.0)
    folder = tmp_path / "bakke" / TRAY_DIR
    expected = write_bad_files(folder)
    runner = CliRunner()
    import_registers(runner, tmp_path / "bakke")
    result = runner.invoke(cli, ["scan", str(folder)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for name, reason in expected.items():
        lines = [ln for ln in result.output.splitlines()
                 if ln.startswith(("Sprunget over", "Fejlet")) and name in ln]
        assert lines and reason in lines[0], (name, result.output)
    export = runner.invoke(cli, ["letters", "--format", "jsonl"]).output.splitlines()
    assert sorted(json.loads(line)["source"] for line in export) == [
        "brev-001.pdf", "brev-002.pdf", "brev-003.pdf"
    ]


def test_an_unsupported_file_given_by_name_is_refused(tmp_path, workspace):
    notes = tmp_path / "noter.docx"
    notes.write_bytes(b"PK\x03\x04 et Word-dokument")
    result = CliRunner().invoke(cli, ["scan", str(notes)])
    assert result.exit_code == 1
    assert "noter.docx: ukendt filtype" in result.output


def test_same_content_under_another_name_adds_nothing(tmp_path, workspace):
    make_tray(tmp_path / "bakke", seed=22, n_letters=1, scanned_share=0.0)
    letter = tmp_path / "bakke" / TRAY_DIR / "brev-001.pdf"
    shutil.copy(letter, tmp_path / "igen.pdf")
    runner = CliRunner()
    import_registers(runner, tmp_path / "bakke")
    result = runner.invoke(cli, ["scan", str(letter), str(tmp_path / "igen.pdf")])
    assert "igen.pdf: allerede scannet" in result.output
    assert len(runner.invoke(cli, ["letters", "--format", "jsonl"]).output.splitlines()) == 1


def letters_in(db: Path) -> list[tuple[str, str]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT source, pages FROM letters").fetchall()
    except sqlite3.OperationalError:
        return []


@pytest.mark.slow
def test_kill_9_mid_batch_then_rerun_stores_every_letter_exactly_once(tmp_path):
    truths = make_tray(tmp_path / "bakke", seed=23, n_letters=6, scanned_share=1.0)
    env = {**os.environ, "POSTBAKKE_HOME": str(tmp_path / "ws"), "POSTBAKKE_SECRET": TEST_SECRET}
    configure_municipality(tmp_path / "ws")
    command = [sys.executable, "-m", "postbakke"]
    for register in ("enrolment", "staff"):
        subprocess.run([*command, register, "import",
                        str(tmp_path / "bakke" / "registers" / f"{register}.csv")],
                       env=env, check=True, capture_output=True)
    scan = [*command, "scan", "--workers", "2", str(tmp_path / "bakke" / TRAY_DIR)]
    db = tmp_path / "ws" / "postbakke.db"
    process = subprocess.Popen(scan, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(letters_in(db)) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the scan and its OCR workers, mid-batch
    process.wait()
    stored_before = len(letters_in(db))
    assert 2 <= stored_before < len(truths), "the kill should land mid-batch"
    rerun = subprocess.run(scan, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    sources = sorted(source for source, _ in letters_in(db))
    assert sources == sorted(t.file for t in truths)


@pytest.mark.slow
def test_one_worker_and_two_give_the_same_letters(tmp_path, monkeypatch):
    make_tray(tmp_path / "bakke", seed=24, n_letters=4, scanned_share=1.0)
    exports = []
    for workers in ("1", "2"):
        monkeypatch.setenv("POSTBAKKE_HOME", str(tmp_path / f"ws{workers}"))
        monkeypatch.setenv("POSTBAKKE_SECRET", TEST_SECRET)
        configure_municipality(tmp_path / f"ws{workers}")
        runner = CliRunner()
        import_registers(runner, tmp_path / "bakke")
        result = runner.invoke(cli, ["scan", "--workers", workers,
                                     str(tmp_path / "bakke" / TRAY_DIR)])
        assert result.exit_code == 0, result.output
        exports.append(runner.invoke(cli, ["letters", "--format", "jsonl"]).output)
    assert exports[0] == exports[1]


def test_a_page_over_its_time_limit_is_given_up_with_a_reason(tmp_path, workspace):
    """Nothing hangs: the page is named with its reason, the letter goes to review."""
    truths = make_tray(tmp_path / "bakke", seed=25, n_letters=1, scanned_share=1.0)
    configure_municipality(workspace, "[scan]\npage_timeout_s = 0.05\n")
    runner = CliRunner()
    import_registers(runner, tmp_path / "bakke")
    started = time.monotonic()
    result = runner.invoke(cli, ["scan", "--workers", "1", str(tmp_path / "bakke" / TRAY_DIR)])
    assert time.monotonic() - started < 30
    assert result.exit_code == 0, result.output
    assert f"Advarsel: {truths[0].file} side 1: OCR" in result.output
    row = json.loads(runner.invoke(cli, ["letters", "--format", "jsonl"]).output)
    assert (row["verdict"], row["reason"]) == ("review", "low_confidence")


def test_an_unexpected_error_on_one_file_sets_it_aside_and_the_rest_goes_on(
    tmp_path, workspace, monkeypatch
):
    make_tray(tmp_path / "bakke", seed=26, n_letters=3, scanned_share=0.0)
    from postbakke import pipeline

    real_split = pipeline.split_letters

    def split_failing_on_the_second(pages, source):
        if source == "brev-002.pdf":
            raise ValueError("a bug")
        return real_split(pages, source)

    monkeypatch.setattr(pipeline, "split_letters", split_failing_on_the_second)
    runner = CliRunner()
    import_registers(runner, tmp_path / "bakke")
    result = runner.invoke(cli, ["scan", str(tmp_path / "bakke" / TRAY_DIR)])
    assert result.exit_code == 1
    assert "brev-002.pdf: uventet fejl under læsningen (ValueError)" in result.output
    export = runner.invoke(cli, ["letters", "--format", "jsonl"]).output.splitlines()
    assert sorted(json.loads(line)["source"] for line in export) == [
        "brev-001.pdf", "brev-003.pdf"
    ]
