"""Weekly digest e-mails to the departments: figures -> a Danish e-mail.

Each department gets, for one ISO week, a short e-mail about the paper letters
it sent that could have gone by Digital Post, so that next week they do: what
happened, how to send digitally next time, whom to ask. Coaching, not a list of
culprits; CPR numbers only masked.

The stages, I/O at the edges:
- `load_digests` reads the week's letters and digital counts from the store and
  calls `build_digests` (pure), which takes every figure from figures.py's
  functions, so the e-mail and the project leader's report never disagree;
- `render_text`, `render_html`, `build_message` (pure) make the multipart
  e-mail (plain text and HTML, UTF-8, quoted-printable);
- sending.py hands them over (or writes them to the outbox) exactly once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from typing import Any

from postbakke.config import DigestSettings, Settings, address_of
from postbakke.errors import ConfigError, ExitCode, PostbakkeError
from postbakke.models import Reason, VerdictKind
from postbakke.outputs.digital import DigitalCount, IsoWeek, weeks_between
from postbakke.outputs.figures import (
    GOAL_DIGITAL_SHARE,
    UNKNOWN_SENDER,
    Figures,
    Period,
    ReportLetter,
    Tally,
    count_figures,
    period_figures,
    systemic_causes,
    tallies_from_rows,
    week_span_da,
)
from postbakke.outputs.wording import template_environment
from postbakke.store import Store

# The trend in an e-mail: this week and the three before. A month shows whether
# last week's talk worked and still fits on a phone screen; the project
# leader's report has the quarter.
DIGEST_TREND_WEEKS = 4
# A CPR number in clear: 6 digits, an optional hyphen or space, 4 digits. The
# rendered e-mail is checked for it before it leaves (defence in depth: only
# masked numbers and letter kinds ever go into it).
_CPR_IN_CLEAR = re.compile(r"(?<!\d)\d{6}[- ]?\d{4}(?!\d)")


class DigestError(PostbakkeError):
    exit_code = ExitCode.BAD_ARGS


class NothingScanned(DigestError):
    """No letter was scanned in the week: a "well done" to every department would be a
    claim without evidence. `in_words` says it without the week's label (the station)."""

    def __init__(self, week: IsoWeek) -> None:
        def told(label: str) -> str:
            return (f"der er ikke scannet nogen breve i uge {week.week} {week.year}{label}; "
                    "ingen ugebreve lavet. Er bakkerne scannet?")

        self.in_words = told("")
        super().__init__(told(f" ({week.label})"))


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
    recipients: Mapping[str, tuple[str, ...]], tallies: Sequence[Tally] | None = None,
) -> list[Digest]:
    """One digest per department in `recipients` (pure), by department name.

    Department names are matched case aside; the letters' spelling wins.
    The figures count `tallies` if given (then `letters` need only be the week's leaks),
    else `letters`, which must then reach back DIGEST_TREND_WEEKS - 1 weeks before `week`.
    """
    weeks = weeks_between(week.shifted(-(DIGEST_TREND_WEEKS - 1)), week)
    counted: Sequence[ReportLetter | Tally] = letters if tallies is None else tallies
    known = sorted({x.department for x in counted} | {c.department for c in counts})
    by_week = {w: period_figures(counted, counts, Period.week(w))[0] for w in weeks}
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
    # the trend's weeks counted (day_tallies), and the week's leaks as letters: what the
    # digests show, not every letter of four weeks (13,798 objects at a year of 200,000)
    first = week.shifted(-(DIGEST_TREND_WEEKS - 1)).monday
    tallies = tallies_from_rows(store.figures.letter_tallies(first, week.sunday))
    if not any(week.monday <= x.scanned_on <= week.sunday for x in tallies):
        raise NothingScanned(week)
    staff = {m.department for m in store.registers.staff_members()}
    recipients = {_canonical(name, sorted(staff)): a for name, a in recipients.items()}
    leaks = [ReportLetter.leak_of(r) for r in store.figures.report_leaks(week.monday,
                                                                         week.sunday)]
    return build_digests(leaks, store.registers.digital_counts(), week, recipients, tallies)


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


def letters_da(n: int) -> str:
    return f"{n} brev" if n == 1 else f"{n} breve"


def subject_of(digest: Digest) -> str:
    week = f"Postbakken uge {digest.week.week} – {digest.department}"
    if digest.has_leaks:
        return f"{week}: {letters_da(digest.figures.leaks)} kunne være sendt digitalt"
    if digest.figures.window_cpr:
        return f"{week}: CPR-nummer synligt i kuvertens rude"
    return f"{week}: ingen papirbreve, der kunne være sendt digitalt"


@cache
def _environment() -> Any:
    """One environment a process: its templates are compiled once (0.1 s for the digests'), not
    on every page the station serves."""
    env = template_environment()
    env.filters["letters_da"] = letters_da
    env.filters["short_date"] = lambda day: f"{day:%d.%m.%Y}"
    env.filters["week_span"] = week_span_da
    env.globals.update(GOAL=GOAL_DIGITAL_SHARE, UNKNOWN_SENDER=UNKNOWN_SENDER)
    return env


def _render(template: str, digest: Digest, mailing: Mailing,
            navigation: Sequence[tuple[str, str]] = ()) -> str:
    return str(_environment().get_template(template).render(
        d=digest, f=digest.figures, mailing=mailing, subject=subject_of(digest),
        navigation=navigation))


def render_text(digest: Digest, mailing: Mailing) -> str:
    return _render("digest.txt.j2", digest, mailing)


def render_html(digest: Digest, mailing: Mailing,
                navigation: Sequence[tuple[str, str]] = ()) -> str:
    """The HTML part; `navigation` (label, link) pairs when the work station shows it (an
    e-mail has none)."""
    return _render("digest.html.j2", digest, mailing, navigation)


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
