"""Retention: page images, OCR text and the printed recipient block are personal data
kept only for review.

After `retention_days` they are deleted; the letter's counts, verdict and
pseudonym stay for the statistics (and the field boxes, which hold no text).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from postbakke.config import Settings
from postbakke.store import Store


@dataclass(frozen=True)
class PurgeResult:
    letters: int  # letters whose OCR text, page images and recipient block were removed
    images: int  # image files deleted


def purge_expired(store: Store, settings: Settings, now: datetime | None = None) -> PurgeResult:
    now = now or datetime.now(UTC)
    cutoff = (now - timedelta(days=settings.retention_days)).isoformat(timespec="seconds")
    expired = store.letters_with_content_before(cutoff)
    images = 0
    for _, image_paths in expired:
        for name in json.loads(image_paths or "[]"):
            path = Path(name)
            if path.exists():
                path.unlink()
                images += 1
    store.clear_content([letter_id for letter_id, _ in expired])
    _remove_empty_dirs(settings.pages_dir)
    return PurgeResult(letters=len(expired), images=images)


def _remove_empty_dirs(root: Path) -> None:
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.iterdir() if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
