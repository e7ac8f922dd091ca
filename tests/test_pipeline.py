"""Scan orchestration without OCR: the run's closing figures and the watch folder's handler."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from postbakke import pipeline
from postbakke.config import load_settings
from postbakke.models import RecipientBlock, VerdictKind
from postbakke.pipeline import (
    FileOutcome,
    FileStatus,
    ScanContext,
    ScanCounts,
    ScanSummary,
    make_scan_handler,
    printed_block,
)
from postbakke.reading.ingest import content_hash
from postbakke.retention import PurgeResult, purge_expired
from postbakke.store import LetterRecord, Store, StoredFile


def letter(verdict: VerdictKind) -> LetterRecord:
    return LetterRecord(
        file_hash="h", source="a.pdf", pages=[1], tray=None, scanned_on="2026-11-25",
        recipient_kind=None, recipient_pseudonym=None, recipient_masked=None, match=None,
        enrolment=None, department=None, sender=None, verdict=verdict,
        reason="no_recipient", window_cpr=False,
    )


def test_scan_counts_new_files_pages_and_verdicts_not_duplicates_or_failures():
    summary = ScanSummary(outcomes=[
        FileOutcome("a.pdf", FileStatus.NEW, n_pages=3,
                    letters=[letter(VerdictKind.LEAK), letter(VerdictKind.REVIEW)]),
        FileOutcome("b.pdf", FileStatus.NEW, n_pages=1, letters=[letter(VerdictKind.LEAK)]),
        FileOutcome("c.pdf", FileStatus.NEW, n_pages=2,
                    letters=[letter(VerdictKind.LEGITIMATE)]),
        FileOutcome("a-kopi.pdf", FileStatus.DUPLICATE),
        FileOutcome("d.pdf", FileStatus.FAILED, reason="filen er tom"),
    ])
    assert summary.counts() == ScanCounts(
        files=3, duplicates=1, pages=6, letters=4, leaks=2, legitimate=1, review=1, failed=1)
    assert [o.source for o in summary.failed] == ["d.pdf"]


def test_empty_scan_counts_nothing():
    assert ScanSummary().counts() == ScanCounts(0, 0, 0, 0, 0, 0, 0, 0)


def test_file_status_is_stored_as_its_plain_word():
    assert [str(s) for s in FileStatus] == ["new", "duplicate", "failed"]
    assert FileStatus.FAILED == "failed"


def test_watch_handler_sets_an_unreadable_file_aside_with_its_reason(workspace, tmp_path):
    settings = load_settings()
    broken = tmp_path / "brev.pdf"
    broken.write_bytes(b"not a pdf at all")
    purged: list[PurgeResult] = []
    with ScanContext.open(settings, Store(settings.db_path)) as ctx:
        handled = make_scan_handler(ctx, on_purge=purged.append)(broken, "Postrum")
    assert not handled.ok and handled.reason
    assert purged == [PurgeResult(letters=0, images=0)]  # retention checked before each file


def test_watch_handler_says_a_known_file_adds_nothing(workspace, tmp_path):
    settings = load_settings()
    store = Store(settings.db_path)
    scan = tmp_path / "brev.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned before")
    store.files.save(StoredFile(content_hash(scan), "brev.pdf", None, "2026-11-24", 1, "now"), [])
    with ScanContext.open(settings, store) as ctx:
        handled = make_scan_handler(ctx, today=lambda: date(2026, 11, 25))(scan, None)
    assert handled.ok and handled.message == "allerede scannet, intet tilføjet"


def test_watch_handler_purges_expired_page_images_first(workspace, tmp_path, monkeypatch):
    settings = load_settings()
    store = Store(settings.db_path)
    image = settings.pages_dir / "abc" / "a-p001.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"png")
    store.files.save(StoredFile("h", "a.pdf", None, "2026-11-25", 1, "now"),
                    [replace(letter(VerdictKind.LEAK), image_paths=[str(image)], ocr_text="x")])
    later = datetime.now(UTC) + timedelta(days=settings.retention_days + 1)
    monkeypatch.setattr(pipeline, "purge_expired",
                        lambda store, settings, **_: purge_expired(store, settings, now=later))
    empty = tmp_path / "brev.pdf"
    empty.write_bytes(b"")
    purged: list[PurgeResult] = []
    with ScanContext.open(settings, store) as ctx:
        make_scan_handler(ctx, on_purge=purged.append)(empty, None)
    assert purged == [PurgeResult(letters=1, images=1)] and not image.exists()


def test_printed_block_keeps_the_address_lines():
    block = RecipientBlock(name="Jens Hansen", attention="c/o Grethe Holm", street="Skovvej 4",
                           postcode="8370", city="Hadsten", confidence=0.9)
    assert printed_block(block) == RecipientBlock(
        name="Jens Hansen", attention="c/o Grethe Holm", street="Skovvej 4", postcode="8370",
        city="Hadsten")


def test_printed_block_masks_a_cpr_number_read_into_a_line():
    block = RecipientBlock(name="Jens Hansen 010203-1234", street="Skovvej 4 0102031234",
                           postcode="8370", city="Hadsten")
    printed = printed_block(block)
    assert printed is not None
    assert printed.name == "Jens Hansen 010203-XXXX"
    assert "1234" not in repr(printed)


def test_an_empty_window_stores_no_block():
    assert printed_block(RecipientBlock()) is None
