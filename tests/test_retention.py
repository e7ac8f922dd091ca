"""Retention: images and OCR text go after retention_days, the statistics stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.models import RecipientBlock
from postbakke.people.filing import file_letters
from postbakke.retention import purge_expired
from postbakke.store import LetterRecord, Store, StoredFile


def stored_letter(store: Store, image: str, file_hash: str) -> None:
    file_letters(
        store,
        StoredFile(file_hash, "a.png", None, "2026-11-25", 1, "now"),
        [LetterRecord(file_hash=file_hash, source="a.png", pages=[1], tray=None,
                      scanned_on="2026-11-25", recipient_kind="cpr",
                      recipient_pseudonym="p" * 64, recipient_masked="010203-XXXX",
                      match="id", enrolment="tilmeldt", department="Jobcenter", sender=None,
                      verdict="leak", reason="enrolled", window_cpr=False,
                      ocr_text="Kære Jens, cpr.nr. 010203-XXXX", image_paths=[image])],
    )


def test_purge_deletes_old_images_and_text_but_keeps_the_verdicts(workspace):
    settings = load_settings()
    store = Store(settings.db_path)
    image = settings.pages_dir / "abc" / "a-p001.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"png")
    stored_letter(store, str(image), "h1")
    assert purge_expired(store, settings).letters == 0  # fresh: kept for review
    later = datetime.now(UTC) + timedelta(days=31)
    result = purge_expired(store, settings, now=later)
    assert (result.letters, result.images) == (1, 1)
    assert not image.exists() and not image.parent.exists()
    row = next(store.db["letters"].rows)
    assert row["ocr_text"] is None and json.loads(row["image_paths"]) == []
    assert (row["verdict"], row["recipient_pseudonym"]) == ("leak", "p" * 64)


def test_retention_days_from_the_settings_file_and_purge_command(workspace):
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "postbakke.toml").write_text("retention_days = 0\n", encoding="utf-8")
    settings = load_settings()
    stored_letter(Store(settings.db_path), str(workspace / "findes-ikke.png"), "h2")
    result = CliRunner().invoke(cli, ["purge"])
    assert result.exit_code == 0
    assert "slettet for 1 breve ældre end 0 dage" in result.output


def test_purge_clears_the_printed_recipient_block_but_keeps_the_field_boxes(workspace):
    """The block is a citizen's name and address: it goes with the OCR text."""
    settings = load_settings()
    store = Store(settings.db_path)
    boxes = {"recipient_name": [{"page": 0, "x0": 22.0, "y0": 57.0, "x1": 45.1, "y1": 60.5}]}
    store.files.save(
        StoredFile("h3", "b.pdf", None, "2026-11-25", 1, "now"),
        [LetterRecord(file_hash="h3", source="b.pdf", pages=[1], tray=None,
                      scanned_on="2026-11-25", recipient_kind=None, recipient_pseudonym=None,
                      recipient_masked=None, match=None, enrolment=None, department=None,
                      sender=None, verdict="review", reason="no_recipient", window_cpr=False,
                      recipient_block=RecipientBlock(name="Jens Hansen", street="Skovvej 4",
                                                     postcode="8370", city="Hadsten"),
                      field_boxes=boxes)],
    )
    later = datetime.now(UTC) + timedelta(days=31)
    assert purge_expired(store, settings, now=later).letters == 1
    letter = store.letters.get(1)
    assert letter is not None and letter.recipient_block is None
    assert letter.field_boxes == boxes
    assert purge_expired(store, settings, now=later).letters == 0  # nothing left to clear


def test_watch_originals_and_the_tools_reports_expire_with_the_clock(workspace, tmp_path):
    """The original scans filed by watch (behandlet/, fejlet/ with its .txt reason) and the
    reports and digest e-mails the tool wrote are personal data too: gone after their days,
    listed first by a dry run; files the tool did not write stay."""
    import os

    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "postbakke.toml").write_text(
        "retention_days = 30\n[retention]\nwatch_originals = 7\nreports = 60\n",
        encoding="utf-8")
    settings = load_settings()
    store = Store(settings.db_path)
    folder = tmp_path / "scanner"
    done = folder / "behandlet" / "2026-11-02" / "Jobcenter" / "brev.pdf"
    failed = folder / "fejlet" / "kroellet.pdf"
    reason = folder / "fejlet" / "kroellet.pdf.txt"
    waiting = folder / "Jobcenter" / "ny.pdf"  # not yet read: never the tool's to delete
    reports, outbox = tmp_path / "reports", tmp_path / "reports" / "outbox"
    report = reports / "rapport-2026-W45.html"
    leak_csv = reports / "rapport-2026-W45-laek.csv"
    mail = outbox / "2026-W45-jobcenter.eml"
    own_note = reports / "noter.txt"  # someone's own file in reports/
    for path in (done, failed, reason, waiting, report, leak_csv, mail, own_note):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    now = datetime.now(UTC)

    def age(path, days):
        stamp = (now - timedelta(days=days)).timestamp()
        os.utime(path, (stamp, stamp))

    for path in (done, failed, reason, waiting):
        age(path, 10)  # past the 7 days for originals
    for path in (report, leak_csv, mail, own_note):
        age(path, 40)  # within the 60 days for reports

    def purge(when, dry_run=False):
        return purge_expired(store, settings, now=when, dry_run=dry_run, watch_folder=folder,
                             report_dirs=(reports,), outboxes=(outbox,))

    listed = purge(now, dry_run=True).listed
    assert {str(done), str(failed), str(reason)} <= set(listed)
    assert done.exists() and failed.exists()  # a dry run deletes nothing
    result = purge(now)
    assert result.originals == 3 and result.reports == 0
    assert not done.exists() and not failed.exists() and not reason.exists()
    assert waiting.exists()
    assert report.exists() and mail.exists()
    later = purge(now + timedelta(days=21))  # the reports are now 61 days old
    assert later.reports == 3
    assert not report.exists() and not leak_csv.exists() and not mail.exists()
    assert own_note.exists()


def test_a_scans_young_empty_page_folder_survives_a_purge_at_the_same_moment(workspace):
    """GIVEN another scan that has just made its page folder (no image in it yet) WHEN a
    scan starts and purges THEN the folder stays; an empty folder older than the grace goes."""
    import os

    settings = load_settings()
    store = Store(settings.db_path)
    young = settings.pages_dir / "0123456789abcdef"
    old = settings.pages_dir / "fedcba9876543210"
    young.mkdir(parents=True)
    old.mkdir(parents=True)
    long_ago = (datetime.now(UTC) - timedelta(days=2)).timestamp()
    os.utime(old, (long_ago, long_ago))
    purge_expired(store, settings)
    assert young.is_dir() and not old.exists()
