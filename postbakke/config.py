"""Settings of one workspace: $POSTBAKKE_HOME, its postbakke.toml and the environment.

Built once by the CLI and passed down. This is the only module that reads the
environment (or, for Tesseract's threads, sets it): no stage does either itself.

postbakke.toml's tables are pydantic models (settings/file.py), their problems said
in Danish at the file's lines (settings/tables.py). Every problem is collected;
`load_settings` raises one `SettingsError` for those that would make any command run
wrongly, while the problems of [digest] and [smtp] wait in `Settings.problems` for
`digest` and `postbakke config check` (config_check.py), so a typo in an address
never stops a scan.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic_core import PydanticCustomError

from postbakke.errors import ConfigError
from postbakke.models import EnvelopeWindow
from postbakke.settings.file import (
    DEFAULT_DUPLICATE_WINDOW_DAYS,
    DEFAULT_MAX_PAGES,
    DEFAULT_OCR_DPI,
    DEFAULT_PAGE_TIMEOUT_S,
    DEFAULT_RETENTION_DAYS,
    DEFAULT_SEPARATOR_TEXT,
    RETENTION_KINDS,
    SMTP_PASSWORD_ENV,
    DigestSettings,
    SettingsFile,
    SmtpSettings,
    Web,
    cvr_number,
    gaps,
)
from postbakke.settings.file import address_of as address_of  # people/digest.py's
from postbakke.settings.tables import ConfigProblem, Severity, TomlLines, validate

DEFAULT_HOME = "postbakke-data"
SETTINGS_FILE = "postbakke.toml"
DB_FILE = "postbakke.db"

HOME_ENV = "POSTBAKKE_HOME"
# The pseudonyms' key, for a workspace whose secret.key is kept elsewhere (or a test).
SECRET_ENV = "POSTBAKKE_SECRET"
# Another folder of OCR assets than the project's ocr_models/ (tessdata, postbakke.config).
OCR_MODELS_ENV = "POSTBAKKE_OCR_MODELS"
OWN_CVR_ENV = "POSTBAKKE_OWN_CVR"
# Tests only: a fault injected into the reading of one file's pages in the worker
# ("hang:NAME", "raise:NAME", "crash:NAME"; see reading.ingest.inject_fault).
TEST_FAULT_ENV = "POSTBAKKE_TEST_FAULT"
# Tesseract's OpenMP threads made one page 4-5x slower on a 2-core machine (3.3 s
# against 0.76 s measured here): one thread per Tesseract engine, parallelism
# comes from running several pages or files at once in worker processes. OpenMP
# reads the limit once, when libtesseract is loaded, so it is set just before.
OCR_THREAD_LIMIT = 1

# What `scan` needs in [municipality] (Settings.missing_municipality), as the lines to add.
MUNICIPALITY_NAME_LINE = 'name = "<Navn> Kommune"'
MUNICIPALITY_CVR_LINE = 'cvr = ["<kommunens CVR-nummer>"]'


@dataclass(frozen=True)
class Retention:
    """Days each kind of personal data is kept (`[retention]`; each defaults to
    retention_days). Counts, verdicts, pseudonyms and kinds of letter are kept."""

    page_images: int = DEFAULT_RETENTION_DAYS
    letter_text: int = DEFAULT_RETENTION_DAYS
    watch_originals: int = DEFAULT_RETENTION_DAYS
    reports: int = DEFAULT_RETENTION_DAYS


@dataclass(frozen=True)
class Settings:
    home: Path
    municipality_name: str = ""  # [municipality] name: no default, `scan` needs it
    own_cvrs: frozenset[str] = field(default_factory=frozenset)
    ocr_dpi: int = DEFAULT_OCR_DPI
    page_timeout_s: float = DEFAULT_PAGE_TIMEOUT_S
    retention_days: int = DEFAULT_RETENTION_DAYS
    retention: Retention = field(default_factory=Retention)
    max_pages: int = DEFAULT_MAX_PAGES
    duplicate_window_days: int = DEFAULT_DUPLICATE_WINDOW_DAYS
    watch_folder: Path | None = None  # [watch] folder: the scan-to-folder the station shows
    # [envelope] window: the address field that shows through the envelope (CPR-loven § 54)
    envelope_window: EnvelopeWindow = field(default_factory=EnvelopeWindow)
    separator_text: str = DEFAULT_SEPARATOR_TEXT  # [scan] separator_text
    digest: DigestSettings = field(default_factory=DigestSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    web: Web = field(default_factory=Web)  # [web] hosts and trusted_proxies
    smtp_password: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)  # $POSTBAKKE_SECRET, if set
    test_fault: str | None = None  # $POSTBAKKE_TEST_FAULT: tests only
    # what is wrong in [digest] and [smtp]: reported by `config check` and by
    # `digest`, not at load, so a typo in an address never stops a scan
    problems: tuple[ConfigProblem, ...] = ()

    @property
    def settings_path(self) -> Path:
        return self.home / SETTINGS_FILE

    def digest_errors(self, sending: bool) -> list[ConfigProblem]:
        """The errors that stop making digests (and, when sending, sending them)."""
        areas = {"digest", "smtp"} if sending else {"digest"}
        return [p for p in self.problems if p.is_error and p.area in areas]

    def municipality_gaps(self) -> list[tuple[str, str]]:
        """What [municipality] lacks for `scan`: (what, in Danish; the TOML line to add)."""
        return [(what, line) for what, line, ok in (
            ("navn (name)", MUNICIPALITY_NAME_LINE, bool(self.municipality_name)),
            ("CVR-nummer (cvr)", MUNICIPALITY_CVR_LINE, bool(self.own_cvrs)),
        ) if not ok]

    def missing_municipality(self) -> str | None:
        """Why `scan` must not run yet, in Danish, or None when the municipality is configured.

        Without its own CVR a municipality's number printed in a body line becomes a
        company "leak", and without its name the return address is read as a recipient:
        an unconfigured workspace would accuse its own municipality.
        """
        missing = [what for what, _ in self.municipality_gaps()]
        if not missing:
            return None
        return (
            f"kommunens {' og '.join(missing)} mangler: tilføj [municipality] med "
            f"{MUNICIPALITY_NAME_LINE} og {MUNICIPALITY_CVR_LINE} i "
            f"{self.settings_path}, før der scannes (ellers kan kommunens egne breve "
            "blive vurderet som læk)"
        )

    @property
    def db_path(self) -> Path:
        return self.home / DB_FILE

    @property
    def reports_dir(self) -> Path:
        """Where `report` writes (and `purge` deletes) its files: always in the workspace."""
        return self.home / "reports"

    @property
    def outbox_dir(self) -> Path:
        """Where `digest --dry-run` writes its .eml files (and `purge` deletes them)."""
        return self.reports_dir / "outbox"

    @property
    def pages_dir(self) -> Path:
        """Cleaned page images kept for review (deleted after retention_days)."""
        return self.home / "sider"


class SettingsError(ConfigError):
    """Errors in postbakke.toml (or the environment) that stop every command: the first
    in the message, one line; all of them in `problems` (`config check` lists them)."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        more = len(problems) - 1
        super().__init__(str(problems[0]) + (
            f" (og {more} fejl mere; kør 'postbakke config check')" if more else ""))
        self.problems = tuple(problems)

    def __reduce__(self) -> tuple[type, tuple[tuple[ConfigProblem, ...]]]:
        return (type(self), (self.problems,))


