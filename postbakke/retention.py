"""Retention of everything personal: each kind is deleted after its days ([retention],
each defaulting to retention_days); the counts, verdicts, pseudonyms and kinds of letter
stay for the statistics.

Kinds: page images (sider/, also images no letter refers to: a file that failed or a
run that was killed), the letters' OCR text, subject, evidence and printed recipient
block (names), the watch folder's originals (behandlet/, fejlet/ with their .txt
reasons), and the reports and digests the tool wrote in reports/ and reports/outbox/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from postbakke.config import Settings
from postbakke.store import Store
from postbakke.watch import DONE_DIR, FAILED_DIR

# A page image no letter refers to is swept once it is this old: a scan in progress
# writes its pages' images before it stores the file's letters (a 300-page file takes
# minutes), so a young unreferenced image may be about to be referred to.
Remover = Callable[[Path], bool]
ORPHAN_GRACE = timedelta(hours=24)
REPORT_PATTERNS = ("rapport-*.html", "rapport-*.csv")
OUTBOX_PATTERNS = ("*.eml",)
# The names `report` and `digest --dry-run` give their files (figures.Period.slug,
# report.leaks_csv_path, sending.write_outbox): a file named otherwise is someone's own.
REPORT_NAME = re.compile(r"rapport-(\d{4}-W\d{2}|\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2})"
                         r"(-laek\.csv|\.html|\.csv)")
OUTBOX_NAME = re.compile(r"\d{4}-W\d{2}-[\w-]+\.eml")


@dataclass(frozen=True)
class PurgeResult:
    letters: int  # letters whose OCR text, names or page images were removed
    images: int  # image files deleted (a letter's and unreferenced ones)
    orphans: int = 0  # of which no letter referred to
    originals: int = 0  # scans (and .txt reasons) deleted from behandlet/ and fejlet/
    reports: int = 0  # report and .eml files deleted
    # what went (or would go: dry run)
    listed: list[str] = field(default_factory=list, compare=False)


def _cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def purge_expired(store: Store, settings: Settings, now: datetime | None = None,
                  dry_run: bool = False, watch_folder: Path | None = None,
                  report_dirs: tuple[Path, ...] | None = None,
                  outboxes: tuple[Path, ...] | None = None) -> PurgeResult:
    """Delete (or with `dry_run` only list) every kind of personal data past its days.

    Reports and digests are looked for in the workspace's own folders only
    (Settings.reports_dir and outbox_dir, never the current folder), and only files
    named as the tool names them (REPORT_NAME, OUTBOX_NAME) are deleted there.
    """
    report_dirs = report_dirs if report_dirs is not None else (settings.reports_dir,)
    outboxes = outboxes if outboxes is not None else (settings.outbox_dir,)
    now = now or datetime.now(UTC)
    keep = settings.retention
    listed: list[str] = []

    def remove(path: Path) -> bool:
        listed.append(str(path))
        if not dry_run:
            path.unlink(missing_ok=True)
        return True

    image_cutoff = _cutoff(now, keep.page_images).isoformat(timespec="seconds")
    with_images = store.retention.letters_with_images_before(image_cutoff)
    images = sum(remove(Path(p)) for _, paths in with_images for p in paths if Path(p).exists())
    text_cutoff = _cutoff(now, keep.letter_text).isoformat(timespec="seconds")
    with_text = store.retention.letters_with_text_before(text_cutoff)
    listed += [f"brev {i}: OCR-tekst, emne, spor og modtagerblok" for i in with_text]
    if not dry_run:
        # the letters due for both at once (the usual case: both kept as long) are cleared
        # in one step, their text rows deleted outright
        both = {i for i, _ in with_images} & set(with_text)
        store.retention.clear_content(sorted(both))
        store.retention.clear_images([i for i, _ in with_images if i not in both])
        store.retention.clear_text([i for i in with_text if i not in both])
        if with_text or with_images:
            store.retention.give_back_free_pages()
    orphans = _sweep_orphans(store, settings, now, remove)
    originals = 0
    folder = watch_folder or settings.watch_folder
    if folder is not None:
        originals = _sweep_old(
            [folder / DONE_DIR, folder / FAILED_DIR], ("*",),
            _cutoff(now, keep.watch_originals), remove)
    reports = _sweep_old(list(report_dirs), REPORT_PATTERNS, _cutoff(now, keep.reports), remove,
                         recursive=False, named=REPORT_NAME)
    reports += _sweep_old(list(outboxes), OUTBOX_PATTERNS, _cutoff(now, keep.reports), remove,
                          recursive=False, named=OUTBOX_NAME)
    if not dry_run:
        emptied = {Path(p).parent for p in listed}
        _remove_empty_dirs(settings.pages_dir, emptied, now)
        if folder is not None:
            for sub in (folder / DONE_DIR, folder / FAILED_DIR):
                _remove_empty_dirs(sub, emptied, now)
    letters = len({i for i, _ in with_images} | set(with_text))
    return PurgeResult(letters=letters, images=images + orphans, orphans=orphans,
                       originals=originals, reports=reports, listed=listed)


def _sweep_orphans(store: Store, settings: Settings, now: datetime, remove: Remover) -> int:
    root = settings.pages_dir
    if not root.is_dir():
        return 0
    referenced = {str(Path(p)) for p in store.retention.all_image_paths()}
    oldest = (now - ORPHAN_GRACE).timestamp()
    count = 0
    for path in sorted(root.rglob("*")):
        if path.is_file() and str(path) not in referenced and path.stat().st_mtime <= oldest:
            count += remove(path)
    return count


def _sweep_old(folders: list[Path], patterns: tuple[str, ...], cutoff: datetime,
               remove: Remover, recursive: bool = True,
               named: re.Pattern[str] | None = None) -> int:
    count = 0
    limit = cutoff.timestamp()
    for folder in folders:
        if not folder.is_dir():
            continue
        for pattern in patterns:
            found = folder.rglob(pattern) if recursive else folder.glob(pattern)
            for path in sorted(found):
                if named is not None and (path.is_symlink() or not named.fullmatch(path.name)):
                    continue  # not a file the tool wrote
                if path.is_file() and path.stat().st_mtime <= limit:
                    count += remove(path)
    return count


def _remove_empty_dirs(root: Path, emptied: set[Path], now: datetime) -> None:
    """Remove the empty folders this purge emptied, and those empty for ORPHAN_GRACE.

    A young empty folder may be a scan's that is about to write its first page image
    (another `scan` or `watch` at the same moment): it stays.
    """
    if not root.is_dir():
        return
    oldest = (now - ORPHAN_GRACE).timestamp()
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if any(folder.iterdir()):
            continue
        if folder in emptied or folder.stat().st_mtime <= oldest:
            try:
                folder.rmdir()
            except OSError:
                pass  # filled meanwhile by a scan: it stays

