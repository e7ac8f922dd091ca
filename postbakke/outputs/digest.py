"""Weekly digest e-mails to the departments: figures -> a Danish e-mail -> sent once.

Each department gets, for one ISO week, a short e-mail about the paper letters
it sent that could have gone by Digital Post, so that next week they do: what
happened, how to send digitally next time, whom to ask. Coaching, not a list of
culprits; CPR numbers only masked.

The stages, I/O at the edges:
- `load_digests` reads the week's letters and digital counts from the store and
  calls `build_digests` (pure), which takes every figure from report.py's
  functions, so the e-mail and the project leader's report never disagree;
- `render_text`, `render_html`, `build_message` (pure) make the multipart
  e-mail (plain text and HTML, UTF-8, quoted-printable);
- `send_digests` keeps the send log in the store (a digest goes to each
  recipient once, also across a crash and a re-run) and retries temporary
  failures; `SmtpSender` is the only user of smtplib; `write_outbox` writes
  `.eml` files instead of sending.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from postbakke.config import DigestSettings, Settings, SmtpSettings, address_of
from postbakke.errors import ConfigError, ExitCode, PostbakkeError
from postbakke.models import Reason, VerdictKind
from postbakke.outputs.digital import DigitalCount, IsoWeek, weeks_between
from postbakke.outputs.report import (
    GOAL_DIGITAL_SHARE,
    UNKNOWN_SENDER,
    Figures,
    Period,
    ReportLetter,
    count_figures,
    period_figures,
    systemic_causes,
    week_span_da,
)
from postbakke.outputs.wording import template_environment
from postbakke.store import DigestStatus, Store

# The trend in an e-mail: this week and the three before. A month shows whether
# last week's talk worked and still fits on a phone screen; the project
# leader's report has the quarter.
DIGEST_TREND_WEEKS = 4
# Waits before the 2nd, 3rd and 4th attempt after a temporary failure (a 4xx
# answer, a dropped connection). A relay answers 4xx while it is overloaded or
# restarting, which passes in seconds to a couple of minutes; the whole ladder
# is under three minutes, fine for a job that runs once a week.
RETRY_DELAYS_S = (5.0, 30.0, 120.0)
DEFAULT_OUTBOX = Path("reports") / "outbox"
# Exit status when some departments' digests failed and the others were sent:
# the same "partly done" status as a scan with files set aside.
SOME_FAILED = ExitCode.FILES_FAILED
# A CPR number in clear: 6 digits, an optional hyphen or space, 4 digits. The
# rendered e-mail is checked for it before it leaves (defence in depth: only
# masked numbers and letter kinds ever go into it).
_CPR_IN_CLEAR = re.compile(r"(?<!\d)\d{6}[- ]?\d{4}(?!\d)")


class DigestError(PostbakkeError):
    exit_code = ExitCode.BAD_ARGS


class MailServerError(PostbakkeError):
    """The mail server cannot be used at all (TLS, login, unreachable): the run stops."""

    exit_code = ExitCode.OTHER


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class LeakLine:
    """One letter that could have gone digitally, as the department reads it."""

    scanned_on: date
    kind: str  # the kind of letter (subjects.py): never a name or a number
    recipient_masked: str | None  # DDMMYY-XXXX, or a company's CVR
    reason: Reason


@dataclass(frozen=True, slots=True)
class SenderGroup:
    sender: str  # UNKNOWN_SENDER when the sender is unknown
    letters: tuple[LeakLine, ...]


@dataclass(frozen=True, slots=True)
class TemplateHint:
    """Several colleagues sent the same kind of letter on paper: likely a template."""

    kind: str
    leaks: int
    senders: int


@dataclass(frozen=True)
class Digest:
    department: str
    week: IsoWeek
    figures: Figures  # the week's, as the report's week table counts them
    trend: tuple[Figures, ...]  # DIGEST_TREND_WEEKS weeks, oldest first, labelled by week
    senders: tuple[SenderGroup, ...]  # most letters first
    templates: tuple[TemplateHint, ...]
    recipients: tuple[str, ...]

    @property
    def has_leaks(self) -> bool:
        return self.figures.leaks > 0

    @property
    def is_positive(self) -> bool:
        """Nothing to act on: no leak and no CPR number in an envelope's window."""
        return not self.has_leaks and not self.figures.window_cpr

    @property
    def period(self) -> Period:
        return Period.week(self.week)

    @property
    def reasons(self) -> set[Reason]:
        """The reasons of the week's leaks (the coaching tips follow them)."""
        return {x.reason for g in self.senders for x in g.letters}


