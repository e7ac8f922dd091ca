"""Filing a scanned file's letters: the one path from the pipeline into the store.

Storing letters is more than inserting rows: a person's earlier decision on a
letter is applied again (the same paper scanned anew after its letters were
removed), a letter that is the same paper as one stored shortly before is kept
as its copy (listed, never counted), and every counted leak joins its sender's
follow-up. These are people's rules (people/review.py, people/duplicates.py,
people/followup.py); this module runs them with the store's insert in one
transaction, so a crash leaves all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from postbakke.config import DEFAULT_DUPLICATE_WINDOW_DAYS
from postbakke.errors import FileAlreadyStored
from postbakke.letters.subjects import letter_kind
from postbakke.people.duplicates import find_first_copies
from postbakke.people.followup import sync_letters
from postbakke.people.review import with_stored_decisions
from postbakke.store import LetterRecord, Store, StoredFile


def file_letters(
    store: Store, stored: StoredFile, letters: Iterable[LetterRecord],
    duplicate_window_days: int = DEFAULT_DUPLICATE_WINDOW_DAYS,
) -> list[LetterRecord]:
    """Store a scanned file and its letters; returns the letters as stored (a copy with
    `duplicate_of` set).

    Raises `FileAlreadyStored` when the same content was stored meanwhile (another
    process scanning the same file at once): checked after the write lock is taken.
    """
    with store.transaction():
        if store.files.get(stored.hash) is not None:
            raise FileAlreadyStored(stored.source)
        filed = [letter if letter.kind else replace(letter, kind=letter_kind(letter.subject))
                 for letter in with_stored_decisions(store, list(letters))]
        copies = find_first_copies(store, filed, duplicate_window_days)
        filed = [replace(letter, duplicate_of=first) if first else letter
                 for letter, first in zip(filed, copies, strict=True)]
        store.files.save(stored, filed)
        sync_letters(store, [letter.key for letter in filed])
    return filed


def forget_file(store: Store, file_hash: str) -> int:
    """Remove a file's letters (to scan it anew); decisions and closed follow-ups stay.

    Copies of its letters count again (their first copy is gone; if the file is
    scanned anew, its letters become their copies). Returns the number of letters
    removed.
    """
    with store.transaction():
        keys = store.files.letter_keys(file_hash)
        released = store.copies.release(keys)
        removed = store.files.forget(file_hash)
        sync_letters(store, [*keys, *released])
    return removed
