"""`postbakke watch` as the scanner's folder sees it: a real subprocess, real files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date

from municipality import configure_municipality
from workspace_secret import TEST_SECRET

from postbakke.store import Store
from postbakke_samples import TRAY_DIR, make_tray


def wait_for(condition, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_watch_reads_files_files_them_away_and_stops_on_sigterm(tmp_path):
    bakke = tmp_path / "bakke"
    make_tray(bakke, seed=3, n_letters=2, scanned_share=0.0)
    env = {**os.environ, "POSTBAKKE_HOME": str(tmp_path / "ws"), "POSTBAKKE_SECRET": TEST_SECRET,
           "PYTHONUNBUFFERED": "1"}
    configure_municipality(tmp_path / "ws")
    postbakke = [sys.executable, "-m", "postbakke"]
    for register in ("enrolment", "staff"):
        subprocess.run([*postbakke, register, "import", str(bakke / "registers" /
                        f"{register}.csv")], env=env, check=True, capture_output=True)
    scanner = tmp_path / "scanner"
    (scanner / "Jobcenter").mkdir(parents=True)
    process = subprocess.Popen(
        [*postbakke, "watch", str(scanner), "--poll", "0.1", "--settle", "0.3"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        shutil.copy(bakke / TRAY_DIR / "brev-001.pdf", scanner / "Jobcenter" / "scan001.pdf")
        (scanner / "ødelagt.pdf").write_bytes(b"ikke en pdf")
        today = date.today().isoformat()
        done = scanner / "behandlet" / today / "Jobcenter" / "scan001.pdf"
        failed = scanner / "fejlet" / "ødelagt.pdf"
        assert wait_for(lambda: done.exists() and failed.exists())
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "scan001.pdf: behandlet" in output and "ødelagt.pdf: fejlet" in output
    reason = (scanner / "fejlet" / "ødelagt.pdf.txt").read_text(encoding="utf-8")
    assert "ødelagt.pdf" in reason
    letters = list(Store(tmp_path / "ws" / "postbakke.db").letters.export())
    assert [(row["source"], row["tray"]) for row in letters] == [("scan001.pdf", "Jobcenter")]
