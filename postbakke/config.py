"""Settings of one workspace: $POSTBAKKE_HOME and its postbakke.toml.

Built once by the CLI and passed down. This is the only module that reads the
environment (or, for Tesseract's threads, sets it): no stage does either itself.
"""

from __future__ import annotations

import difflib
import os
import re
import ssl
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from stdnum.dk import cvr as stdnum_cvr

from postbakke.errors import ConfigError
from postbakke.models import EnvelopeWindow

DEFAULT_HOME = "postbakke-data"
SETTINGS_FILE = "postbakke.toml"
DB_FILE = "postbakke.db"

# Measured on the generated letters: 200 dpi reads them as well as 300 dpi and
# avoids the pathological pages (6-53 s) seen at 300 dpi.
DEFAULT_OCR_DPI = 200
# Hard limit per page in Tesseract; a normal page takes ~1 s on these machines.
DEFAULT_PAGE_TIMEOUT_S = 30.0
DEFAULT_RETENTION_DAYS = 30
# A tray of 100 letters of up to three pages; beyond it a file is most likely
# a whole archive scanned by mistake, refused with a reason (settable).
DEFAULT_MAX_PAGES = 300
# Scan days within which the same paper scanned again is a copy, not a new letter
# ([scan] duplicate_window_days; people/duplicates.py says how it was chosen).
DEFAULT_DUPLICATE_WINDOW_DAYS = 14

HOME_ENV = "POSTBAKKE_HOME"
# The pseudonyms' key, for a workspace whose secret.key is kept elsewhere (or a test).
SECRET_ENV = "POSTBAKKE_SECRET"
# Another folder of OCR assets than the project's ocr_models/ (tessdata, postbakke.config).
OCR_MODELS_ENV = "POSTBAKKE_OCR_MODELS"
OWN_CVR_ENV = "POSTBAKKE_OWN_CVR"
# Tests only: a fault injected into the reading of one file's pages in the worker
# ("hang:NAME", "raise:NAME", "crash:NAME"; see reading.ingest.inject_fault).
TEST_FAULT_ENV = "POSTBAKKE_TEST_FAULT"
# The ranges [scan] values must lie in. ocr_dpi: Tesseract reads badly below 100 dpi
# and 600 dpi takes 9x the time of 200 for no gain on letters (measured, ingest.OCR_DPI);
# page_timeout_s: above 0 (a page takes ~1 s), an hour is surely a mistake; max_pages:
# 1 to 10,000 (a tray is at most a few hundred pages); duplicate_window_days: 0 (the
# same scan day only) to a year. A float's lower bound is excluded.
SCAN_RANGES: dict[str, tuple[type, float, float]] = {
    "ocr_dpi": (int, 100, 600),
    "page_timeout_s": (float, 0, 3600),
    "max_pages": (int, 1, 10_000),
    "duplicate_window_days": (int, 0, 366),
}
# The SMTP password is never in the file: only in this environment variable.
SMTP_PASSWORD_ENV = "POSTBAKKE_SMTP_PASSWORD"
# Tesseract's OpenMP threads made one page 4-5x slower on a 2-core machine (3.3 s
# against 0.76 s measured here): one thread per Tesseract engine, parallelism
# comes from running several pages or files at once in worker processes. OpenMP
# reads the limit once, when libtesseract is loaded, so it is set just before.
OCR_THREAD_LIMIT = 1
# Ports by security when `port` is not set: 587 for submission with STARTTLS
# (RFC 6409), 465 for implicit TLS (RFC 8314), 25 for a plain relay on the
# municipality's own network.
DEFAULT_SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
# Seconds for connecting and for each SMTP command: a municipal relay answers in
# well under a second; 30 s rides out a slow one without a hung server holding
# the Monday job for long.
DEFAULT_SMTP_TIMEOUT_S = 30.0
# An e-mail address we accept: ASCII, one @, a dot in the domain. Stricter
# than RFC 5322 on purpose: what fails here is a typo far more often than a
# rare valid form (and non-ASCII addresses need SMTPUTF8, which relays lack).
_ADDRESS_FORM = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")

# The word a separator sheet's barcode carries (Paperless-ngx's patch code T).
DEFAULT_SEPARATOR_TEXT = "PATCHT"
# [envelope] window: a field smaller than a line of type or larger than A4 is a typo.
WINDOW_MIN_MM, PAGE_LIMIT_MM = 10.0, 297.0

