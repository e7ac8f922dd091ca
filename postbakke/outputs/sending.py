"""Sending the weekly digests: each to its recipients once, or as .eml files in the outbox.

`send_digests` keeps the send log in the store (a digest goes to each recipient
once, also across a crash and a re-run) and retries temporary failures;
`SmtpSender` is the only user of smtplib; `write_outbox` writes `.eml` files
instead of sending; `run_digest` is `postbakke digest`.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from postbakke.config import Settings, SmtpSettings, address_of
from postbakke.errors import ConfigError, ExitCode, PostbakkeError
from postbakke.outputs.digest import (
    Digest,
    DigestError,
    Mailing,
    build_message,
    default_week,
    letters_da,
    load_digests,
    message_bytes,
)
from postbakke.outputs.digital import IsoWeek
from postbakke.store import DigestStatus, Store

# Waits before the 2nd, 3rd and 4th attempt after a temporary failure (a 4xx
# answer, a dropped connection). A relay answers 4xx while it is overloaded or
# restarting, which passes in seconds to a couple of minutes; the whole ladder
# is under three minutes, fine for a job that runs once a week.
RETRY_DELAYS_S = (5.0, 30.0, 120.0)


class MailServerError(PostbakkeError):
    """The mail server cannot be used at all (TLS, login, unreachable): the run stops."""

    exit_code = ExitCode.OTHER


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
        return f"{letters_da(digest.figures.leaks)} kunne være sendt digitalt"
    if digest.figures.window_cpr:
        return "ingen læk, men CPR-nummer i ruden"
    return "ingen læk"


def _slug(name: str) -> str:
    folded = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "afdeling"


def _sent_to(store: Store, digest: Digest) -> set[str]:
    """The recipients the send log has this digest as sent to."""
    return {s.recipient for s in store.digests.sends(digest.week.label, digest.department)
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
            last = max(s.updated_at for s in store.digests.sends(week, department))
            yield DigestOutcome(
                department, Delivery.ALREADY_SENT,
                f"allerede sendt ({last[:16].replace('T', ' ')} UTC); intet sendt igen "
                "(--resend sender igen)", digest.recipients)
            continue
        # a re-run after a crash in the middle of a hand-over sends the same Message-ID,
        # so a mail client can tell a (rare) second copy for what it is
        earlier = [s.message_id for s in store.digests.sends(week, department)
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
            store.digests.record(week, department, pending, DigestStatus.SENDING, message_id)
            result = _hand_over(transport, message, mailing.envelope_sender, pending, server)
            store.digests.record(week, department, result.accepted, DigestStatus.SENT)
            sent += result.accepted
            permanent.update(result.permanent)
            temporary, unreachable = result.temporary, result.unreachable
            pending = list(temporary)
            if not pending or attempts > len(delays):
                break
            sleep(delays[attempts - 1])
        failures = {**permanent, **temporary}
        for address, answer in failures.items():
            store.digests.record(week, department, [address], DigestStatus.FAILED,
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
        yield from write_outbox(digests, mailing, outbox or settings.outbox_dir, store)
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
