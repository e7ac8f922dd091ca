"""A real browser for the work station's tests: Playwright driving Debian's chromium.

Never `playwright install` (it downloads a browser): the pinned playwright (1.64.x)
speaks to Debian's Chromium 156. If Debian moves to another major version the
check below fails loudly instead of a test failing in some odd way.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
EXPECTED_MAJOR = 156  # the Chromium major of the pinned playwright release
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "reports" / "screenshots"

needs_browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make sysdeps)")


@contextmanager
def launched() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        major = int(browser.version.split(".")[0])
        assert major == EXPECTED_MAJOR, (
            f"Debian's chromium is {browser.version}; playwright is pinned for "
            f"{EXPECTED_MAJOR}: pin the playwright release whose Chromium matches")
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def served(home: Path, extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, list]]:
    """`postbakke web --port 0` on the workspace: its base URL, and its output lines so far."""
    env = {**os.environ, "POSTBAKKE_HOME": str(home), **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "postbakke", "web", "--port", "0"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output: list[str] = []
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        output.append(line)
        found = re.search(r"http://[\d.]+:\d+/", line)
        assert found, f"the server said: {line!r}"
        yield found.group(0).rstrip("/"), output
    finally:
        process.terminate()
        try:
            rest, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            rest, _ = process.communicate()
        output.append(rest)