def _canonical(name: str, known: Iterable[str]) -> str:
    for spelling in known:
        if spelling.casefold() == name.casefold():
            return spelling
    return name


def build_digests(
    letters: Sequence[ReportLetter], counts: Sequence[DigitalCount], week: IsoWeek,
    recipients: Mapping[str, tuple[str, ...]],
) -> list[Digest]:
    """One digest per department in `recipients` (pure), by department name.

    Department names are matched case aside; the letters' spelling wins.
    `letters` must reach back DIGEST_TREND_WEEKS - 1 weeks before `week`.
    """
    weeks = weeks_between(week.shifted(-(DIGEST_TREND_WEEKS - 1)), week)
    known = sorted({x.department for x in letters} | {c.department for c in counts})
    by_week = {w: period_figures(letters, counts, Period.week(w))[0] for w in weeks}
    period = Period.week(week)
    this_week = [x for x in letters if period.start <= x.scanned_on <= period.end]
    digests = []
    for configured, addresses in recipients.items():
        name = _canonical(configured, known)

        def figures_of(w: IsoWeek, name: str = name) -> Figures:
            rows = {f.label.casefold(): f for f in by_week[w]}
            return replace(rows.get(name.casefold()) or count_figures(name, [], None),
                           label=w.label)

        own = [x for x in this_week if x.department.casefold() == name.casefold()]
        digests.append(Digest(
            department=name, week=week,
            figures=replace(figures_of(week), label=name),
            trend=tuple(figures_of(w) for w in weeks),
            senders=tuple(_sender_groups(own)),
            templates=tuple(
                TemplateHint(c.kind, c.leaks, c.senders)
                for c in systemic_causes(own) if c.likely_template
            ),
            recipients=addresses,
        ))
    return sorted(digests, key=lambda d: d.department)


def _sender_groups(letters: Sequence[ReportLetter]) -> list[SenderGroup]:
    """The week's leaks (justified ones are not) grouped by sender, most first."""
    groups: dict[str, list[LeakLine]] = defaultdict(list)
    for x in sorted(letters, key=lambda x: (x.scanned_on, x.id)):
        if x.counted_as == VerdictKind.LEAK:
            groups[x.sender or UNKNOWN_SENDER].append(
                LeakLine(x.scanned_on, x.kind, x.recipient_masked, x.reason))
    ordered = sorted(groups.items(), key=lambda item: (
        item[0] == UNKNOWN_SENDER, -len(item[1]), item[0]))
    return [SenderGroup(sender, tuple(lines)) for sender, lines in ordered]


def default_week(today: date) -> IsoWeek:
    """The last whole week: the digest is sent on Monday about the week before."""
    return IsoWeek.of(today).shifted(-1)


