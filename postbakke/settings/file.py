"""postbakke.toml's tables as pydantic models: their keys, defaults and ranges.

Each field's description says in Danish what it must be; tables.py turns what
pydantic finds into problems at the file's lines. No environment here: config.py
reads it and assembles `Settings` from these tables.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
from collections.abc import Iterator, Mapping
from email.utils import parseaddr
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from stdnum.dk import cvr as stdnum_cvr

from postbakke.models import EnvelopeWindow
from postbakke.settings.tables import Loc, Severity, Table, bad_value, broken_rule

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

# The SMTP password is never in the file: only in this environment variable.
SMTP_PASSWORD_ENV = "POSTBAKKE_SMTP_PASSWORD"

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


# What a field must be, in Danish (problems say "<key> skal være <this>, ikke <value>").
TABLE, DAYS, MM = "en tabel", "et helt antal dage (0 eller mere)", "et tal i mm"
WINDOW_EXAMPLE = "window = { left = 20, top = 45, width = 85, height = 45 }"

# A text that says something: surrounding spaces dropped, empty refused.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def whole(default: int, low: int, high: int) -> Any:
    """A field of whole numbers from low to high (TOML integers: not 2.5, not true)."""
    return Field(default=default, ge=low, le=high, description=f"et helt tal fra {low} til {high}")


def _one_or_many(value: object) -> object:
    """One string where a list is expected is a list of one."""
    return [value] if isinstance(value, str) else value


def cvr_number(value: object) -> str:
    """The CVR number's eight digits, whatever spaces it was written with."""
    digits = re.sub(r"\D", "", str(value))
    if not stdnum_cvr.is_valid(digits):
        raise bad_value(f"'{value}' er ikke et gyldigt CVR-nummer")
    return digits


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


def _address(value: str) -> str:
    if address_of(value) is None:
        raise bad_value(f"'{value}' er ikke en gyldig e-mailadresse")
    return value.strip()


Cvr = Annotated[str, BeforeValidator(cvr_number)]
Address = Annotated[str, AfterValidator(_address)]


class Municipality(Table):
    """[municipality]: no default; `scan` refuses a workspace without name and cvr."""

    name: Text | None = Field(default=None, description="kommunens navn i anførselstegn")
    cvr: Annotated[list[Cvr], BeforeValidator(_one_or_many)] = Field(
        default=[], description="en liste af CVR-numre")


class Scan(Table):
    """[scan]: how the scanned files are read."""

    # ocr_dpi: Tesseract reads badly below 100 dpi and 600 dpi takes 9x the time of 200
    # for no gain on letters (measured, ingest.OCR_DPI); page_timeout_s: above 0 (a page
    # takes ~1 s), an hour is surely a mistake; max_pages: a tray is at most a few hundred
    # pages; duplicate_window_days: 0 (the same scan day only) to a year.
    ocr_dpi: int = whole(DEFAULT_OCR_DPI, 100, 600)
    page_timeout_s: float = Field(default=DEFAULT_PAGE_TIMEOUT_S, gt=0, le=3600,
                                  description="et tal over 0 og højst 3600")
    max_pages: int = whole(DEFAULT_MAX_PAGES, 1, 10_000)
    duplicate_window_days: int = whole(DEFAULT_DUPLICATE_WINDOW_DAYS, 0, 366)
    separator_text: Text = Field(default=DEFAULT_SEPARATOR_TEXT,
                                 description='en tekst, fx "PATCHT"')
    retention_days: int | None = Field(default=None, ge=0, description=DAYS)  # its first place


class RetentionDays(Table):
    """[retention]: days per kind of personal data, each retention_days when not given."""

    model_config = ConfigDict(extra="forbid")  # a typo would keep personal data too long

    page_images: int | None = Field(default=None, ge=0, description=DAYS)
    letter_text: int | None = Field(default=None, ge=0, description=DAYS)
    watch_originals: int | None = Field(default=None, ge=0, description=DAYS)
    reports: int | None = Field(default=None, ge=0, description=DAYS)


RETENTION_KINDS = tuple(RetentionDays.model_fields)


Mm = Annotated[float, Field(ge=0, description=MM)]


