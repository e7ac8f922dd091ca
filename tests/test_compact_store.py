"""The store stays compact: the OCR text in a table of its own, the purge by index, the file
giving back what the purge frees (issue 24).

GIVEN letters with a page of OCR text each
WHEN retention clears the text
THEN the text's rows are deleted (not emptied), the purge found them by index (no SCAN
of letters or letter_texts in its queries), and the file shrinks with them (auto_vacuum
INCREMENTAL); an old workspace is upgraded to the same layout with its text.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from test_migrations import V1_WORKSPACE

from postbakke.config import load_settings
from postbakke.people.filing import file_letters, forget_file
from postbakke.retention import purge_expired
from postbakke.store import LetterRecord, Store, StoredFile

TEXT = "Kære borger. " + "Kommunen har modtaget din ansøgning om hjælp. " * 40  # ~1.9 kB


def letter(file_hash: str, page: int, text: str | None = TEXT) -> LetterRecord:
    return LetterRecord(
        file_hash=file_hash, source=f"{file_hash}.pdf", pages=[page], tray=None,
        scanned_on="2026-11-16", recipient_kind="cpr", recipient_pseudonym=f"{page:064d}",
        recipient_masked="010190-XXXX", match="id", enrolment="fritaget", department="Jobcenter",
        sender=f"Medarbejder {page % 7}", verdict="legitimate", reason="exempt",
        window_cpr=False, subject="Partshøring", evidence="ingen modtager",
        ocr_text=f"{text} {file_hash} {page}" if text else None,
        image_paths=[f"/ingen/sider/{file_hash}-p{page:03d}.png"])


def fill(store: Store, files: int, per_file: int = 20) -> None:
    for f in range(files):
        file_letters(store, StoredFile(f"h{f}", "a.pdf", None, "2026-11-16", per_file, "nu"),
                     [letter(f"h{f}", p) for p in range(1, per_file + 1)])


def pragma(store: Store, name: str) -> int:
    return int(store.db.execute(f"PRAGMA {name}").fetchone()[0])


def test_the_text_is_a_row_of_its_own_and_the_purge_deletes_it(workspace):
    settings = load_settings()
    store = Store(settings.db_path)
    assert pragma(store, "auto_vacuum") == 2  # INCREMENTAL, from the first table on
    fill(store, 10)  # 200 letters, ~0.4 MB of text
    assert store.db.execute("SELECT count(*) FROM letter_texts").fetchone()[0] == 200
    assert store.db.execute(
        "SELECT count(*) FROM letters WHERE ocr_text IS NOT NULL").fetchone()[0] == 0
    assert store.letters.get(1).ocr_text == f"{TEXT} h0 1"
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages_before = pragma(store, "page_count")
    result = purge_expired(store, settings, now=datetime.now(UTC) + timedelta(days=31))
    assert result.letters == 200
    assert store.db.execute("SELECT count(*) FROM letter_texts").fetchone()[0] == 0
    assert store.letters.get(1).ocr_text is None and store.letters.get(1).subject is None
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert pragma(store, "freelist_count") == 0
    # the text was most of the file: it gives back at least half of its pages
    assert pragma(store, "page_count") < pages_before / 2, (pages_before,
                                                           pragma(store, "page_count"))
    assert settings.db_path.stat().st_size < pragma(store, "page_count") * 4096 + 4096


def test_the_purge_finds_what_is_due_by_index(workspace):
    settings = load_settings()
    store = Store(settings.db_path)
    fill(store, 3)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    purge_expired(store, settings, now=datetime.now(UTC) + timedelta(days=31))
    store.db.conn.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) >= 2  # images and texts due (no page folder: no orphan sweep)
    for sql in selects:
        for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall():
            assert not re.match(r"SCAN (letters|letter_texts)\b", row[3]), (row[3], sql)


def test_a_letter_removed_takes_its_text_with_it(workspace):
    store = Store(load_settings().db_path)
    fill(store, 2, per_file=3)
    assert forget_file(store, "h0") == 3
    assert [r[0] for r in store.db.execute(
        "SELECT letter_id FROM letter_texts ORDER BY letter_id")] == [4, 5, 6]


def test_a_copy_is_still_found_by_its_text(workspace):
    store = Store(load_settings().db_path)
    fill(store, 1, per_file=2)
    same = replace(letter("igen", 1), ocr_text=f"{TEXT} h0 1")
    copy = file_letters(store, StoredFile("igen", "a.pdf", None, "2026-11-17", 1, "nu"),
                        [same])
    assert copy[0].duplicate_of == ("h0", 1)


def test_an_old_workspace_gets_its_text_table_and_gives_back_pages(tmp_path, monkeypatch):
    home = tmp_path / "arbejdsmappe"
    home.mkdir()
    shutil.copyfile(V1_WORKSPACE, home / "postbakke.db")
    with sqlite3.connect(home / "postbakke.db") as db:
        texts = db.execute("SELECT id, ocr_text FROM letters ORDER BY id").fetchall()
        assert int(db.execute("PRAGMA auto_vacuum").fetchone()[0]) == 0
    assert all(t for _, t in texts)
    monkeypatch.setenv("POSTBAKKE_HOME", str(home))
    monkeypatch.setenv("POSTBAKKE_SECRET", "x" * 40)
    store = Store(home / "postbakke.db")
    assert pragma(store, "auto_vacuum") == 2
    assert store.db.execute(
        "SELECT letter_id, ocr_text FROM letter_texts ORDER BY letter_id").fetchall() == texts
    assert [store.letters.get(i).ocr_text for i, _ in texts] == [t for _, t in texts]
    purge_expired(store, load_settings(), now=datetime.now(UTC) + timedelta(days=3650))
    assert store.db.execute("SELECT count(*) FROM letter_texts").fetchone()[0] == 0
    assert store.db.execute(
        "SELECT count(*) FROM letters WHERE ocr_text IS NOT NULL").fetchone()[0] == 0


BOXES = {"recipient_name": [{"page": 0, "x0": 22.0, "y0": 57.0, "x1": 45.1, "y1": 60.5}],
         "subject": [{"page": 0, "x0": 20.0, "y0": 90.0, "x1": 80.0, "y1": 93.0}]}


def test_the_field_outlines_go_with_the_page_images(workspace):
    """The outlines are drawn on the page images only: once retention deletes the images,
    a year's letters do not keep them (they were a fifth of the database)."""
    settings = load_settings()
    store = Store(settings.db_path)
    file_letters(store, StoredFile("h0", "a.pdf", None, "2026-11-16", 2, "nu"),
                 [replace(letter("h0", p), field_boxes=BOXES) for p in (1, 2)])
    assert purge_expired(store, settings).letters == 0
    assert [store.letters.get(i).field_boxes for i in (1, 2)] == [BOXES, BOXES]
    purge_expired(store, settings, now=datetime.now(UTC) + timedelta(days=31))
    for i in (1, 2):
        kept = store.letters.get(i)
        assert kept.image_paths == [] and kept.field_boxes is None
        assert (kept.verdict, kept.recipient_masked) == ("legitimate", "010190-XXXX")