def load_digests(
    store: Store, settings: Settings, week: IsoWeek, department: str | None = None,
) -> list[Digest]:
    """The week's digests for the configured departments (or the one asked for)."""
    recipients = dict(settings.digest.departments)
    if department is not None:
        addresses = settings.digest.recipients(department)
        if not addresses:
            raise DigestError(
                f"afdelingen '{department}' har ingen modtagere i [digest.departments] i "
                f"{settings.settings_path}")
        recipients = {department: addresses}
    if not recipients:
        raise ConfigError(f"{settings.settings_path}: ingen afdelinger i [digest.departments]")
    first = week.shifted(-(DIGEST_TREND_WEEKS - 1)).monday
    letters = [ReportLetter.from_row(r) for r in store.report_letters(first, week.sunday)]
    if not any(week.monday <= x.scanned_on <= week.sunday for x in letters):
        # a "well done" to every department for a week nobody scanned would be a claim
        # without evidence
        raise DigestError(
            f"der er ikke scannet nogen breve i uge {week.week} {week.year} ({week.label}); "
            "ingen ugebreve lavet. Er bakkerne scannet?")
    staff = {m.department for m in store.staff_members()}
    recipients = {_canonical(name, sorted(staff)): a for name, a in recipients.items()}
    return build_digests(letters, store.digital_counts(), week, recipients)


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Mailing:
    """Who the digests come from and when they go: the [digest] settings, the municipality."""

    municipality: str
    sender: str
    contact: str | None = None
    reply_to: str | None = None
    send_when_no_leaks: bool = True

    @classmethod
    def of(cls, settings: Settings) -> Mailing:
        digest: DigestSettings = settings.digest
        if not digest.sender:
            raise ConfigError(f"{settings.settings_path}: [digest] mangler sender")
        return cls(settings.municipality_name, digest.sender, digest.contact, digest.reply_to,
                   digest.send_when_no_leaks)

    @property
    def envelope_sender(self) -> str:
        return address_of(self.sender) or self.sender

    @property
    def domain(self) -> str:
        return self.envelope_sender.rpartition("@")[2]


def _letters_da(n: int) -> str:
    return f"{n} brev" if n == 1 else f"{n} breve"


def subject_of(digest: Digest) -> str:
    week = f"Postbakken uge {digest.week.week} – {digest.department}"
    if digest.has_leaks:
        return f"{week}: {_letters_da(digest.figures.leaks)} kunne være sendt digitalt"
    if digest.figures.window_cpr:
        return f"{week}: CPR-nummer synligt i kuvertens rude"
    return f"{week}: ingen papirbreve, der kunne være sendt digitalt"


def _environment() -> Any:
    env = template_environment()
    env.filters["letters_da"] = _letters_da
    env.filters["short_date"] = lambda day: f"{day:%d.%m.%Y}"
    env.filters["week_span"] = week_span_da
    env.globals.update(GOAL=GOAL_DIGITAL_SHARE, UNKNOWN_SENDER=UNKNOWN_SENDER)
    return env


def _render(template: str, digest: Digest, mailing: Mailing) -> str:
    return str(_environment().get_template(template).render(
        d=digest, f=digest.figures, mailing=mailing, subject=subject_of(digest)))


def render_text(digest: Digest, mailing: Mailing) -> str:
    return _render("digest.txt.j2", digest, mailing)


def render_html(digest: Digest, mailing: Mailing) -> str:
    return _render("digest.html.j2", digest, mailing)


