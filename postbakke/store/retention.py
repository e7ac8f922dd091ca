"""The personal content kept with letters (OCR text, page images, the printed recipient
block) found by age and cleared; the periods and the files on disk are retention.py's.

What is due is found by index (schema steps 11 and 12): letter_texts by its created_at,
and two partial indexes on letters' created_at that hold only the letters still keeping
names or images. A purge before every scan reads a month's rows at most, never the years.
The WHEREs below are written exactly as the partial indexes' (else SQLite reads every
letter instead).
"""

from __future__ import annotations

import json

from postbakke.store.connection import Repository, chunks, placeholders

# SQL: the letter still holds names or text (idx_letters_named_created_at's WHERE)
_NAMED = ("(subject IS NOT NULL OR evidence IS NOT NULL OR recipient_block IS NOT NULL "
          "OR ocr_text IS NOT NULL)")
# SQL: the letter still refers to page images (idx_letters_imaged_created_at's WHERE)
_IMAGED = "image_paths != '[]'"


# Free pages are given back when they are more than 1/FREE_SHARE_GIVEN_BACK of the file.
FREE_SHARE_GIVEN_BACK = 10


class Retention(Repository):
    def letters_with_images_before(self, cutoff: str) -> list[tuple[int, list[str]]]:
        """(id, image paths) of letters stored by `cutoff` that still have page images."""
        return [(r[0], json.loads(r[1] or "[]")) for r in self.db.execute(
            "SELECT id, image_paths FROM letters INDEXED BY idx_letters_imaged_created_at "
            f"WHERE {_IMAGED} AND created_at <= ?", [cutoff]).fetchall()]

    def letters_with_text_before(self, cutoff: str) -> list[int]:
        """Ids of letters stored by `cutoff` that still hold OCR text or names."""
        return sorted({r[0] for r in self.db.execute(
            "SELECT letter_id FROM letter_texts WHERE created_at <= ? "
            "AND (ocr_text IS NOT NULL OR recipient_block IS NOT NULL) UNION "
            "SELECT id FROM letters INDEXED BY idx_letters_named_created_at "
            f"WHERE {_NAMED} AND created_at <= ?", [cutoff, cutoff]).fetchall()})

    def all_image_paths(self) -> list[str]:
        return [p for (paths,) in self.db.execute(
            "SELECT image_paths FROM letters INDEXED BY idx_letters_imaged_created_at "
            f"WHERE {_IMAGED}").fetchall()
            for p in json.loads(paths or "[]")]

    def clear_images(self, letter_ids: list[int]) -> None:
        """Forget a letter's page images (the files are retention.py's to delete) and where
        its fields lay on them: the outlines are drawn on the images only."""
        self._forget(letter_ids, "image_paths = '[]', field_boxes = NULL",
                     "field_boxes = NULL", kept="ocr_text IS NOT NULL "
                     "OR recipient_block IS NOT NULL")

    def clear_text(self, letter_ids: list[int]) -> None:
        """Forget a letter's OCR text, subject, evidence and printed recipient block (its
        kind of letter, kept at filing, stays)."""
        self._forget(letter_ids, "ocr_text = NULL, subject = NULL, evidence = NULL, "
                     "recipient_block = NULL", "ocr_text = NULL, recipient_block = NULL",
                     kept="field_boxes IS NOT NULL")

    def clear_content(self, letter_ids: list[int]) -> None:
        """Forget a letter's OCR text, subject, evidence, page images and printed recipient
        block at once."""
        self._forget(letter_ids, "ocr_text = NULL, subject = NULL, evidence = NULL, "
                     "image_paths = '[]', field_boxes = NULL, recipient_block = NULL",
                     "", kept="0")

    def _forget(self, letter_ids: list[int], on_letters: str, on_texts: str,
                kept: str) -> None:
        """One write transaction: `on_letters` (SQL assignments, ours) on the letters; of
        their letter_texts rows, those holding nothing after `on_texts` (whatever else
        they hold: `kept`) are deleted and only the others changed. (A row emptied first
        and deleted after cost a day's purge 0.2 s at a year of letters, deleted at once
        7 ms; its pages go back to the file, they do not stay with holes.)"""
        with self.connection.transaction():
            for chunk in chunks(letter_ids):
                ids = placeholders(len(chunk))
                self.db.execute(f"DELETE FROM letter_texts WHERE letter_id IN ({ids}) "
                                f"AND NOT ({kept})", list(chunk))
                if on_texts:
                    self.db.execute(f"UPDATE letter_texts SET {on_texts} "
                                    f"WHERE letter_id IN ({ids})", list(chunk))
                self.db.execute(f"UPDATE letters SET {on_letters} WHERE id IN ({ids})",
                                list(chunk))

    def give_back_free_pages(self) -> None:
        """The pages the cleared rows freed go back to the file system (auto_vacuum is
        INCREMENTAL; a workspace from before it keeps them for reuse) when they are more
        than a tenth of the file. Fewer are the day's retention (at a year of letters, a
        day's text is ~450 pages of ~70,000), which the day's scans fill again: giving
        them back only to grow the file again cost the morning's first scan 0.13 s."""
        free, pages = (int(self.db.execute(f"PRAGMA {name}").fetchone()[0])
                       for name in ("freelist_count", "page_count"))
        if free * FREE_SHARE_GIVEN_BACK <= pages:
            return
        if not self.db.conn.in_transaction:  # (executescript would commit it)
            # executescript: the pragma frees one page a step; execute() steps once
            self.db.conn.executescript("PRAGMA incremental_vacuum;")
