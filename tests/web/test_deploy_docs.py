"""docs/privacy.md and docs/deploy.md name a test for each promise, and the tests exist
(issue 21 item 8).

A table row of either document names one or more `tests/...::test_name` (a `::name`
alone is another test of the file named before it); each must be a test function in
that file, so a renamed or removed test breaks this one instead of leaving a promise
backed by nothing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DOCS = ("docs/privacy.md", "docs/deploy.md")
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`")


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def references(text: str) -> list[tuple[str, str | None]]:
    found, current = [], None
    for file, name in REFERENCE.findall(text):
        current = file or current
        if current and (file or name):
            found.append((current, name or None))
    return found


@pytest.mark.parametrize("doc", DOCS)
def test_every_promise_row_names_a_test_that_exists(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines()
            if line.startswith("| ") and not line.startswith(("| Promise", "| Data", "| File"))
            and not set(line) <= set("|- ")]
    deploy_files = doc.endswith("deploy.md")
    for row in rows:
        if deploy_files and "deploy/" in row and "Backed" not in row and "tests/" not in row:
            continue  # the table of files to copy
        assert "tests/" in row, f"{doc}: a row names no test: {row[:80]}"
    missing = []
    for file, name in references(text):
        path = ROOT / file
        if not path.exists():
            missing.append(file)
        elif name and name not in functions_in(path):
            missing.append(f"{file}::{name}")
    assert missing == [], f"{doc} names tests that do not exist"
