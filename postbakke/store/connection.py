"""The connection to the workspace database, its write transactions, and what every
repository of the store shares: the SQL fragments and the conversions of stored values."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

from postbakke import migrations
from postbakke.privacy import mask_cpr_in_text


def _sqlite_utils_without_numpy() -> ModuleType:
    """sqlite_utils, imported without the numpy (and pandas) it loads when installed.

    It imports them only to guess a column's type from numpy or pandas values when it
    creates a table or a column; every table here is created by a migration with Python
    types, and no numpy value is stored. numpy took 0.1 s of every command's start
    (`python -X importtime -m postbakke --version`). When numpy is already loaded (a
    scan's image reading imported it first), nothing changes; once sqlite_utils is in,
    numpy imports as usual for whoever needs it.
    """
    blocked = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import` fail
    try:
        import sqlite_utils
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sqlite_utils


if TYPE_CHECKING:
    import sqlite_utils
else:
    sqlite_utils = _sqlite_utils_without_numpy()


# Milliseconds a writer waits for another one's lock before giving up: a 100,000-row
# enrolment import held it 1.2 s here, a scanned file's transaction a few ms.
BUSY_TIMEOUT_MS = 10_000

# SQL: the letter (table or alias) is counted: not a copy of a letter stored before.
COUNTED = "duplicate_of_hash IS NULL"

# How many values one `IN (?, ...)` takes at most (SQLite allows 32,766 variables; 500
# keeps each statement small).
CHUNK = 500

T = TypeVar("T")


class Connection:
    """One connection to the workspace database (WAL), brought to the current schema when
    opened (migrations.py; a newer workspace's is refused)."""

    def __init__(self, path: Path, busy_timeout_ms: int | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite_utils.Database(path)
        timeout = BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
        self.db.execute(f"PRAGMA busy_timeout = {int(timeout)}")
        if not self.db.table_names():
            # a new file gives back the pages retention frees (store/retention.py); set
            # before WAL and the first table, after which it takes a VACUUM
            self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        self.db.enable_wal()
        # Tables this opening created in a workspace that already had scanned files: a
        # workspace from before them (its follow-ups are made by followup.catch_up).
        self.tables_added: frozenset[str] = frozenset()
        had_tables = set(self.db.table_names())
        migrations.upgrade(self.db, self.path)
        if "files" in had_tables:
            self.tables_added = frozenset(set(self.db.table_names()) - had_tables)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction (nested ones are savepoints) for a change of several steps.

        It begins IMMEDIATE: the write lock is taken up front, waiting up to the busy
        timeout for another writer (a second scan, a register import). sqlite-utils'
        `atomic()` begins DEFERRED, and a deferred transaction that reads first and then
        writes fails at once with "database is locked" when another process wrote
        meanwhile: SQLite cannot wait there without risking a deadlock.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():  # a savepoint inside the open transaction
                yield self.db
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


class Repository:
    """The queries of one concern (letters, follow-ups, ...) over the store's connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.db = connection.db


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def json_or_null(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def masked(text: str | None) -> str | None:
    """Free text as it may be stored: CPR numbers masked (a last guard: the stages mask
    what they read, but a note typed by a person or a file's name may hold one too)."""
    return mask_cpr_in_text(text) if text else text


def placeholders(n: int) -> str:
    """`?,?,?` for an `IN (...)` of n values."""
    return ",".join("?" * n)


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """The values a statement's worth at a time."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def justified_sql(letters: str = "letters") -> str:
    """SQL: the letter (table or alias `letters`) belongs to a follow-up closed as justified.

    The one definition of "justified". A correlated EXISTS: one seek on followup_letters'
    primary key (file_hash, first_page) and one on followups' per letter read, so a
    period's figures cost what the period holds. (An uncorrelated `(file_hash,
    first_page) IN (SELECT ...)` was cheaper only while nothing was justified: SQLite
    3.40 ran it at letters x justified letters, 43 s for `summary` at 200,000 letters.)
    """
    return (
        "EXISTS (SELECT 1 FROM followup_letters j JOIN followups jf ON jf.id = j.followup_id "
        f"WHERE j.file_hash = {letters}.file_hash AND j.first_page = {letters}.first_page "
        "AND jf.status = 'closed' AND jf.outcome = 'begrundet')"
    )

