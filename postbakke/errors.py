"""Typed errors: each carries a Danish one-line message for the user and an exit code.

The CLI is the single place that turns them into a line on stderr; `--debug`
shows the traceback instead.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FILES_FAILED = 1  # some input files were set aside; the rest was processed
    BAD_ARGS = 2
    INPUT_FILE = 3
    REGISTER_FORMAT = 4
    CONFIG = 5
    MISSING_DEPENDENCY = 6
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


class DecisionError(PostbakkeError):
    """A person's review decision that cannot be taken (bad input, no such letter)."""

    exit_code = ExitCode.BAD_ARGS


class DecisionConflict(DecisionError):
    """Someone else changed the letter since the person opened it (two browsers)."""


class FollowUpError(PostbakkeError):
    exit_code = ExitCode.BAD_ARGS