def test_an_old_workspace_forgets_the_outlines_of_letters_without_images(tmp_path,
                                                                         monkeypatch):
    home = tmp_path / "arbejdsmappe"
    home.mkdir()
    shutil.copyfile(V1_WORKSPACE, home / "postbakke.db")
    monkeypatch.setenv("POSTBAKKE_HOME", str(home))
    monkeypatch.setenv("POSTBAKKE_SECRET", "x" * 40)
    store = Store(home / "postbakke.db")
    ids = [r[0] for r in store.db.execute("SELECT id FROM letters ORDER BY id").fetchall()]
    assert len(ids) >= 2
    store.db.execute("PRAGMA user_version = 13")  # as a workspace of the version before
    with store.transaction():
        store.db.execute("UPDATE letters SET field_boxes = ?, image_paths = ? WHERE id = ?",
                         ['{"subject": []}', '["/sider/a-p001.png"]', ids[0]])
        store.db.execute("UPDATE letters SET field_boxes = ?, image_paths = '[]' "
                         "WHERE id != ?", ['{"subject": []}', ids[0]])
    store.close()
    store = Store(home / "postbakke.db")
    assert store.letters.get(ids[0]).field_boxes == {"subject": []}  # its images are there
    assert {store.letters.get(i).field_boxes is None for i in ids[1:]} == {True}
    # kept beside the text now (schema step 16), not in the letter's own row
    assert store.db.execute("SELECT count(*) FROM letters WHERE field_boxes IS NOT NULL "
                            "OR recipient_block IS NOT NULL").fetchone()[0] == 0
    assert store.db.execute("SELECT field_boxes FROM letter_texts WHERE letter_id = ?",
                            [ids[0]]).fetchone()[0] == '{"subject": []}'