def _line_of(error: tomllib.TOMLDecodeError, text: str) -> str:
    found = re.search(r"line (\d+)", str(error))
    if found:
        return found.group(1)
    return str(max(1, len(text.splitlines())))  # "at end of document"


def read_settings(
    env: Mapping[str, str] | None = None,
) -> tuple[Settings | None, list[ConfigProblem]]:
    """$POSTBAKKE_HOME/postbakke.toml (if any) with the environment's overrides, and every
    problem found in them (no settings when the file cannot be read as TOML)."""
    env = os.environ if env is None else env
    home = Path(env.get(HOME_ENV) or DEFAULT_HOME)
    path = home / SETTINGS_FILE
    text = ""
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            return None, [ConfigProblem(Severity.ERROR, str(path), "filen er ikke UTF-8")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return None, [ConfigProblem(Severity.ERROR, f"{path}:{_line_of(error, text)}",
                                    f"ugyldig TOML ({error})")]
    lines = TomlLines(path, text)
    file, problems = validate(SettingsFile, data, lines, context={"folder": path.parent})
    problems += [ConfigProblem(severity, lines.where(loc), message, area)
                 for severity, loc, message, area in gaps(data)]
    own_cvrs = frozenset(file.municipality.cvr)
    if env.get(OWN_CVR_ENV):
        own_cvrs = frozenset()
        for value in env[OWN_CVR_ENV].split(","):
            try:
                own_cvrs |= {cvr_number(value)}
            except PydanticCustomError as error:
                problems.append(ConfigProblem(Severity.ERROR, OWN_CVR_ENV, error.message()))
    days = next((d for d in (file.retention_days, file.scan.retention_days) if d is not None),
                DEFAULT_RETENTION_DAYS)
    given = file.retention.model_dump(exclude_none=True)
    window = file.envelope.window
    return Settings(
        home=home,
        municipality_name=file.municipality.name or "",
        own_cvrs=own_cvrs,
        ocr_dpi=file.scan.ocr_dpi,
        page_timeout_s=file.scan.page_timeout_s,
        retention_days=days,
        retention=Retention(**{kind: given.get(kind, days) for kind in RETENTION_KINDS}),
        max_pages=file.scan.max_pages,
        duplicate_window_days=file.scan.duplicate_window_days,
        watch_folder=Path(file.watch.folder) if file.watch.folder else None,
        envelope_window=window.envelope_window() if window else EnvelopeWindow(),
        separator_text=file.scan.separator_text,
        digest=file.digest,
        smtp=file.smtp,
        web=file.web,
        smtp_password=env.get(SMTP_PASSWORD_ENV) or None,
        secret=secret_from_environment(env),
        test_fault=env.get(TEST_FAULT_ENV) or None,
        problems=tuple(problems),
    ), problems


def stops_commands(problem: ConfigProblem) -> bool:
    """An error no command may run with (not one of [digest]'s or [smtp]'s)."""
    return problem.is_error and problem.area == "settings"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The workspace's settings; a `SettingsError` when any command would run wrongly."""
    settings, problems = read_settings(env)
    stopping = [p for p in problems if stops_commands(p)]
    if settings is None or stopping:
        raise SettingsError(stopping)
    return settings


def secret_from_environment(env: Mapping[str, str] | None = None) -> str | None:
    """$POSTBAKKE_SECRET, or None when unset or empty (the workspace's secret.key is used)."""
    env = os.environ if env is None else env
    return env.get(SECRET_ENV) or None


def ocr_models_override(env: Mapping[str, str] | None = None) -> Path | None:
    """$POSTBAKKE_OCR_MODELS as a folder, or None when unset (the project's ocr_models/)."""
    env = os.environ if env is None else env
    value = env.get(OCR_MODELS_ENV)
    return Path(value) if value else None


def limit_ocr_threads() -> None:
    """Give each Tesseract engine one OpenMP thread (see OCR_THREAD_LIMIT).

    Must run in a process before libtesseract is loaded there: ocr.py calls it
    right before its one import of tesserocr, in the main process and in each
    OCR worker alike.
    """
    os.environ["OMP_THREAD_LIMIT"] = str(OCR_THREAD_LIMIT)