class Window(Table):
    """[envelope] window, in mm from the page's top-left corner."""

    left: Mm
    top: Mm
    width: Mm
    height: Mm

    @model_validator(mode="before")
    @classmethod
    def _all_four(cls, data: Any) -> Any:
        if isinstance(data, dict) and set(data) != {"left", "top", "width", "height"}:
            raise broken_rule(f"skal angive left, top, width og height i mm, fx {WINDOW_EXAMPLE}")
        return data

    @model_validator(mode="after")
    def _on_a4(self) -> Window:
        window = self.envelope_window()
        if (window.width < WINDOW_MIN_MM or window.height < WINDOW_MIN_MM
                or window.right > PAGE_LIMIT_MM or window.bottom > PAGE_LIMIT_MM):
            raise broken_rule(f"ligger ikke på en A4-side (mindst {WINDOW_MIN_MM:g} mm bred og "
                              f"høj), fx {WINDOW_EXAMPLE}")
        return self

    def envelope_window(self) -> EnvelopeWindow:
        return EnvelopeWindow(self.left, self.top, self.width, self.height)


class Envelope(Table):
    window: Window | None = Field(default=None, description=f"{TABLE}, fx {WINDOW_EXAMPLE}")


class Watch(Table):
    folder: str | None = Field(default=None, description="en sti i anførselstegn")


def _host_name(value: str) -> str:
    """A name or address colleagues type for the station (no scheme, port or path)."""
    name = value.strip().lower().strip("[]")
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}"
                        r"[a-z0-9])?)*\.?", name):
        raise bad_value(f"'{value}' er ikke et værtsnavn eller en IP-adresse (uden http:// "
                        "og port), fx \"postbakke.kommune.local\"")
    return name.rstrip(".")


def _ip_address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip().strip("[]")))
    except ValueError:
        raise bad_value(f"'{value}' er ikke en IP-adresse, fx \"127.0.0.1\"") from None


class Web(Table):
    """[web]: the names colleagues type for the station, and the reverse proxy it trusts."""

    hosts: list[Annotated[str, AfterValidator(_host_name)]] = Field(
        default=[], description='en liste af værtsnavne, fx ["postbakke.kommune.local"]')
    # X-Forwarded-For/-Proto are believed only from these addresses (docs/deploy.md)
    trusted_proxies: list[Annotated[str, AfterValidator(_ip_address)]] = Field(
        default=[], description='en liste af IP-adresser, fx ["127.0.0.1"]')


class Department(Table):
    """A department's recipients: one address, a list, or a table with `to`."""

    called: ClassVar[str | None] = "afdelingen '{}'"

    to: Annotated[list[Address], BeforeValidator(_one_or_many)] = Field(
        description="en liste af e-mailadresser")

    @classmethod
    def hint(cls, key: str) -> str:
        return " (kun 'to')"

    @model_validator(mode="before")
    @classmethod
    def _as_table(cls, data: Any) -> Any:
        if isinstance(data, str | list):
            return {"to": data}
        if not isinstance(data, dict):
            raise broken_rule("skal have en adresse eller en liste af adresser, "
                              'fx ["tm@kommune.dk"]')
        return data

    @model_validator(mode="after")
    def _someone(self) -> Department:
        if not self.to:
            raise broken_rule('skal have mindst én modtageradresse, fx ["afdeling@kommune.dk"]')
        return self


class DigestSettings(Table):
    """[digest], the weekly digest: who sends, who receives per department, whom to ask.

    Departments are given as a mapping from the name in the staff directory to one
    address or a list, or as a table with `to`:

        [digest.departments]
        "Teknik og Miljø" = ["tm@kommune.dk", "Leder <leder.tm@kommune.dk>"]
        Jobcenter = "jobcenter@kommune.dk"
    """

    area: ClassVar[str] = "digest"

    sender: Address | None = Field(
        default=None, description='en e-mailadresse, fx "Postbakken <postbakke@kommune.dk>"')
    reply_to: Address | None = Field(default=None, description="en e-mailadresse")
    contact: Text | None = Field(  # the project leader's contact line
        default=None, description='en tekst, fx "Mette Skov, projektleder, tlf. 89 64 12 34, '
                          'mesk@kommune.dk"')
    send_when_no_leaks: bool = Field(default=True, description="true eller false")
    department_tables: dict[str, Department] = Field(
        default={}, alias="departments", description=f"{TABLE}: afdeling = [adresser]")

    @property
    def departments(self) -> Mapping[str, tuple[str, ...]]:
        """Department (as in the staff directory) -> its recipients' addresses."""
        return MappingProxyType({name: tuple(d.to) for name, d in self.department_tables.items()})

    def recipients(self, department: str) -> tuple[str, ...]:
        """The department's addresses, its name matched case aside."""
        for name, addresses in self.departments.items():
            if name.casefold() == department.casefold():
                return addresses
        return ()