def build_message(
    digest: Digest, mailing: Mailing, now: datetime, message_id: str | None = None,
) -> EmailMessage:
    """The multipart/alternative e-mail (pure but for a new Message-ID when none is given)."""
    text, html = render_text(digest, mailing), render_html(digest, mailing)
    for part in (text, html, subject_of(digest)):
        if _CPR_IN_CLEAR.search(part):
            raise DigestError(
                f"ugebrevet til {digest.department} ville indeholde et CPR-nummer i klar tekst; "
                "intet sendt")
    message = EmailMessage()
    message["Subject"] = subject_of(digest)
    message["From"] = mailing.sender
    message["To"] = ", ".join(digest.recipients)
    if mailing.reply_to:
        message["Reply-To"] = mailing.reply_to
    message["Date"] = formatdate(now.timestamp(), localtime=True)
    message["Message-ID"] = message_id or make_msgid("postbakke", domain=mailing.domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    # quoted-printable: 7-bit safe through any relay, and still readable as source
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = "da"  # after set_content, which drops Content-* headers
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """The message as it goes over SMTP (CRLF line ends): also what an .eml file holds."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


# --------------------------------------------------------------------------- outcomes


class Delivery(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    SKIPPED = "skipped"  # no leaks and send_when_no_leaks = false
    FAILED = "failed"
    WRITTEN = "written"  # --dry-run: an .eml file in the outbox


@dataclass(frozen=True)
class DigestOutcome:
    department: str
    delivery: Delivery
    detail: str  # the Danish rest of the line
    recipients: tuple[str, ...] = ()
    path: Path | None = None
    attempts: int = 0

    @property
    def failed(self) -> bool:
        return self.delivery is Delivery.FAILED

    @property
    def line(self) -> str:
        return f"{self.department}: {self.detail}"


def _what(digest: Digest) -> str:
    if digest.has_leaks:
        return f"{_letters_da(digest.figures.leaks)} kunne være sendt digitalt"
    if digest.figures.window_cpr:
        return "ingen læk, men CPR-nummer i ruden"
    return "ingen læk"


def _slug(name: str) -> str:
    folded = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "afdeling"


def _sent_to(store: Store, digest: Digest) -> set[str]:
    """The recipients the send log has this digest as sent to."""
    return {s.recipient for s in store.digest_sends(digest.week.label, digest.department)
            if s.status is DigestStatus.SENT}


def _skip(digest: Digest, mailing: Mailing) -> DigestOutcome | None:
    if digest.is_positive and not mailing.send_when_no_leaks:
        return DigestOutcome(digest.department, Delivery.SKIPPED,
                             "ingen læk i ugen; intet ugebrev (send_when_no_leaks = false)")
    return None


def write_outbox(
    digests: Sequence[Digest], mailing: Mailing, outbox: Path, store: Store | None = None,
    now: datetime | None = None,
) -> Iterator[DigestOutcome]:
    """--dry-run: each digest as `<week>-<department>.eml` in the outbox; nothing is sent
    and the send log is only read (to say what a --send would skip)."""
    now = now or datetime.now(UTC)
    try:
        outbox.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DigestError(f"udbakken {outbox} kunne ikke oprettes ({error.strerror})") from error
    for digest in digests:
        skipped = _skip(digest, mailing)
        if skipped:
            yield skipped
            continue
        path = outbox / f"{digest.week.label}-{_slug(digest.department)}.eml"
        try:
            path.write_bytes(message_bytes(build_message(digest, mailing, now)))
        except OSError as error:
            raise DigestError(f"{path} kunne ikke skrives ({error.strerror})") from error
        note = ""
        if store is not None and _sent_to(store, digest):
            note = " (allerede sendt; --send sender det ikke igen)"
        yield DigestOutcome(
            digest.department, Delivery.WRITTEN,
            f"ugebrev skrevet til {path}: {_what(digest)}, til {', '.join(digest.recipients)}"
            f"{note}", digest.recipients, path)


# --------------------------------------------------------------------------- sending


class Transport(Protocol):
    def send(self, message: EmailMessage, from_addr: str,
             to_addrs: Sequence[str]) -> Mapping[str, tuple[int, bytes]]:
        """Hand the message over; the recipients refused while others were accepted."""

    def close(self) -> None: ...


class SmtpSender:
    """The only user of smtplib: one connection, opened when first needed and reused for
    every department; after any error it is dropped and opened anew on the next send."""

    def __init__(self, smtp: SmtpSettings, password: str | None) -> None:
        self.smtp = smtp
        self._password = password
        self._connection: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        return f"SmtpSender({self.smtp.host}:{self.smtp.port}, {self.smtp.security})"

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()  # the system's CAs, host name checked
        if self.smtp.ca_file is not None:
            context.load_verify_locations(cafile=str(self.smtp.ca_file))
        return context

    def _connect(self) -> smtplib.SMTP:
        smtp = self.smtp
        if not smtp.host:
            raise ConfigError("[smtp] mangler host")
        connection: smtplib.SMTP
        if smtp.security == "ssl":
            connection = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s,
                                          context=self._context())
        else:
            connection = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
        try:
            if smtp.security == "starttls":
                connection.starttls(context=self._context())
            if smtp.user:
                connection.login(smtp.user, self._password or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage, from_addr: str,
             to_addrs: Sequence[str]) -> Mapping[str, tuple[int, bytes]]:
        if self._connection is None:
            self._connection = self._connect()
        try:
            return self._connection.send_message(message, from_addr, list(to_addrs))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _is_temporary(code: int) -> bool:
    return 400 <= code < 500


@dataclass
class _Attempt:
    """What one hand-over to the server did."""

    accepted: list[str]
    temporary: dict[str, str]  # recipient -> the server's answer (4xx), or what went wrong
    permanent: dict[str, str]  # recipient -> the server's answer (5xx)
    unreachable: bool = False  # no answer from the server at all


def _hand_over(transport: Transport, message: EmailMessage, from_addr: str,
               to_addrs: list[str], server: str) -> _Attempt:
    """One try; sorts every recipient into accepted, temporary or permanent failure.

    Raises MailServerError for what no retry and no other department can fix: the
    TLS handshake (certificate), STARTTLS not offered, a refused login.
    """
    try:
        refused = transport.send(message, from_addr, to_addrs)
    except smtplib.SMTPRecipientsRefused as error:
        refused = error.recipients
    except smtplib.SMTPAuthenticationError as error:
        raise MailServerError(
            f"mailserveren {server} afviste login ({_reply(error.smtp_code, error.smtp_error)}); "
            "tjek [smtp] user og POSTBAKKE_SMTP_PASSWORD") from error
    except smtplib.SMTPNotSupportedError as error:
        raise MailServerError(
            f"mailserveren {server} tilbyder ikke STARTTLS ({error}); "
            "tjek [smtp] security og port") from error
    except ssl.SSLCertVerificationError as error:
        raise MailServerError(
            f"{server}: serverens certifikat kunne ikke godkendes ({error.verify_message}); "
            "er det udstedt af kommunens egen CA, så angiv CA-filen i [smtp] ca_file"
        ) from error
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError) as error:  # a dropped connection
        why = f"forbindelsen til {server} blev afbrudt ({error.__class__.__name__})"
        return _Attempt([], {a: why for a in to_addrs}, {}, unreachable=True)
    except ssl.SSLError as error:
        raise MailServerError(
            f"{server}: den krypterede forbindelse mislykkedes ({error.reason or error}); "
            "tjek [smtp] security og port (starttls: typisk 587, ssl: typisk 465)"
        ) from error
    except smtplib.SMTPResponseException as error:  # MAIL FROM, DATA, a greeting refused
        answer = {a: _reply(error.smtp_code, error.smtp_error) for a in to_addrs}
        if _is_temporary(error.smtp_code):
            return _Attempt([], answer, {})
        return _Attempt([], {}, answer)
    except (smtplib.SMTPException, OSError) as error:  # dropped, refused, timed out
        why = f"ingen forbindelse til {server} ({error.__class__.__name__}: {error})"
        return _Attempt([], {a: why for a in to_addrs}, {}, unreachable=True)
    accepted = [a for a in to_addrs if a not in refused]
    temporary = {a: _reply(*refused[a]) for a in refused if _is_temporary(refused[a][0])}
    permanent = {a: _reply(*refused[a]) for a in refused if a not in temporary}
    return _Attempt(accepted, temporary, permanent)


def send_digests(
    digests: Sequence[Digest], mailing: Mailing, store: Store, transport: Transport,
    server: str = "mailserveren", resend: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    delays: Sequence[float] = RETRY_DELAYS_S, now: Callable[[], datetime] | None = None,
) -> Iterator[DigestOutcome]:
    """Send each department's digest to the recipients the send log has not got as sent.

    Temporary failures are tried again after `delays`; a department that still fails
    is reported and the others are sent. The log is committed around every hand-over,
    so a re-run after a crash sends only what is missing. `resend` sends to all again.
    """
    clock = now or (lambda: datetime.now(UTC))
    for digest in digests:
        skipped = _skip(digest, mailing)
        if skipped:
            yield skipped
            continue
        week, department = digest.week.label, digest.department
        by_address = {(address_of(r) or r).lower(): r for r in digest.recipients}
        done = set() if resend else _sent_to(store, digest)
        pending = [a for a in by_address if a not in done]
        if not pending:
            last = max(s.updated_at for s in store.digest_sends(week, department))
            yield DigestOutcome(
                department, Delivery.ALREADY_SENT,
                f"allerede sendt ({last[:16].replace('T', ' ')} UTC); intet sendt igen "
                "(--resend sender igen)", digest.recipients)
            continue
        # a re-run after a crash in the middle of a hand-over sends the same Message-ID,
        # so a mail client can tell a (rare) second copy for what it is
        earlier = [s.message_id for s in store.digest_sends(week, department)
                   if s.message_id and s.status is not DigestStatus.SENT and not resend]
        message = build_message(digest, mailing, clock(), earlier[0] if earlier else None)
        message_id = str(message["Message-ID"])
        sent: list[str] = []
        permanent: dict[str, str] = {}
        temporary: dict[str, str] = {}
        attempts = 0
        unreachable = False
        while pending:
            attempts += 1
            store.record_digest(week, department, pending, DigestStatus.SENDING, message_id)
            result = _hand_over(transport, message, mailing.envelope_sender, pending, server)
            store.record_digest(week, department, result.accepted, DigestStatus.SENT)
            sent += result.accepted
            permanent.update(result.permanent)
            temporary, unreachable = result.temporary, result.unreachable
            pending = list(temporary)
            if not pending or attempts > len(delays):
                break
            sleep(delays[attempts - 1])
        failures = {**permanent, **temporary}
        for address, answer in failures.items():
            store.record_digest(week, department, [address], DigestStatus.FAILED,
                                error=answer)
        tries = f" (efter {attempts} forsøg)" if attempts > 1 else ""
        if not failures:
            yield DigestOutcome(
                department, Delivery.SENT,
                f"sendt til {', '.join(by_address[a] for a in sent)}: {_what(digest)}{tries}",
                digest.recipients, attempts=attempts)
            continue
        reasons = "; ".join(f"{a}: {answer}" for a, answer in failures.items())
        also = f" Sendt til {', '.join(sent)}." if sent else ""
        hint = "Prøv igen senere" if temporary else "Tjek adressen i postbakke.toml"
        yield DigestOutcome(
            department, Delivery.FAILED,
            f"IKKE sendt{tries}: {reasons}.{also} {hint}, og kør 'postbakke digest --send' "
            "igen: kun det manglende sendes.", digest.recipients, attempts=attempts)
        if unreachable:
            raise MailServerError(
                f"{server} kunne ikke nås efter {attempts} forsøg; de øvrige afdelinger er "
                "ikke forsøgt. Kør 'postbakke digest --send' igen senere: allerede sendte "
                "ugebreve sendes ikke igen.")


def run_digest(
    store: Store, settings: Settings, week: str | None = None, department: str | None = None,
    send: bool = False, resend: bool = False, outbox: Path | None = None,
    transport: Transport | None = None, today: date | None = None,
    sleep: Callable[[float], None] = time.sleep, delays: Sequence[float] = RETRY_DELAYS_S,
) -> Iterator[DigestOutcome]:
    """`postbakke digest`: check the settings, build the week's digests, then write them
    to the outbox (the default) or send them (`send`). One outcome per department."""
    if resend and not send:
        raise DigestError("--resend virker kun sammen med --send")
    if outbox is not None and send:
        raise DigestError("--outbox hører til --dry-run; med --send sendes der i stedet")
    if not settings.digest.sender and not settings.problems:
        raise ConfigError(
            f"ugebrevene er ikke sat op: tilføj [digest] og [smtp] i {settings.settings_path} "
            "(se README)")
    errors = settings.digest_errors(sending=send)
    if errors:
        more = f" (og {len(errors) - 1} fejl mere)" if len(errors) > 1 else ""
        raise ConfigError(f"{errors[0]}{more}; kør 'postbakke config check'")
    if send and settings.smtp.user and not settings.smtp_password:
        raise ConfigError(
            "[smtp] user er sat, men miljøvariablen POSTBAKKE_SMTP_PASSWORD er ikke sat")
    try:
        iso_week = IsoWeek.parse(week) if week else default_week(today or date.today())
    except ValueError as error:
        raise DigestError(str(error)) from error
    mailing = Mailing.of(settings)
    digests = load_digests(store, settings, iso_week, department)
    if not send:
        yield from write_outbox(digests, mailing, outbox or DEFAULT_OUTBOX, store)
        return
    own = transport is None
    sender = transport or SmtpSender(settings.smtp, settings.smtp_password)
    try:
        yield from send_digests(
            digests, mailing, store, sender, server=f"{settings.smtp.host}:{settings.smtp.port}",
            resend=resend, sleep=sleep, delays=delays)
    finally:
        if own:
            sender.close()
