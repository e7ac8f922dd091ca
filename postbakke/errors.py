"""Typed errors: each carries a Danish one-line message for the user and an exit code.

The CLI is the single place that turns them into a line on stderr; `--debug`
shows the traceback instead.
"""

from __future__ import annotations

import errno
import sqlite3
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FILES_FAILED = 1  # some input files were set aside; the rest was processed
    BAD_ARGS = 2
    INPUT_FILE = 3
    REGISTER_FORMAT = 4
    CONFIG = 5
    MISSING_DEPENDENCY = 6
    WORKSPACE = 7  # the workspace cannot be written (locked, disk full): nothing was set aside
    INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
    OTHER = 15


class PostbakkeError(Exception):
    """Base of all errors the user should see as one clear line (in Danish)."""

    exit_code: ExitCode = ExitCode.OTHER

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputFileError(PostbakkeError):
    """A scanned file that cannot be read; it is set aside, the batch goes on."""

    exit_code = ExitCode.INPUT_FILE

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # crosses from a worker process: rebuilt from both arguments, not the message
        return (type(self), (self.file, self.reason))


class EncryptedFileError(InputFileError):
    pass


class UnsupportedFileError(InputFileError):
    pass


class PageTimeoutError(PostbakkeError):
    """One page took longer than its hard limit in OCR."""


class RegisterFormatError(PostbakkeError):
    """A register CSV with a bad row: the whole import is refused."""

    exit_code = ExitCode.REGISTER_FORMAT

    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}")
        self.file = file
        self.line = line
        self.reason = reason


class ConfigError(PostbakkeError):
    exit_code = ExitCode.CONFIG


class WorkspaceVersionError(ConfigError):
    """The workspace database was written by a newer postbakke: refused, never misread."""


class MissingDependencyError(PostbakkeError):
    exit_code = ExitCode.MISSING_DEPENDENCY


class WorkspaceError(PostbakkeError):
    """The workspace, not the scanned file, is at fault (database locked past its
    timeout, disk full, read-only): `scan` stops, `watch` pauses and tries again.
    No scanned file is ever set aside for it."""

    exit_code = ExitCode.WORKSPACE


class FileAlreadyStored(PostbakkeError, sqlite3.IntegrityError):
    """The same content was stored meanwhile (by another process): "allerede scannet".

    Also an IntegrityError, as the files table's key would have raised."""


# errno values that mean the disk, not the file, is at fault
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})

DATABASE_LOCKED = ("databasen er optaget af en anden proces (fx en registerimport) ud over "
                   "ventetiden; prøv igen om lidt")
DISK_FULL = "disken med arbejdsmappen er fuld (eller skrivebeskyttet); frigør plads"
DATABASE_IO = "databasen kunne ikke skrives (diskfejl)"


def workspace_fault(error: BaseException) -> PostbakkeError | None:
    """The workspace fault `error` is, in Danish, or None when it is not one.

    A locked or full database (sqlite3.OperationalError), a full disk (OSError
    ENOSPC) and a missing OCR model (MissingDependencyError) are faults of the
    workspace: the scan that met them is good and must not be set aside.
    """
    if isinstance(error, WorkspaceError | MissingDependencyError):
        return error
    if isinstance(error, sqlite3.OperationalError):
        text = str(error).lower()
        if "locked" in text or "busy" in text:
            return WorkspaceError(DATABASE_LOCKED)
        if "full" in text:
            return WorkspaceError(DISK_FULL)
        if "disk i/o" in text or "readonly" in text or "read-only" in text:
            return WorkspaceError(DATABASE_IO)
        return None
    if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
        return WorkspaceError(DISK_FULL)
    return None


class DecisionError(PostbakkeError):
    """A person's review decision that cannot be taken (bad input, no such letter)."""

    exit_code = ExitCode.BAD_ARGS


class DecisionConflict(DecisionError):
    """Someone else changed the letter since the person opened it (two browsers)."""


class FollowUpError(PostbakkeError):
    exit_code = ExitCode.BAD_ARGS
