"""The workspace database: one transaction per file, the contract's export."""

from __future__ import annotations

import ast
import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

import postbakke.store
from postbakke.models import RecipientBlock
from postbakke.store import LetterRecord, Store, StoredFile

EXPORT_KEYS = [
    "source", "pages", "tray", "scanned_on", "recipient_kind", "recipient_pseudonym",
    "recipient_masked", "match", "enrolment", "department", "sender", "verdict", "reason",
    "window_cpr", "duplicate_of",
]


def record(file_hash: str, first_page: int, **changes) -> LetterRecord:
    values = dict(
        file_hash=file_hash, source="bakke.pdf", pages=[first_page, first_page + 1],
        tray="Jobcenter", scanned_on="2026-11-25", recipient_kind="cpr",
        recipient_pseudonym="ab" * 32, recipient_masked="010203-XXXX", match="id",
        enrolment="tilmeldt", department="Jobcenter", sender="Anne Mette Holm",
        verdict="leak", reason="enrolled", window_cpr=False,
    )
    values.update(changes)
    return LetterRecord(**values)


def stored(file_hash: str) -> StoredFile:
    return StoredFile(file_hash, "bakke.pdf", "Jobcenter", "2026-11-25", 4, "now")


def test_database_is_in_wal_mode(tmp_path):
    store = Store(tmp_path / "p.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_failing_file_leaves_none_of_its_letters(tmp_path):
    store = Store(tmp_path / "p.db")
    duplicate_page = [record("h1", 1), record("h1", 1)]  # violates the unique index
    with pytest.raises(sqlite3.IntegrityError):
        store.files.save(stored("h1"), duplicate_page)
    assert list(store.letters.export()) == [] and store.files.get("h1") is None
    store.files.save(stored("h1"), [record("h1", 1), record("h1", 3)])
    assert len(list(store.letters.export())) == 2 and store.files.get("h1") is not None


def test_letters_export_as_jsonl_and_csv(tmp_path, run, workspace):
    store = Store(workspace / "postbakke.db")
    store.files.save(stored("h1"), [record("h1", 1), record("h1", 3, recipient_kind=None,
                    recipient_pseudonym=None, recipient_masked=None, match=None,
                    enrolment=None, verdict="review", reason="no_recipient",
                    window_cpr=True)])
    lines = run("letters", "--format", "jsonl").output.splitlines()
    first, second = (json.loads(line) for line in lines)
    assert list(first) == EXPORT_KEYS
    assert first["pages"] == [1, 2] and first["window_cpr"] is False
    assert second["recipient_kind"] is None and second["window_cpr"] is True
    rows = list(csv.DictReader(io.StringIO(run("letters", "--format", "csv").output)))
    assert list(rows[0]) == EXPORT_KEYS and len(rows) == 2
    assert rows[1]["verdict"] == "review"
    table = run("letters").output
    assert "til gennemsyn" in table and "læk" in table


def test_recipient_block_and_field_boxes_are_kept_for_the_work_station(tmp_path):
    store = Store(tmp_path / "p.db")
    block = RecipientBlock(name="Jens Hansen", attention=None, street="Skovvej 4",
                           postcode="8370", city="Hadsten")
    boxes = {"recipient_name": [{"page": 0, "x0": 22.0, "y0": 57.0, "x1": 45.1, "y1": 60.5}],
             "recipient_id": [{"page": 0, "x0": 160.0, "y0": 74.0, "x1": 181.0, "y1": 77.5},
                              {"page": 1, "x0": 60.0, "y0": 40.0, "x1": 81.0, "y1": 43.5}]}
    store.files.save(stored("h1"), [record("h1", 1, recipient_block=block, field_boxes=boxes),
                                   record("h1", 3)])
    first, second = store.letters.get(1), store.letters.get(2)
    assert first is not None and second is not None
    assert (first.recipient_block, first.field_boxes) == (block, boxes)
    assert (second.recipient_block, second.field_boxes) == (None, None)
    assert all(list(r) == EXPORT_KEYS + ["id", "subject"] for r in store.letters.export())


def product_imports(path: Path) -> set[str]:
    """The modules of the package a file imports (top level or inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "postbakke":
            found |= {f"postbakke.{a.name}" for a in node.names}  # from postbakke import x
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("postbakke"):
            found.add(node.module or "")
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("postbakke")}
    return found


def test_the_store_holds_no_rule():
    """The store's modules import the base (the types, the masking) and each other, never a
    stage: the rules that read, match, decide or rank are the callers'."""
    package = Path(postbakke.store.__file__).parent
    imported = set().union(*(product_imports(p) for p in package.glob("*.py")))
    allowed = {"postbakke.errors", "postbakke.models", "postbakke.privacy", "postbakke.migrations"}
    assert {m for m in imported if not m.startswith("postbakke.store")} <= allowed
