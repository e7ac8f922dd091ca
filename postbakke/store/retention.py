"""The personal content kept with letters (OCR text, page images, the printed recipient
block) found by age and cleared; the periods and the files on disk are retention.py's."""

from __future__ import annotations

import json

from postbakke.store.connection import Repository


class Retention(Repository):
    def letters_with_images_before(self, cutoff: str) -> list[tuple[int, list[str]]]:
        """(id, image paths) of letters stored by `cutoff` that still have page images."""
        return [(r[0], json.loads(r[1] or "[]")) for r in self.db.execute(
            "SELECT id, image_paths FROM letters WHERE created_at <= ? "
            "AND image_paths != '[]'", [cutoff]).fetchall()]

    def letters_with_text_before(self, cutoff: str) -> list[int]:
        """Ids of letters stored by `cutoff` that still hold OCR text or names."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM letters WHERE created_at <= ? AND (ocr_text IS NOT NULL "
            "OR subject IS NOT NULL OR evidence IS NOT NULL OR recipient_block IS NOT NULL)",
            [cutoff]).fetchall()]

    def all_image_paths(self) -> list[str]:
        return [p for (paths,) in self.db.execute(
            "SELECT image_paths FROM letters WHERE image_paths != '[]'").fetchall()
            for p in json.loads(paths or "[]")]

    def clear_images(self, letter_ids: list[int]) -> None:
        with self.db.atomic():
            for letter_id in letter_ids:
                self.db.execute("UPDATE letters SET image_paths = '[]' WHERE id = ?",
                                [letter_id])

    def clear_text(self, letter_ids: list[int]) -> None:
        """Forget a letter's OCR text, subject, evidence and printed recipient block (its
        kind of letter, kept at filing, stays)."""
        with self.db.atomic():
            for letter_id in letter_ids:
                self.db.execute(
                    "UPDATE letters SET ocr_text = NULL, subject = NULL, evidence = NULL, "
                    "recipient_block = NULL WHERE id = ?", [letter_id])

    def clear_content(self, letter_ids: list[int]) -> None:
        """Forget a letter's OCR text, page images and printed recipient block at once."""
        with self.connection.transaction():
            for letter_id in letter_ids:
                self.db.execute(
                    "UPDATE letters SET ocr_text = NULL, image_paths = '[]', "
                    "recipient_block = NULL WHERE id = ?",
                    [letter_id],
                )