class SmtpSettings(Table):
    """[smtp], the mail server the digests are sent through."""

    area: ClassVar[str] = "smtp"

    host: Text | None = Field(default=None,
                              description='mailserverens navn, fx "smtp.kommune.dk"')
    port: int = whole(DEFAULT_SMTP_PORTS["starttls"], 1, 65535)  # by security when not given
    security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="starttls, ssl eller none")
    user: Text | None = Field(default=None,
                              description="en tekst (brugernavnet på mailserveren)")
    # trust this CA (PEM) besides the system's
    ca_file: Path | None = Field(default=None, strict=False, description="stien til en PEM-fil")
    timeout_s: float = Field(default=DEFAULT_SMTP_TIMEOUT_S, gt=0,
                             description="et positivt antal sekunder")

    @classmethod
    def hint(cls, key: str) -> str:
        return f" (adgangskoden læses kun fra {SMTP_PASSWORD_ENV})" if "pas" in key.lower() else ""

    @model_validator(mode="before")
    @classmethod
    def _port_by_security(cls, data: Any) -> Any:
        if isinstance(data, dict) and "port" not in data:
            security = data.get("security")
            port = DEFAULT_SMTP_PORTS.get(security if isinstance(security, str) else "")
            return {**data, "port": port or DEFAULT_SMTP_PORTS["starttls"]}
        return data

    @field_validator("ca_file")
    @classmethod
    def _readable_pem(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        if path is None:
            return None
        path = path.expanduser()
        if not path.is_absolute():  # relative to postbakke.toml
            path = (info.context or {}).get("folder", Path()) / path
        if not path.is_file():
            raise bad_value(f"filen {path} findes ikke")
        try:
            ssl.create_default_context(cafile=str(path))
        except (ssl.SSLError, OSError, ValueError) as failure:
            raise bad_value(f"{path} er ikke et læsbart PEM-certifikat ({failure})") from None
        return path


class SettingsFile(Table):
    """postbakke.toml: each table with its defaults."""

    # [retention]'s default for each kind
    retention_days: int | None = Field(default=None, ge=0, description=DAYS)
    municipality: Municipality = Field(default=Municipality(), description=TABLE)
    scan: Scan = Field(default=Scan(), description=TABLE)
    retention: RetentionDays = Field(default=RetentionDays(), description=TABLE)
    envelope: Envelope = Field(default=Envelope(), description=TABLE)
    watch: Watch = Field(default=Watch(), description=TABLE)
    web: Web = Field(default=Web(), description=TABLE)
    digest: DigestSettings = Field(default=DigestSettings(), description=TABLE)
    smtp: SmtpSettings = Field(default=SmtpSettings(), description=TABLE)


def gaps(data: Mapping[str, Any]) -> Iterator[tuple[Severity, Loc, str, str]]:
    """What [digest] and [smtp] lack (or have twice) beyond each key's own check:
    (severity, where, message, area)."""
    digest, smtp = data.get("digest"), data.get("smtp")
    if isinstance(digest, dict):
        if "sender" not in digest:
            yield (Severity.ERROR, ("digest",), "[digest] mangler sender: afsenderens adresse, "
                   'fx "Postbakken <postbakke@kommune.dk>"', "digest")
        if "contact" not in digest:
            yield (Severity.WARNING, ("digest",), "[digest] mangler contact: projektlederens "
                   "kontaktlinje (navn, telefon, e-mail), så afdelingerne ved, hvem de kan spørge",
                   "digest")
        departments = digest.get("departments")
        if departments is None:
            yield (Severity.ERROR, ("digest",), "[digest.departments] mangler: angiv hver "
                   "afdelings modtagere, fx \"Teknik og Miljø\" = [\"tm@kommune.dk\"]", "digest")
        seen: dict[str, str] = {}
        for name in departments if isinstance(departments, dict) else ():
            first = seen.setdefault(name.casefold(), name)
            if first != name:
                yield (Severity.ERROR, ("digest", "departments", name), f"afdelingen '{name}' "
                       f"står to gange i [digest.departments] (også som '{first}')", "digest")
        if smtp is None:
            yield (Severity.ERROR, (), "[smtp] mangler: angiv mailserveren (host) for at "
                   "kunne sende ugebrevene", "smtp")
    if isinstance(smtp, dict) and "host" not in smtp:
        yield (Severity.ERROR, ("smtp", "host"),
               '[smtp] mangler host: mailserverens navn, fx "smtp.kommune.dk"', "smtp")