DIGEST_KEYS = {"sender", "reply_to", "contact", "send_when_no_leaks", "departments"}
SMTP_KEYS = {"host", "port", "security", "user", "ca_file", "timeout_s"}


# What `scan` needs in [municipality] (Settings.missing_municipality), as the lines to add.
MUNICIPALITY_NAME_LINE = 'name = "<Navn> Kommune"'
MUNICIPALITY_CVR_LINE = 'cvr = ["<kommunens CVR-nummer>"]'


class Severity(StrEnum):
    ERROR = "fejl"
    WARNING = "advarsel"


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong (or worth a look) in postbakke.toml, said in Danish."""

    severity: Severity
    where: str  # "postbakke.toml:12" or "postbakke.toml" when the line is unknown
    message: str
    area: str = "digest"  # "digest" blocks making digests, "smtp" blocks sending only

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None = None
    port: int = DEFAULT_SMTP_PORTS["starttls"]
    security: str = "starttls"  # "starttls", "ssl" or "none"
    user: str | None = None
    ca_file: Path | None = None  # trust this CA (PEM) besides the system's
    timeout_s: float = DEFAULT_SMTP_TIMEOUT_S


@dataclass(frozen=True)
class DigestSettings:
    """The weekly digest: who sends, who receives per department, whom to ask."""

    sender: str | None = None  # "Postbakken <postbakke@kommune.dk>"
    reply_to: str | None = None
    contact: str | None = None  # the project leader's contact line
    send_when_no_leaks: bool = True
    # department (as in the staff directory) -> its recipients' addresses
    departments: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def recipients(self, department: str) -> tuple[str, ...]:
        """The department's addresses, its name matched case aside."""
        for name, addresses in self.departments.items():
            if name.casefold() == department.casefold():
                return addresses
        return ()


