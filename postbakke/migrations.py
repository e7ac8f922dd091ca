"""Schema versions of the workspace database, and the steps from one to the next.

The version is kept in the database file itself (`PRAGMA user_version`). Opening
a workspace brings it to `SCHEMA_VERSION`: a fresh one gets every step at once;
an older one is first copied next to itself (`postbakke.db.bak-v1`, mode 0600)
and then upgraded in one transaction, so a failed step leaves it as it was. A
workspace written by a newer postbakke is refused rather than misread.

A step, once released, never changes: a new column or table is a new step at
the end of `MIGRATIONS`. Each step is self-contained: it imports no rule of the
live code (a step that derives values carries the rule as it was when the step
was released), so an old workspace is upgraded today as it was then. Only the
store (store/connection.py) calls `upgrade`.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # the store imports it (without numpy: store/connection.py)
    import sqlite_utils

from postbakke.errors import WorkspaceVersionError


class Migration(NamedTuple):
    version: int  # the schema version this step brings the database to
    what: str
    apply: Callable[[sqlite_utils.Database], None]


def _schema_v1(db: sqlite_utils.Database) -> None:
    """The schema as it was before versions were kept (every table created if missing).

    A workspace from before versions (user_version 0) may be older still (from
    before follow-ups or the work station's decision columns, say): this step
    only adds what it lacks, so it brings any of them to exactly version 1.
    """
    db.table("files").create(
        {"hash": str, "source": str, "tray": str, "scanned_on": str,
         "n_pages": int, "processed_at": str},
        pk="hash", if_not_exists=True,
    )
    db.table("letters").create(
        {"id": int, "file_hash": str, "source": str, "pages": str, "first_page": int,
         "tray": str, "scanned_on": str, "recipient_kind": str,
         "recipient_pseudonym": str, "recipient_masked": str, "match": str,
         "enrolment": str, "department": str, "sender": str, "verdict": str,
         "reason": str, "window_cpr": int, "evidence": str, "subject": str, "ocr_text": str,
         "image_paths": str, "created_at": str},
        pk="id", foreign_keys=[("file_hash", "files", "hash")], if_not_exists=True,
    )
    db.table("letters").create_index(
        ["file_hash", "first_page"], unique=True, if_not_exists=True
    )
    db.table("failures").create(
        {"id": int, "source": str, "hash": str, "reason": str, "at": str},
        pk="id", if_not_exists=True,
    )
    db.table("enrolment").create(
        {"pseudonym": str, "kind": str, "masked": str, "status": str, "name": str,
         "street": str, "postcode": str, "city": str, "birth_date": str},
        pk="pseudonym", if_not_exists=True,
    )
    db.table("staff").create(
        {"id": int, "name": str, "initials": str, "email": str, "phone": str,
         "department": str},
        pk="id", if_not_exists=True,
    )
    db.table("register_imports").create(
        {"id": int, "register": str, "file": str, "rows": int, "imported_at": str},
        pk="id", if_not_exists=True,
    )
    db.table("letters").create_index(["scanned_on"], if_not_exists=True)
    db.table("digital_counts").create(
        {"week": str, "department": str, "digital_letters": int, "source": str,
         "imported_at": str},
        pk=("week", "department"), if_not_exists=True,
    )
    db.table("decisions").create(
        {"file_hash": str, "first_page": int, "recipient_kind": str,
         "recipient_pseudonym": str, "recipient_masked": str, "birth_date": str,
         "sender": str, "department": str, "decided_at": str, "justified": int,
         "note": str},
        pk=("file_hash", "first_page"), if_not_exists=True,
    )
    decision_columns = db.table("decisions").columns_dict
    for name, kind in (("justified", int), ("note", str)):
        if name not in decision_columns:  # a workspace from before the work station
            db.table("decisions").add_column(name, kind)
    db.table("followups").create(
        {"id": int, "department": str, "sender": str, "status": str, "outcome": str,
         "note": str, "opened_at": str, "closed_at": str},
        pk="id", if_not_exists=True,
    )
    db.table("followup_letters").create(
        {"file_hash": str, "first_page": int, "followup_id": int},
        pk=("file_hash", "first_page"),
        foreign_keys=[("followup_id", "followups", "id")], if_not_exists=True,
    )
    db.table("followup_letters").create_index(["followup_id"], if_not_exists=True)
    # a leak finds its sender's open follow-up without reading the others
    db.table("followups").create_index(
        ["status", "department", "sender"], if_not_exists=True)
    db.table("decision_log").create(
        {"id": int, "at": str, "actor": str, "letter_id": int, "file_hash": str,
         "first_page": int, "action": str, "before": str, "after": str, "note": str},
        pk="id", if_not_exists=True,
    )
    db.table("decision_log").create_index(["letter_id"], if_not_exists=True)
    db.table("review_postponed").create(
        {"file_hash": str, "first_page": int, "note": str, "actor": str, "at": str},
        pk=("file_hash", "first_page"), if_not_exists=True,
    )
    db.table("web_users").create(
        {"name": str, "role": str, "password_hash": str, "created_at": str},
        pk="name", if_not_exists=True,
    )
    db.table("letters").create_index(["verdict", "scanned_on"], if_not_exists=True)
    db.table("letters").create_index(["department", "id"], if_not_exists=True)
    db.table("digest_sends").create(
        {"week": str, "department": str, "recipient": str, "status": str,
         "message_id": str, "attempts": int, "updated_at": str, "error": str},
        pk=("week", "department", "recipient"), if_not_exists=True,
    )


def _letters_for_the_work_station(db: sqlite_utils.Database) -> None:
    """The printed recipient block (personal data: cleared by retention) and where each
    field was read on the page (boxes only), both JSON text."""
    present = db.table("letters").columns_dict
    for name in ("recipient_block", "field_boxes"):
        if name not in present:  # (a step may meet a workspace that lost its version)
            db.execute(f"ALTER TABLE letters ADD COLUMN {name} TEXT")


# -- step 3's kind of letter: letters.subjects.letter_kind as released with the step --------
# (commit 0454c95). A copy, frozen on purpose: the live rule may change; what step 3
# wrote into an old workspace may not.

_V3_NO_SUBJECT = "(uden emne)"
_V3_PREFIX = re.compile(r"^\s*(?:vedr(?:ørende)?\.?|ang(?:ående)?\.?|re:|emne:)\s*",
                        re.IGNORECASE)
_V3_ID_LABEL = re.compile(
    r"\b(?:cpr|cvr|p)[\s.-]*(?:nr|nummer)\b\.?:?|\bsags?\s*nr\b\.?:?|\bj\.?\s?nr\b\.?:?"
    r"|\bjournal\s*nr\b\.?:?|\bvores ref\b\.?:?|\bcpr\b:?|\bcvr\b:?",
    re.IGNORECASE,
)
_V3_MONTHS = (
    "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
_V3_WRITTEN_DATE = re.compile(
    rf"\b(?:d\.\s*)?\d{{1,2}}\.?\s*(?:{_V3_MONTHS})\.?(?:\s+\d{{4}})?\b", re.IGNORECASE
)
_V3_TOKEN_WITH_DIGIT = re.compile(r"\S*\d\S*")
_V3_COMPANY_FORM = re.compile(r"(?<!\w)(?:A/S|ApS|I/S|K/S|P/S|IVS|AMBA|A\.m\.b\.a\.)(?!\w)")
_V3_SEGMENT_SPLIT = re.compile(r"\s*(?:[,;:()\[\]]|\s[-–—/]\s)\s*")
_V3_CAPITALISED = re.compile(r"^[A-ZÆØÅÉÜÖÄ][\wæøåéüöä'.-]*$")
_V3_DANGLING = frozenset(
    "til om for i af på med fra vedr og ved nr den d kl".split())


def _v3_without_names(segment: str) -> str:
    """A segment without its runs of two or more capitalised words (names)."""
    words, keep, i = segment.split(), [], 0
    while i < len(words):
        j = i
        while j < len(words) and _V3_CAPITALISED.match(words[j]):
            j += 1
        if j - i >= 2:
            i = j
        elif j > i:
            keep.extend(words[i:j])
            i = j
        else:
            keep.append(words[i])
            i += 1
    return " ".join(keep)


def _v3_kind(subject: str | None) -> str:
    """The kind of letter of a subject line, as step 3 computed it."""
    if not subject:
        return _V3_NO_SUBJECT
    text = _V3_PREFIX.sub("", subject)
    for pattern in (_V3_COMPANY_FORM, _V3_WRITTEN_DATE, _V3_ID_LABEL, _V3_TOKEN_WITH_DIGIT):
        text = pattern.sub(" ", text)
    parts = []
    for segment in _V3_SEGMENT_SPLIT.split(text):
        words = _v3_without_names(re.sub(r"\s+", " ", segment).strip(" .,-–")).split()
        while words and words[-1].casefold().rstrip(".") in _V3_DANGLING:
            words.pop()
        if words and any(w[0].islower() for w in words[1:]) or len(words) == 1:
            parts.append(" ".join(words))
    kind = " ".join(parts[:1]).strip(" .,-–")
    if not kind or not any(c.isalpha() for c in kind):
        return _V3_NO_SUBJECT
    return kind[0].upper() + kind[1:]


def _letter_kinds(db: sqlite_utils.Database) -> None:
    """letters.kind: the kind of letter, kept once at filing (reports and follow-ups count
    kinds of thousands of letters; reading each subject again grew with the years)."""
    if "kind" not in db.table("letters").columns_dict:
        db.execute("ALTER TABLE letters ADD COLUMN kind TEXT")
    rows = db.execute("SELECT id, subject FROM letters WHERE kind IS NULL").fetchall()
    db.conn.executemany("UPDATE letters SET kind = ? WHERE id = ?",
                        [(_v3_kind(subject), letter_id) for letter_id, subject in rows])


def _audit_log(db: sqlite_utils.Database) -> None:
    """audit_log: who read or changed personal data beyond the counts, when, what and why.

    Append-only: triggers refuse to change or delete a row, so the tool itself cannot
    rewrite its record (the file's owner can, with sqlite3: the log is evidence of the
    tool's use, not a tamper-proof store).
    """
    db.execute(
        "CREATE TABLE IF NOT EXISTS audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, "
        "actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT, reason TEXT)")
    db.execute("CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at)")
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{verb.lower()} BEFORE {verb} "
            "ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


def _letter_duplicates(db: sqlite_utils.Database) -> None:
    """letters.duplicate_of_hash/_page: the key of the first copy when a letter is the same
    paper scanned again (people/duplicates.py); `distinct_letters`: letters a person said
    are new letters, never to be taken for a copy again (kept over a re-scan, by key).
    The indexes are the copy look-up's: candidates by sender and recipient within a
    window of scan days, and the copies of a letter."""
    present = db.table("letters").columns_dict
    for name, kind in (("duplicate_of_hash", "TEXT"), ("duplicate_of_page", "INTEGER")):
        if name not in present:
            db.execute(f"ALTER TABLE letters ADD COLUMN {name} {kind}")
    db.table("distinct_letters").create(
        {"file_hash": str, "first_page": int, "actor": str, "at": str},
        pk=("file_hash", "first_page"), if_not_exists=True,
    )
    letters = db.table("letters")
    letters.create_index(["sender", "recipient_pseudonym", "scanned_on"], if_not_exists=True)
    letters.create_index(["sender", "scanned_on"], if_not_exists=True)
    # partial: only copies are in it, so "not a copy" (IS NULL) can never pick it and
    # read every letter instead of a week's by scanned_on
    db.execute("CREATE INDEX IF NOT EXISTS idx_letters_copies ON letters "
               "(duplicate_of_hash, duplicate_of_page) WHERE duplicate_of_hash IS NOT NULL")


# A linked letter counts in its follow-up's figures only while it is in the store (a
# closed follow-up keeps the keys of letters removed for a re-scan): each trigger adds or
# takes away one letter of one scan day and one kind, found by primary key.
_FIGURE_CHANGES = {
    "add": "INSERT INTO followup_days (followup_id, scanned_on, n) SELECT {fid}, {day}, 1 "
           "FROM {source} WHERE {where} ON CONFLICT (followup_id, scanned_on) "
           "DO UPDATE SET n = n + 1;\n"
           "INSERT INTO followup_kinds (followup_id, kind, n) SELECT {fid}, {kind}, 1 "
           "FROM {source} WHERE {where} ON CONFLICT (followup_id, kind) "
           "DO UPDATE SET n = n + 1;",
    "take": "UPDATE followup_days SET n = n - 1 WHERE (followup_id, scanned_on) IN "
            "(SELECT {fid}, {day} FROM {source} WHERE {where});\n"
            "DELETE FROM followup_days WHERE n <= 0 AND (followup_id, scanned_on) IN "
            "(SELECT {fid}, {day} FROM {source} WHERE {where});\n"
            "UPDATE followup_kinds SET n = n - 1 WHERE (followup_id, kind) IN "
            "(SELECT {fid}, {kind} FROM {source} WHERE {where});\n"
            "DELETE FROM followup_kinds WHERE n <= 0 AND (followup_id, kind) IN "
            "(SELECT {fid}, {kind} FROM {source} WHERE {where});",
}


def _figure_change(change: str, row: str, table: str) -> str:
    """SQL adding (or taking away) the letter of trigger row `row` (NEW/OLD) of `table`."""
    if table == "followup_letters":  # the link changed; the letter is looked up
        values = {"fid": f"{row}.followup_id", "day": "l.scanned_on",
                  "kind": "coalesce(l.kind, '')", "source": "letters l",
                  "where": f"l.file_hash = {row}.file_hash AND l.first_page = {row}.first_page"}
    else:  # the letter changed; its link is looked up
        values = {"fid": "fl.followup_id", "day": f"{row}.scanned_on",
                  "kind": f"coalesce({row}.kind, '')", "source": "followup_letters fl",
                  "where": f"fl.file_hash = {row}.file_hash AND fl.first_page = {row}.first_page"}
    return _FIGURE_CHANGES[change].format(**values)


def _followup_figures(db: sqlite_utils.Database) -> None:
    """followup_days and followup_kinds: per follow-up, its letters in the store counted by
    scan day and by kind, kept by triggers on letters and followup_letters. Listing the
    follow-ups (report, `followup list`, digest) reads these few rows instead of joining
    every letter of every follow-up (~110,000 at a year of 200,000 letters)."""
    db.execute("CREATE TABLE IF NOT EXISTS followup_days (followup_id INTEGER NOT NULL, "
               "scanned_on TEXT NOT NULL, n INTEGER NOT NULL, "
               "PRIMARY KEY (followup_id, scanned_on))")
    db.execute("CREATE TABLE IF NOT EXISTS followup_kinds (followup_id INTEGER NOT NULL, "
               "kind TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (followup_id, kind))")
    # the follow-ups of a period's letters, and those closed in it (the report)
    db.execute("CREATE INDEX IF NOT EXISTS idx_followup_days_scanned_on "
               "ON followup_days (scanned_on, followup_id)")
    db.table("followups").create_index(["closed_at"], if_not_exists=True)
    triggers = {
        "followup_letter_linked": ("AFTER INSERT ON followup_letters",
                                   _figure_change("add", "NEW", "followup_letters")),
        "followup_letter_unlinked": ("AFTER DELETE ON followup_letters",
                                     _figure_change("take", "OLD", "followup_letters")),
        "followup_letter_stored": ("AFTER INSERT ON letters",
                                   _figure_change("add", "NEW", "letters")),
        "followup_letter_removed": ("AFTER DELETE ON letters",
                                    _figure_change("take", "OLD", "letters")),
        "followup_letter_changed": (
            "AFTER UPDATE OF scanned_on, kind, file_hash, first_page ON letters",
            _figure_change("take", "OLD", "letters") + "\n"
            + _figure_change("add", "NEW", "letters")),
    }
    for name, (when, body) in triggers.items():
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.execute(f"CREATE TRIGGER {name} {when} BEGIN\n{body}\nEND")
    db.execute("DELETE FROM followup_days")
    db.execute("DELETE FROM followup_kinds")
    db.execute(
        "INSERT INTO followup_days (followup_id, scanned_on, n) "
        "SELECT fl.followup_id, l.scanned_on, count(*) FROM followup_letters fl "
        "JOIN letters l ON l.file_hash = fl.file_hash AND l.first_page = fl.first_page "
        "GROUP BY fl.followup_id, l.scanned_on")
    db.execute(
        "INSERT INTO followup_kinds (followup_id, kind, n) "
        "SELECT fl.followup_id, coalesce(l.kind, ''), count(*) FROM followup_letters fl "
        "JOIN letters l ON l.file_hash = fl.file_hash AND l.first_page = fl.first_page "
        "GROUP BY fl.followup_id, coalesce(l.kind, '')")


def _letter_enclosures(db: sqlite_utils.Database) -> None:
    """letters.physical_enclosure / unplaced_enclosure: what the scan read of enclosures
    (0/1), kept on the row so a person's decision after retention has cleared the text
    still knows it (people/review.py). Old rows get what their own verdict recorded: a
    letter legitimate for a physical enclosure had one, a letter in review for an unclear
    enclosure had an unplaced one; every other old row stays NULL (not known: the
    decision reads the text, while it is kept). No rule code runs here."""
    present = db.table("letters").columns_dict
    for name in ("physical_enclosure", "unplaced_enclosure"):
        if name not in present:
            db.execute(f"ALTER TABLE letters ADD COLUMN {name} INTEGER")
    db.execute("UPDATE letters SET physical_enclosure = 1 "
               "WHERE physical_enclosure IS NULL AND reason = 'physical_enclosure'")
    db.execute("UPDATE letters SET unplaced_enclosure = 1 "
               "WHERE unplaced_enclosure IS NULL AND reason = 'enclosure_unclear'")


def _copies_by_recipient(db: sqlite_utils.Database) -> None:
    """An index on letters (recipient_pseudonym, scanned_on): a letter whose sender was not
    read finds the earlier scans of the same paper by its recipient (people/duplicates.py:
    a field one scan missed is no difference), without reading the window's letters."""
    db.table("letters").create_index(["recipient_pseudonym", "scanned_on"], if_not_exists=True)


def _web_sign_in(db: sqlite_utils.Database) -> None:
    """web_users.session_version: raised when a password changes, so every session signed in
    with the old one ends (web/login.py); login_attempts: each try at the station's login
    by the name typed and the address it came from, for the back-off and the lock (kept
    in the database so they hold across restarts and the server's threads)."""
    if "session_version" not in db.table("web_users").columns_dict:
        db.execute("ALTER TABLE web_users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "CREATE TABLE IF NOT EXISTS login_attempts (id INTEGER PRIMARY KEY, at REAL NOT NULL, "
        "account TEXT NOT NULL, address TEXT NOT NULL, ok INTEGER NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS login_attempts_account ON login_attempts (account, at)")
    db.execute("CREATE INDEX IF NOT EXISTS login_attempts_address ON login_attempts (address, at)")


def _decision_look_ups(db: sqlite_utils.Database) -> None:
    """decisions.looked_up: what a person found when they looked a recipient up in Digital
    Post themselves ('tilmeldt' or 'fritaget'), for a printed CPR the register export does
    not hold (the work station's t and f). NULL on every earlier decision: they were made
    from the register alone."""
    if "looked_up" not in db.table("decisions").columns_dict:
        db.execute("ALTER TABLE decisions ADD COLUMN looked_up TEXT")


def _letter_texts(db: sqlite_utils.Database) -> None:
    """letter_texts: a letter's OCR text in a table of its own (by letter id, with the
    letter's created_at and an index on it), so that retention deletes a row instead of
    leaving a hole in the letter's row, and finds the texts due by that index. The file
    then follows the live data (incremental vacuum gives back the pages freed).

    The text of old letters is copied; letters.ocr_text stays as it was for them (a
    released row is not rewritten here) and is NULL for every letter stored from now on;
    retention clears it with the rest. A letter removed takes its text with it (trigger).
    """
    db.execute("CREATE TABLE IF NOT EXISTS letter_texts (letter_id INTEGER PRIMARY KEY, "
               "created_at TEXT NOT NULL, ocr_text TEXT NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_letter_texts_created_at "
               "ON letter_texts (created_at)")
    db.execute("INSERT OR IGNORE INTO letter_texts (letter_id, created_at, ocr_text) "
               "SELECT id, coalesce(created_at, ''), ocr_text FROM letters "
               "WHERE ocr_text IS NOT NULL")
    db.execute("CREATE TRIGGER IF NOT EXISTS letter_text_removed AFTER DELETE ON letters "
               "BEGIN DELETE FROM letter_texts WHERE letter_id = OLD.id; END")


def _retention_by_date(db: sqlite_utils.Database) -> None:
    """Two partial indexes on letters (created_at): the letters still holding names or
    text (subject, evidence, recipient block, old OCR text), and those still holding page
    images. Each holds only what retention has not cleared yet (a month, not the years),
    so the purge every scan starts with finds what is due without reading every letter.
    A query uses one only with its WHERE written exactly as here (store/retention.py)."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_letters_named_created_at ON letters "
               "(created_at) WHERE subject IS NOT NULL OR evidence IS NOT NULL "
               "OR recipient_block IS NOT NULL OR ocr_text IS NOT NULL")
    db.execute("CREATE INDEX IF NOT EXISTS idx_letters_imaged_created_at ON letters "
               "(created_at) WHERE image_paths != '[]'")


def _letter_tallies(db: sqlite_utils.Database) -> None:
    """A covering index on letters by scan day with every column a period's figures read
    (department, verdict, reason, whether a copy, CPR in the window, and the letter's key
    that "justified" seeks its follow-up by): a year's tally and summary read the index
    alone, not each letter's row with its names and fields (store/figures.py)."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_letters_tally ON letters (scanned_on, "
               "department, verdict, reason, duplicate_of_hash, window_cpr, file_hash, "
               "first_page)")


def _boxes_with_the_images(db: sqlite_utils.Database) -> None:
    """The field outlines of letters whose page images retention has deleted: drawn on the
    images only, so forgotten with them from now on (store/retention.py), and here for the
    letters cleared before."""
    db.execute("UPDATE letters SET field_boxes = NULL "
               "WHERE image_paths = '[]' AND field_boxes IS NOT NULL")


# day_tallies' key of a letter row (NEW/OLD): NULLs as '' (a NULL in a key is never equal)
_TALLY_KEY = ("coalesce({r}.scanned_on, ''), coalesce({r}.department, ''), "
              "coalesce({r}.verdict, ''), coalesce({r}.reason, '')")


def _tally_add(row: str) -> str:
    return (f"INSERT INTO day_tallies (scanned_on, department, verdict, reason, n, window_cpr) "
            f"SELECT {_TALLY_KEY.format(r=row)}, 1, coalesce({row}.window_cpr, 0) "
            f"WHERE {row}.duplicate_of_hash IS NULL "
            "ON CONFLICT DO UPDATE SET n = n + 1, window_cpr = window_cpr + excluded.window_cpr;")


def _tally_take(row: str) -> str:
    key = (f"(scanned_on, department, verdict, reason) = ({_TALLY_KEY.format(r=row)}) "
           f"AND {row}.duplicate_of_hash IS NULL")
    return (f"UPDATE day_tallies SET n = n - 1, window_cpr = window_cpr - "
            f"coalesce({row}.window_cpr, 0) WHERE {key};\n"
            f"DELETE FROM day_tallies WHERE n <= 0 AND {key};")


def _day_tallies(db: sqlite_utils.Database) -> None:
    """day_tallies: the letters counted (copies not) per scan day, department, verdict and
    reason, with how many had a CPR in the window, kept by triggers on letters. A year's
    figures read ~20,000 of these rows instead of 200,000 letters; only the period's leaks
    are still read one by one, for whether their follow-up was closed as justified
    (idx_letters_leaks, leaks only, ~15 % of the letters). That index replaces step 13's
    covering index of every letter (128 bytes a letter)."""
    db.execute("CREATE TABLE IF NOT EXISTS day_tallies (scanned_on TEXT NOT NULL, "
               "department TEXT NOT NULL, verdict TEXT NOT NULL, reason TEXT NOT NULL, "
               "n INTEGER NOT NULL, window_cpr INTEGER NOT NULL, "
               "PRIMARY KEY (scanned_on, department, verdict, reason)) WITHOUT ROWID")
    triggers = {
        "day_tally_stored": ("AFTER INSERT ON letters", _tally_add("NEW")),
        "day_tally_removed": ("AFTER DELETE ON letters", _tally_take("OLD")),
        "day_tally_changed": (
            "AFTER UPDATE OF scanned_on, department, verdict, reason, duplicate_of_hash, "
            "window_cpr ON letters", _tally_take("OLD") + "\n" + _tally_add("NEW")),
    }
    for name, (when, body) in triggers.items():
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.execute(f"CREATE TRIGGER {name} {when} BEGIN\n{body}\nEND")
    db.execute("DELETE FROM day_tallies")
    db.execute(f"INSERT INTO day_tallies (scanned_on, department, verdict, reason, n, "
               f"window_cpr) SELECT {_TALLY_KEY.format(r='letters')}, count(*), "
               "coalesce(sum(window_cpr), 0) FROM letters WHERE duplicate_of_hash IS NULL "
               "GROUP BY 1, 2, 3, 4")
    db.execute("CREATE INDEX IF NOT EXISTS idx_letters_leaks ON letters (scanned_on, "
               "department, reason, sender, kind, window_cpr, file_hash, first_page, verdict, "
               "duplicate_of_hash) "
               "WHERE verdict = 'leak' AND duplicate_of_hash IS NULL")
    db.execute("DROP INDEX IF EXISTS idx_letters_tally")


def _blocks_and_outlines_apart(db: sqlite_utils.Database) -> None:
    """letter_texts.recipient_block and .field_boxes: the printed recipient block and the
    field outlines, which retention clears, kept beside the OCR text (store/letters.py
    `text_row`). Cleared in the letters' own rows they left the pages two-thirds empty
    (at a year's fill, 1,027 bytes of page for 434 of data a letter)."""
    # the text may now be gone while the outlines stay (images are kept apart): the table
    # is made anew without step 11's NOT NULL on ocr_text (SQLite cannot drop one), its
    # trigger on letters dropped meanwhile (a rename checks every trigger's tables)
    db.execute("DROP TRIGGER IF EXISTS letter_text_removed")
    db.execute("CREATE TABLE letter_texts_16 (letter_id INTEGER PRIMARY KEY, "
               "created_at TEXT NOT NULL, ocr_text TEXT, recipient_block TEXT, "
               "field_boxes TEXT)")
    db.execute("INSERT INTO letter_texts_16 (letter_id, created_at, ocr_text) "
               "SELECT letter_id, created_at, ocr_text FROM letter_texts")
    db.execute("DROP TABLE letter_texts")
    db.execute("ALTER TABLE letter_texts_16 RENAME TO letter_texts")
    db.execute("CREATE INDEX idx_letter_texts_created_at ON letter_texts (created_at)")
    db.execute("CREATE TRIGGER letter_text_removed AFTER DELETE ON letters "
               "BEGIN DELETE FROM letter_texts WHERE letter_id = OLD.id; END")
    db.execute("INSERT OR IGNORE INTO letter_texts (letter_id, created_at) "
               "SELECT id, coalesce(created_at, '') FROM letters "
               "WHERE recipient_block IS NOT NULL OR field_boxes IS NOT NULL")
    db.execute("UPDATE letter_texts SET (recipient_block, field_boxes) = "
               "(SELECT l.recipient_block, l.field_boxes FROM letters l "
               "WHERE l.id = letter_texts.letter_id) WHERE letter_id IN "
               "(SELECT id FROM letters WHERE recipient_block IS NOT NULL "
               "OR field_boxes IS NOT NULL)")
    db.execute("UPDATE letters SET recipient_block = NULL, field_boxes = NULL "
               "WHERE recipient_block IS NOT NULL OR field_boxes IS NOT NULL")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the schema before versions were kept", _schema_v1),
    Migration(2, "letters: recipient_block and field_boxes", _letters_for_the_work_station),
    Migration(3, "letters: kind", _letter_kinds),
    Migration(4, "audit_log (append-only)", _audit_log),
    Migration(5, "letters: duplicate_of; distinct_letters", _letter_duplicates),
    Migration(6, "follow-up figures by scan day and kind, kept by triggers", _followup_figures),
    Migration(7, "letters: physical_enclosure and unplaced_enclosure", _letter_enclosures),
    Migration(8, "letters: index by recipient and scan day (copies)", _copies_by_recipient),
    Migration(9, "web_users: session_version; login_attempts", _web_sign_in),
    Migration(10, "decisions: looked_up (a person's own look-up)", _decision_look_ups),
    Migration(11, "letter_texts: OCR text in its own table", _letter_texts),
    Migration(12, "letters: partial indexes by created_at for retention", _retention_by_date),
    Migration(13, "letters: covering index for a period's figures", _letter_tallies),
    Migration(14, "letters: field outlines forgotten with the page images",
              _boxes_with_the_images),
    Migration(15, "day_tallies kept by triggers; letters: index of the leaks",
              _day_tallies),
    Migration(16, "letter_texts: the recipient block and field outlines",
              _blocks_and_outlines_apart),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def schema_version(db: sqlite_utils.Database) -> int:
    """The version recorded in the file; 0 for a new file or one from before versions."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _has_tables(db: sqlite_utils.Database) -> bool:
    return bool(db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])


def backup_path(path: Path, version: int) -> Path:
    """Where the copy of a workspace database is kept before it is upgraded from `version`."""
    return path.with_name(f"{path.name}.bak-v{version}")


def _backup(path: Path, target: Path) -> None:
    """A consistent copy of the database (SQLite's backup API), readable by its owner only.

    Read through a connection of its own: the upgrading one holds the write
    lock (so nothing changes meanwhile), and SQLite's backup cannot read
    through a connection that is writing.
    """
    partial = target.with_name(target.name + ".tmp")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    source, copy = sqlite3.connect(path), sqlite3.connect(partial)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()
    os.chmod(partial, 0o600)
    os.replace(partial, target)


def _refuse_newer(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise WorkspaceVersionError(
            f"Databasen {path} er skrevet af en nyere udgave af postbakke "
            f"(skemaversion {version}; denne udgave kender op til version {SCHEMA_VERSION}). "
            "Opdatér postbakke, eller brug en anden arbejdsmappe."
        )


def upgrade(db: sqlite_utils.Database, path: Path) -> int:
    """Bring the database at `path` to SCHEMA_VERSION; returns the version it had.

    All steps run in one transaction.
    A database with tables is copied to `backup_path(path, version)` first. The
    write lock is taken before the version is read again, so two processes
    opening an old workspace at once upgrade it once.
    """
    version = schema_version(db)
    _refuse_newer(version, path)
    if version == SCHEMA_VERSION:
        return version
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = schema_version(db)
        _refuse_newer(version, path)
        if version < SCHEMA_VERSION:
            if _has_tables(db):
                _backup(path, backup_path(path, max(version, 1)))
            for step in MIGRATIONS:
                if step.version > version:
                    step.apply(db)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    _incremental_vacuum_on(db)
    return version


def _incremental_vacuum_on(db: sqlite_utils.Database) -> None:
    """An upgraded workspace from before auto_vacuum: switched to INCREMENTAL, which takes
    one VACUUM (the file rewritten without the holes its cleared text left; once, after
    the upgrade's backup). Left for the next upgrade if another process holds the file."""
    if int(db.execute("PRAGMA auto_vacuum").fetchone()[0]) == 2:
        return
    try:
        db.conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.conn.execute("VACUUM")
    except sqlite3.OperationalError:
        pass