def test_what_retention_clears_is_kept_apart_and_leaves_no_holes(workspace):
    """The printed recipient block and the field outlines are kept beside the OCR text:
    the text goes after `letter_text` days with the block, the outlines with the page
    images; the row goes when both have, and the letters' own rows never shrink (a year's
    letters had pages two-thirds empty)."""
    from postbakke.models import RecipientBlock

    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "postbakke.toml").write_text(
        "[retention]\nletter_text = 30\npage_images = 60\n", encoding="utf-8")
    settings = load_settings()
    store = Store(settings.db_path)
    block = RecipientBlock(name="Jens Hansen", street="Skovvej 4", postcode="8370",
                           city="Hadsten")
    file_letters(store, StoredFile("h0", "a.pdf", None, "2026-11-16", 50, "nu"),
                 [replace(letter("h0", p), field_boxes=BOXES, recipient_block=block)
                  for p in range(1, 51)])
    sizes = dict(store.db.execute(
        "SELECT name, sum(length(CAST(recipient_block AS BLOB))) + "
        "sum(length(CAST(field_boxes AS BLOB))) FROM (SELECT 'letters' AS name, "
        "recipient_block, field_boxes FROM letters UNION ALL SELECT 'letter_texts', "
        "recipient_block, field_boxes FROM letter_texts) GROUP BY name").fetchall())
    assert sizes["letters"] is None and sizes["letter_texts"] > 50 * 200
    assert store.letters.get(7).recipient_block == block
    assert store.letters.get(7).field_boxes == BOXES
    result = purge_expired(store, settings, now=datetime.now(UTC) + timedelta(days=31))
    assert result.letters == 50
    kept = store.letters.get(7)
    assert kept.recipient_block is None and kept.ocr_text is None
    assert kept.field_boxes == BOXES and kept.image_paths  # the images stay 60 days
    assert store.db.execute(
        "SELECT count(*) FROM letter_texts WHERE ocr_text IS NULL").fetchone()[0] == 50
    # nothing more is due until the images are: the outlines' rows are not counted again
    again = purge_expired(store, settings, now=datetime.now(UTC) + timedelta(days=32))
    assert again.letters == 0
    purge_expired(store, settings, now=datetime.now(UTC) + timedelta(days=61))
    assert store.db.execute("SELECT count(*) FROM letter_texts").fetchone()[0] == 0
    assert store.letters.get(7).field_boxes is None


def test_a_days_purge_leaves_its_pages_to_the_days_scans(workspace):
    """A day's retention frees a sliver of the file: the pages stay free for the letters
    scanned next (the file does not shrink to grow again, which cost the morning's first
    scan 0.13 s at a year of letters); most of the file freed is given back at once."""
    settings = load_settings()
    store = Store(settings.db_path)
    fill(store, 20)  # 400 letters with ~2 kB of text each
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat(timespec="seconds")
    with store.transaction():
        for table, key in (("letters", "id"), ("letter_texts", "letter_id")):
            store.db.execute(f"UPDATE {table} SET created_at = ? WHERE {key} <= 20", [old])
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = pragma(store, "page_count")
    assert purge_expired(store, settings).letters == 20
    free = pragma(store, "freelist_count")
    assert 0 < free * 10 <= pages and pragma(store, "page_count") == pages
    file_letters(store, StoredFile("ny", "a.pdf", None, "2026-11-17", 20, "nu"),
                 [letter("ny", p) for p in range(1, 21)])
    assert pragma(store, "page_count") <= pages + 2  # the freed pages were used again
    assert pragma(store, "freelist_count") < free