RETENTION_KINDS = ("page_images", "letter_text", "watch_originals", "reports")
RETENTION_DA = {
    "page_images": "sidebilleder (sider/)",
    "letter_text": "OCR-tekst, emne, spor og modtagerblok (navne) i databasen",
    "watch_originals": "de scannede originaler i scannermappens behandlet/ og fejlet/",
    "reports": "rapporter og ugebreve (reports/ og reports/outbox/)",
}


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
    municipality_name: str = "Favrskov Kommune"
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
    # [municipality] name given in postbakke.toml (the name above is a display default)
    municipality_named: bool = False
    digest: DigestSettings = field(default_factory=DigestSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
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
            ("navn (name)", MUNICIPALITY_NAME_LINE, self.municipality_named),
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
    def pages_dir(self) -> Path:
        """Cleaned page images kept for review (deleted after retention_days)."""
        return self.home / "sider"


def _line_of(error: tomllib.TOMLDecodeError, text: str) -> str:
    found = re.search(r"line (\d+)", str(error))
    if found:
        return found.group(1)
    return str(max(1, len(text.splitlines())))  # "at end of document"


def _parse_cvrs(values: object, where: str) -> frozenset[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        raise ConfigError(f"{where}: cvr skal være en liste af CVR-numre")
    cvrs = set()
    for value in values:
        digits = re.sub(r"\D", "", str(value))
        if not stdnum_cvr.is_valid(digits):
            raise ConfigError(f"{where}: '{value}' er ikke et gyldigt CVR-nummer")
        cvrs.add(digits)
    return frozenset(cvrs)


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


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read $POSTBAKKE_HOME/postbakke.toml (if any) and the environment overrides."""
    env = dict(os.environ) if env is None else env
    home = Path(env.get(HOME_ENV) or DEFAULT_HOME)
    path = home / SETTINGS_FILE
    data: dict = {}
    text = ""
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise ConfigError(f"{path}: filen er ikke UTF-8") from error
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}:{_line_of(error, text)}: ugyldig TOML ({error})") from error
    municipality = data.get("municipality", {})
    if not isinstance(municipality, dict):
        raise ConfigError(f"{path}: [municipality] skal være en tabel")
    own_cvrs = _parse_cvrs(municipality.get("cvr", []), f"{path}: [municipality]")
    if env.get(OWN_CVR_ENV):
        own_cvrs = _parse_cvrs(env[OWN_CVR_ENV].split(","), OWN_CVR_ENV)
    scan = data.get("scan", {})
    if not isinstance(scan, dict):
        raise ConfigError(f"{path}: [scan] skal være en tabel")
    scan_values = _scan_values(scan, path, text)
    retention = data.get("retention_days", scan.get("retention_days", DEFAULT_RETENTION_DAYS))
    if not isinstance(retention, int) or isinstance(retention, bool) or retention < 0:
        raise ConfigError(f"{path}: retention_days skal være et helt antal dage (0 eller mere)")
    raw_retention = data.get("retention", {})
    if not isinstance(raw_retention, dict):
        raise ConfigError(f"{path}: [retention] skal være en tabel")
    days: dict[str, int] = {}
    for key, value in raw_retention.items():
        if key not in RETENTION_KINDS:
            raise ConfigError(f"{path}: ukendt nøgle '{key}' i [retention] "
                              f"(kendte: {', '.join(RETENTION_KINDS)})")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{path}: [retention] {key} skal være et helt antal dage")
        days[key] = value
    retention_kinds = Retention(**{k: days.get(k, retention) for k in RETENTION_KINDS})
    digest, smtp, problems = parse_digest_settings(data, path, text)
    watch = data.get("watch", {})
    if not isinstance(watch, dict) or not isinstance(watch.get("folder", ""), str):
        raise ConfigError(f"{path}: [watch] folder skal være en sti i anførselstegn")
    separator_text = scan.get("separator_text", DEFAULT_SEPARATOR_TEXT)
    if not isinstance(separator_text, str) or not separator_text.strip():
        raise ConfigError(f"{path}: [scan] separator_text skal være en tekst, fx \"PATCHT\"")
    name = municipality.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ConfigError(f"{path}: [municipality] name skal være kommunens navn i anførselstegn")
    return Settings(
        watch_folder=Path(watch["folder"]) if watch.get("folder") else None,
        envelope_window=_parse_window(data.get("envelope", {}), path),
        separator_text=separator_text.strip(),
        municipality_named=bool(name),
        home=home,
        municipality_name=str(municipality.get("name", "Favrskov Kommune")),
        own_cvrs=own_cvrs,
        ocr_dpi=int(scan_values.get("ocr_dpi", DEFAULT_OCR_DPI)),
        page_timeout_s=float(scan_values.get("page_timeout_s", DEFAULT_PAGE_TIMEOUT_S)),
        retention_days=retention,
        retention=retention_kinds,
        max_pages=int(scan_values.get("max_pages", DEFAULT_MAX_PAGES)),
        test_fault=env.get(TEST_FAULT_ENV) or None,
        duplicate_window_days=int(scan_values.get("duplicate_window_days",
                                                  DEFAULT_DUPLICATE_WINDOW_DAYS)),
        digest=digest, smtp=smtp, smtp_password=env.get(SMTP_PASSWORD_ENV) or None,
        secret=secret_from_environment(env),
        problems=tuple(problems),
    )


def _scan_values(scan: Mapping[str, object], path: Path, text: str) -> dict[str, float]:
    """[scan]'s numbers, checked by type and range (SCAN_RANGES); a ConfigError names the line."""
    values: dict[str, float] = {}
    locate = _Locator(path, text)
    for key, (kind, low, high) in SCAN_RANGES.items():
        if key not in scan:
            continue
        value = scan[key]
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if kind is int and not isinstance(value, int):
            numeric = False
        in_range = numeric and (
            low <= value <= high if kind is int else low < value <= high  # type: ignore[operator]
        )
        if not in_range:
            what = (f"et helt tal fra {low:g} til {high:g}" if kind is int
                    else f"et tal over {low:g} og højst {high:g}")
            raise ConfigError(f"{locate.where('scan', key)}: [scan] {key} skal være {what}, "
                              f"ikke {value!r}")
        assert isinstance(value, int | float)
        values[key] = float(value) if kind is float else int(value)
    return values


def _parse_window(envelope: object, path: Path) -> EnvelopeWindow:
    """[envelope] window = { left, top, width, height } in mm; DIN 5008 form B when absent."""
    if not isinstance(envelope, dict):
        raise ConfigError(f"{path}: [envelope] skal være en tabel")
    raw = envelope.get("window")
    if raw is None:
        return EnvelopeWindow()
    example = "window = { left = 20, top = 45, width = 85, height = 45 }"
    if not isinstance(raw, dict) or set(raw) != {"left", "top", "width", "height"}:
        raise ConfigError(f"{path}: [envelope] window skal angive left, top, width og height "
                          f"i mm, fx {example}")
    values = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{path}: [envelope] window {key} skal være et tal i mm, "
                              f"ikke '{value}'")
        values[key] = float(value)
    window = EnvelopeWindow(**values)
    if (
        window.width < WINDOW_MIN_MM or window.height < WINDOW_MIN_MM
        or window.right > PAGE_LIMIT_MM or window.bottom > PAGE_LIMIT_MM
    ):
        raise ConfigError(f"{path}: [envelope] window ligger ikke på en A4-side "
                          f"(mindst {WINDOW_MIN_MM:g} mm bred og høj), fx {example}")
    return window


# --------------------------------------------------------------------------- [digest] and [smtp]

# problem(severity, where, message, area="digest")
_Problem = Callable[..., None]
_HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(?:#.*)?$")


def _table_name(header: str) -> str:
    """'digest.departments."Teknik og Miljø"' -> 'digest.departments.Teknik og Miljø'."""
    return re.sub(r"\s*\.\s*", ".", header).replace('"', "").replace("'", "")


class _Locator:
    """Finds the line of a key or a value in the TOML text, for `file:line` in messages.

    A best effort (tomllib keeps no positions): the first line of the table that
    names the key, or holds the value in quotes; else the table's header; else
    the file alone.
    """

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines: list[tuple[int, str, str]] = []  # (line number, table, line)
        table = ""
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                table = _table_name(header.group(1))
            self.lines.append((number, table, line))

    def where(self, table: str, key: str | None = None, value: str | None = None) -> str:
        def in_table(current: str) -> bool:
            return current == table or current.startswith(table + ".")

        key_form = (
            re.compile(rf"""^\s*(?:"{re.escape(key)}"|'{re.escape(key)}'|{re.escape(key)})\s*=""")
            if key else None
        )
        if value is not None:
            for number, current, line in self.lines:
                if in_table(current) and (f'"{value}"' in line or f"'{value}'" in line):
                    return f"{self.path}:{number}"
        if key_form is not None:
            for number, current, line in self.lines:
                if current == table and key_form.match(line):
                    return f"{self.path}:{number}"
            for number, current, line in self.lines:  # [table.key] as a table of its own
                if current == f"{table}.{key}" and _HEADER.match(line):
                    return f"{self.path}:{number}"
        for number, current, line in self.lines:
            if in_table(current) and _HEADER.match(line):
                return f"{self.path}:{number}"
        return str(self.path)


def _suggestion(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (mente du '{close[0]}'?)" if close else ""


def address_of(text: str) -> str | None:
    """The addr-spec of 'Name <a@b.dk>' or 'a@b.dk', or None when it is not a valid address."""
    if not isinstance(text, str) or "\n" in text or "\r" in text:
        return None
    name, address = parseaddr(text)
    if not address or not _ADDRESS_FORM.match(address):
        return None
    if "<" not in text and text.strip() != address:
        return None  # "tm@kommune.dk jc@kommune.dk": two addresses in one string
    return address


def _address_list(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def parse_digest_settings(
    data: Mapping[str, object], path: Path, text: str
) -> tuple[DigestSettings, SmtpSettings, list[ConfigProblem]]:
    """[digest] and [smtp] of postbakke.toml, and what is wrong with them (pure).

    Departments are given as a mapping from the name in the staff directory to
    one address or a list, or as a table with `to`:

        [digest.departments]
        "Teknik og Miljø" = ["tm@kommune.dk", "Leder <leder.tm@kommune.dk>"]
        Jobcenter = "jobcenter@kommune.dk"
    """
    locate = _Locator(path, text)
    problems: list[ConfigProblem] = []

    def problem(severity: Severity, where: str, message: str, area: str = "digest") -> None:
        problems.append(ConfigProblem(severity, where, message, area))

    digest = DigestSettings()
    raw = data.get("digest")
    if raw is not None and not isinstance(raw, dict):
        problem(Severity.ERROR, locate.where("digest"), "[digest] skal være en tabel")
    elif isinstance(raw, dict):
        digest = _parse_digest(raw, locate, problem)
    smtp = SmtpSettings()
    raw_smtp = data.get("smtp")
    if raw_smtp is not None and not isinstance(raw_smtp, dict):
        problem(Severity.ERROR, locate.where("smtp"), "[smtp] skal være en tabel", "smtp")
    elif isinstance(raw_smtp, dict):
        smtp = _parse_smtp(raw_smtp, path, locate, problem)
    elif raw is not None:
        problem(Severity.ERROR, str(path),
                "[smtp] mangler: angiv mailserveren (host) for at kunne sende ugebrevene", "smtp")
    return digest, smtp, problems


def _parse_digest(raw: dict, locate: _Locator, problem: _Problem) -> DigestSettings:
    for key in sorted(set(raw) - DIGEST_KEYS):
        problem(Severity.WARNING, locate.where("digest", key),
                f"ukendt nøgle '{key}' i [digest] bruges ikke{_suggestion(key, DIGEST_KEYS)}")

    def address(key: str, required: bool) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                problem(Severity.ERROR, locate.where("digest"),
                        f"[digest] mangler {key}: afsenderens adresse, fx "
                        '"Postbakken <postbakke@kommune.dk>"')
            return None
        if address_of(value) is None:
            problem(Severity.ERROR, locate.where("digest", key, value if isinstance(value, str)
                                                 else None),
                    f"[digest] {key}: '{value}' er ikke en gyldig e-mailadresse")
            return None
        return str(value).strip()

    sender = address("sender", required=True)
    reply_to = address("reply_to", required=False)
    contact = raw.get("contact")
    if contact is None:
        problem(Severity.WARNING, locate.where("digest"),
                "[digest] mangler contact: projektlederens kontaktlinje (navn, telefon, e-mail), "
                "så afdelingerne ved, hvem de kan spørge")
    elif not isinstance(contact, str) or not contact.strip():
        problem(Severity.ERROR, locate.where("digest", "contact"),
                "[digest] contact skal være en tekst, fx "
                '"Mette Skov, projektleder, tlf. 89 64 12 34, mesk@kommune.dk"')
        contact = None
    send_when_no_leaks = raw.get("send_when_no_leaks", True)
    if not isinstance(send_when_no_leaks, bool):
        problem(Severity.ERROR, locate.where("digest", "send_when_no_leaks"),
                "[digest] send_when_no_leaks skal være true eller false")
        send_when_no_leaks = True
    departments: dict[str, tuple[str, ...]] = {}
    raw_departments = raw.get("departments")
    if raw_departments is None:
        problem(Severity.ERROR, locate.where("digest"),
                "[digest.departments] mangler: angiv hver afdelings modtagere, fx "
                '"Teknik og Miljø" = ["tm@kommune.dk"]')
    elif not isinstance(raw_departments, dict):
        problem(Severity.ERROR, locate.where("digest", "departments"),
                "[digest.departments] skal være en tabel: afdeling = [adresser]")
    else:
        seen: dict[str, str] = {}
        for name, value in raw_departments.items():
            where = locate.where("digest.departments", name)
            if name.casefold() in seen:
                problem(Severity.ERROR, where,
                        f"afdelingen '{name}' står to gange i [digest.departments] "
                        f"(også som '{seen[name.casefold()]}')")
                continue
            seen[name.casefold()] = name
            if isinstance(value, dict):
                for key in sorted(set(value) - {"to"}):
                    problem(Severity.WARNING, locate.where(f"digest.departments.{name}", key),
                            f"ukendt nøgle '{key}' for afdelingen '{name}' bruges ikke "
                            "(kun 'to')")
                value = value.get("to")
            addresses = _address_list(value)
            if not addresses:
                problem(Severity.ERROR, where,
                        f"afdelingen '{name}' skal have mindst én modtageradresse, "
                        'fx ["afdeling@kommune.dk"]')
                continue
            bad = [a for a in addresses if address_of(a) is None]
            for wrong in bad:
                problem(Severity.ERROR, locate.where("digest.departments", name, wrong),
                        f"afdelingen '{name}': '{wrong}' er ikke en gyldig e-mailadresse")
            if not bad:
                departments[name] = tuple(a.strip() for a in addresses)
    return DigestSettings(
        sender=sender, reply_to=reply_to, contact=contact.strip() if contact else None,
        send_when_no_leaks=send_when_no_leaks, departments=MappingProxyType(departments),
    )


def _parse_smtp(raw: dict, path: Path, locate: _Locator, problem: _Problem) -> SmtpSettings:
    def error(key: str | None, message: str) -> None:
        problem(Severity.ERROR, locate.where("smtp", key), message, "smtp")

    for key in sorted(set(raw) - SMTP_KEYS):
        problem(Severity.WARNING, locate.where("smtp", key),
                f"ukendt nøgle '{key}' i [smtp] bruges ikke{_suggestion(key, SMTP_KEYS)}"
                + (" (adgangskoden læses kun fra " + SMTP_PASSWORD_ENV + ")"
                   if "pas" in key.lower() else ""), "smtp")
    host = raw.get("host")
    if not isinstance(host, str) or not host.strip():
        error("host", "[smtp] mangler host: mailserverens navn, fx \"smtp.kommune.dk\"")
        host = None
    security = raw.get("security", "starttls")
    if security not in DEFAULT_SMTP_PORTS:
        error("security", f"[smtp] security skal være starttls, ssl eller none, ikke '{security}'")
        security = "starttls"
    port = raw.get("port", DEFAULT_SMTP_PORTS[security])
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        error("port", f"[smtp] port skal være et helt tal fra 1 til 65535, ikke '{port}'")
        port = DEFAULT_SMTP_PORTS[security]
    user = raw.get("user")
    if user is not None and (not isinstance(user, str) or not user.strip()):
        error("user", "[smtp] user skal være en tekst (brugernavnet på mailserveren)")
        user = None
    timeout = raw.get("timeout_s", DEFAULT_SMTP_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        error("timeout_s", "[smtp] timeout_s skal være et positivt antal sekunder")
        timeout = DEFAULT_SMTP_TIMEOUT_S
    ca_file: Path | None = None
    raw_ca = raw.get("ca_file")
    if raw_ca is not None:
        if not isinstance(raw_ca, str) or not raw_ca.strip():
            error("ca_file", "[smtp] ca_file skal være stien til en PEM-fil")
        else:
            ca_file = Path(raw_ca).expanduser()
            if not ca_file.is_absolute():
                ca_file = path.parent / ca_file  # relative to postbakke.toml
            if not ca_file.is_file():
                error("ca_file", f"[smtp] ca_file: filen {ca_file} findes ikke")
                ca_file = None
            else:
                try:
                    ssl.create_default_context(cafile=str(ca_file))
                except (ssl.SSLError, OSError, ValueError) as failure:
                    error("ca_file", f"[smtp] ca_file: {ca_file} er ikke et læsbart "
                                     f"PEM-certifikat ({failure})")
                    ca_file = None
    return SmtpSettings(
        host=host.strip() if host else None, port=port, security=security,
        user=user.strip() if user else None, ca_file=ca_file, timeout_s=float(timeout),
    )


def check_settings(
    env: dict[str, str] | None = None,
    staff_departments: Callable[[Settings], Iterable[str]] | None = None,
) -> tuple[Settings | None, list[ConfigProblem]]:
    """Everything `postbakke config check` reports: the file's problems, and the digest's
    departments held against the staff directory's. Errors first, then warnings."""
    try:
        settings = load_settings(env)
    except ConfigError as error:
        return None, [ConfigProblem(Severity.ERROR, "", str(error), "settings")]
    problems = list(settings.problems)
    path = settings.settings_path
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    locate = _Locator(path, text)
    gaps = settings.municipality_gaps()
    if gaps:  # said first: `scan` refuses the workspace until it is added
        whats, lines = (" og ".join(part) for part in zip(*gaps, strict=True))
        has_table = any(table == "municipality" for _, table, _ in locate.lines)
        add = (f"tilføj {lines} under [municipality]" if has_table and len(gaps) == 1
               else f"tilføj [municipality] med {lines}")
        problems.insert(0, ConfigProblem(
            Severity.WARNING, locate.where("municipality"),
            f"kommunens {whats} mangler, så 'postbakke scan' nægter at scanne: {add}",
            "municipality"))
    digest = settings.digest
    configured = bool(digest.sender or digest.departments) or any(
        p.area == "digest" for p in problems
    )
    if not configured:
        problems.append(ConfigProblem(
            Severity.WARNING, str(path),
            "ingen [digest]: ugebrevene til afdelingerne er ikke sat op (se README)"))
    known = sorted(set(staff_departments(settings))) if staff_departments else []
    folded = {name.casefold() for name in known}
    if configured and not known:
        problems.append(ConfigProblem(
            Severity.WARNING, str(path),
            "medarbejderkartoteket er tomt, så afdelingernes navne kan ikke tjekkes "
            "(kør 'postbakke staff import')"))
    elif configured:
        for name in digest.departments:
            if name.casefold() not in folded:
                problems.append(ConfigProblem(
                    Severity.WARNING, locate.where("digest.departments", name),
                    f"afdelingen '{name}' står ikke i medarbejderkartoteket og får derfor "
                    f"aldrig breve at fortælle om{_suggestion(name, known)}"))
        configured_names = {n.casefold() for n in digest.departments}
        for name in known:
            if name.casefold() not in configured_names:
                problems.append(ConfigProblem(
                    Severity.WARNING, locate.where("digest.departments"),
                    f"afdelingen '{name}' har ingen modtagere i [digest.departments] "
                    "og får intet ugebrev"))
    smtp = settings.smtp
    if configured and smtp.user and not settings.smtp_password:
        problems.append(ConfigProblem(
            Severity.WARNING, locate.where("smtp", "user"),
            f"[smtp] user er sat, men {SMTP_PASSWORD_ENV} er ikke sat i dette miljø: "
            "sæt den dér, hvor ugebrevene sendes fra (cron/systemd)", "smtp"))
    if configured and smtp.user and smtp.security == "none":
        problems.append(ConfigProblem(
            Severity.WARNING, locate.where("smtp", "security"),
            "[smtp] security = \"none\" med user: adgangskoden sendes ukrypteret; "
            "brug starttls eller ssl", "smtp"))
    problems.sort(key=lambda p: (not p.is_error,))
    return settings, problems


def retention_lines(settings: Settings) -> list[str]:
    """What is kept how long (Danish), for `config check`."""
    lines = [f"Opbevaring: {RETENTION_DA[kind]}: {getattr(settings.retention, kind)} dage"
             for kind in RETENTION_KINDS]
    lines.append("Opbevaring: tal, vurderinger, pseudonymer og brevtyper: bevares "
                 "(statistikken); revisionsloggen: bevares")
    return lines


# Files of the workspace may be read by their owner only (0600, folders 0700).
GROUP_OTHER_BITS = 0o077


def workspace_problems(settings: Settings) -> list[ConfigProblem]:
    """Files and folders under $POSTBAKKE_HOME that others than the owner may read."""
    home = settings.home
    if not home.exists():
        return []
    problems = []
    for path in [home, *sorted(home.rglob("*"))]:
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            continue
        if mode & GROUP_OTHER_BITS:
            problems.append(ConfigProblem(
                Severity.ERROR, str(path),
                f"kan læses af andre end ejeren (rettigheder {mode:o}); ret med "
                f"'chmod -R go-rwx {home}'", "workspace"))
    return problems


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """What `postbakke config check` ends with: the counts and the closing line (Danish)."""

    errors: int
    warnings: int
    line: str

    @property
    def ok(self) -> bool:
        return not self.errors


def summarise_check(
    settings: Settings | None, problems: Sequence[ConfigProblem]
) -> CheckSummary:
    """Count the errors and warnings of `check_settings` and word the closing line."""
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    where = settings.settings_path if settings else SETTINGS_FILE
    counted = f"{warnings} advarsel" if warnings == 1 else f"{warnings} advarsler"
    if errors:
        return CheckSummary(errors, warnings, f"{where}: {errors} fejl, {counted}.")
    note = f" ({counted})" if warnings else ""
    if settings is not None and settings.settings_path.exists():
        line = f"{where} er i orden{note}."
    else:
        line = f"{where} findes ikke; standardindstillingerne bruges{note}."
    return CheckSummary(errors, warnings, line)
