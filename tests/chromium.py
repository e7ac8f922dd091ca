"""Render a local HTML file in Debian's headless Chromium, offline (shared by the report and
digest tests)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


needs_chromium = pytest.mark.skipif(
    chromium() is None, reason="Debian's chromium is not installed (make sysdeps installs it)")


def _base(profile: Path) -> list[str]:
    return [
        chromium() or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}",
        # offline: any host name fails, so a resource from the network could not load
        "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
    ]


def screenshot(page: Path, png: Path, profile: Path,
               size: tuple[int, int] = (1240, 1754)) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_base(profile), f"--screenshot={png}", f"--window-size={size[0]},{size[1]}",
         page.as_uri()],
        capture_output=True, text=True, timeout=180,
    )


def dump_dom(page: Path, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_base(profile), "--dump-dom", page.as_uri()], capture_output=True, text=True,
        timeout=180,
    )


def no_network_errors(*logs: str) -> None:
    for log in logs:
        assert "Failed to load resource" not in log
        assert "net::ERR_" not in log
