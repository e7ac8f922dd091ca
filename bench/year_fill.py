"""A large municipality's year, filled through the library's own paths (bench/year.py).

Shape (issue 24), seeded: 52 weeks of weekday trays, 10 departments, 315 senders, a
100,000-person register, ~15 % leaks, review letters decided a week after their scan
(`people.review.decide_letter`), every open follow-up closed every 4 weeks with 10 % of
them justified (`people.followup.close_followup`), 1 % of trays scanned a second time the
next day (the copy look-up of `people.filing.file_letters` finds them), and the OCR text,
subjects and names kept 30 days (`retention.purge_expired`, run before each day's scan
as `postbakke scan` does).

The one thing not done as in production is the clock: the store stamps rows with the
time of the call (`created_at`, `closed_at`, ...), so the fill moves a simulated clock
through the year (it replaces the store modules' `now`), and retention sees letters as
old as their tray.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from postbakke.models import (
    Decision,
    Enrolment,
    EnrolmentEntry,
    IdKind,
    Outcome,
    RecipientBlock,
    StaffMember,
)
from postbakke.privacy import Pseudonymiser, mask_cpr
from postbakke.store import LetterRecord, Store, StoredFile

SECRET = "bench-aar-hemmelighed-til-pseudonymer-01"  # >= 32 characters (issue 14)
FILL_VERSION = 1  # change when the fill's shape changes (cached workspaces are rebuilt)
FIRST_DAY = date(2025, 12, 1)  # a Monday: weeks 2025-W49 .. 2026-W48
WEEKS = 52
DEPARTMENTS = ("Jobcenter", "Borgerservice", "Børn og Familie", "Teknik og Miljø",
               "Social og Sundhed", "Ældre og Handicap", "Skole og Dagtilbud",
               "Kultur og Fritid", "Økonomi", "Ydelsesservice")
N_SENDERS = 315
N_PEOPLE = 100_000
MAX_LETTERS_PER_FILE = 25
RESCAN_SHARE = 0.01  # trays scanned a second time the next day
TEXT_DAYS = 30  # [retention] letter_text
REVIEW_AFTER_DAYS = 7
CLOSE_EVERY_WEEKS = 4
JUSTIFIED_SHARE = 0.10
# (verdict, reason, weight, the register status of the recipient); review letters are
# decided a week later, half of them to an enrolled recipient (a leak): ~15 % leaks.
VERDICTS = (
    ("leak", "enrolled", 0.095, Enrolment.ENROLLED),
    ("leak", "company_obliged", 0.005, None),
    ("legitimate", "exempt", 0.30, Enrolment.EXEMPT),
    ("legitimate", "no_danish_id", 0.36, None),
    ("legitimate", "child_under_15", 0.05, Enrolment.ENROLLED),
    ("legitimate", "physical_enclosure", 0.09, Enrolment.ENROLLED),
    ("review", "no_recipient", 0.07, None),
    ("review", "ambiguous", 0.03, None),
)
SUBJECTS = ("Afgørelse om boligstøtte", "Indkaldelse til samtale", "Partshøring",
            "Vedr. din ansøgning om hjælpemidler", "Afgørelse om økonomisk friplads",
            "Påmindelse om møde", "Opkrævning af ejendomsskat", "Bevilling af hjemmehjælp",
            "Afgørelse om kontanthjælp", "Orientering om ændret sagsbehandler",
            "Svar på aktindsigt", "Afslag på byggetilladelse")
WORDS = ("kommunen", "har", "modtaget", "din", "ansøgning", "og", "vi", "skal", "hermed",
         "oplyse", "at", "sagen", "er", "behandlet", "efter", "reglerne", "i", "loven",
         "om", "social", "service", "du", "kan", "klage", "over", "afgørelsen", "inden",
         "fire", "uger", "fra", "modtagelsen", "af", "dette", "brev", "venlig", "hilsen",
         "beløbet", "udbetales", "til", "din", "nemkonto", "den", "første", "hverdag",
         "ydelsen", "beregnes", "ud", "fra", "husstandens", "samlede", "indtægt")


class SimulatedClock:
    """The store's `now()` for the fill: the simulated moment, as an ISO text."""

    def __init__(self) -> None:
        self.at = datetime.combine(FIRST_DAY, time(8), UTC)

    def __call__(self) -> str:
        return self.at.isoformat(timespec="seconds")


@contextmanager
def simulated_clock(clock: SimulatedClock) -> Iterator[None]:
    import postbakke.store.audit as audit
    import postbakke.store.decisions as decisions
    import postbakke.store.digests as digests
    import postbakke.store.files as files
    import postbakke.store.followups as followups
    import postbakke.store.review as review

    modules = (audit, decisions, digests, files, followups, review)
    saved = [m.now for m in modules]
    for module in modules:
        module.now = clock  # type: ignore[assignment]
    try:
        yield
    finally:
        for module, original in zip(modules, saved, strict=True):
            module.now = original  # type: ignore[assignment]


def people(rng: random.Random, pseudonymiser: Pseudonymiser) -> list[EnrolmentEntry]:
    entries, seen = [], set()
    while len(entries) < N_PEOPLE:
        digits = (f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(0, 99):02d}"
                  f"{rng.randint(0, 9999):04d}")
        if digits in seen:
            continue
        seen.add(digits)
        i = len(entries)
        entries.append(EnrolmentEntry(
            pseudonym=pseudonymiser.pseudonym(digits), kind=IdKind.CPR, masked=mask_cpr(digits),
            status=Enrolment.ENROLLED if rng.random() < 0.89 else Enrolment.EXEMPT,
            name=f"Borger {i} Hansen", street=f"Vestergade {i % 500} {i % 7 + 1}. sal",
            postcode=f"8{rng.randint(300, 899)}", city="Favrskov", birth_date="1970-01-01"))
    return entries


def senders() -> list[StaffMember]:
    return [StaffMember(f"Medarbejder {i} Skov", f"M{i}", f"m{i}@favrskov.dk", "89640000",
                        DEPARTMENTS[i % len(DEPARTMENTS)]) for i in range(N_SENDERS)]


def settings_toml() -> str:
    lines = ["[municipality]", 'name = "Favrskov Kommune"', "", "[retention]",
             f"letter_text = {TEXT_DAYS}", "", "[digest]",
             'sender = "Postbakken – Favrskov Kommune <postbakke@favrskov.dk>"',
             'contact = "Mette Skov, projektleder, tlf. 89 64 12 34, mesk@favrskov.dk"', "",
             "[digest.departments]"]
    lines += [f'"{d}" = ["afd{i}@favrskov.dk"]' for i, d in enumerate(DEPARTMENTS)]
    lines += ["", "[smtp]", 'host = "127.0.0.1"', "port = 25", 'security = "none"']
    return "\n".join(lines) + "\n"


class Filler:
    def __init__(self, home: Path, n_letters: int, seed: int) -> None:
        self.home, self.n_letters, self.rng = home, n_letters, random.Random(seed)
        self.seed = seed
        self.pseudonymiser = Pseudonymiser(SECRET)
        self.people = people(self.rng, self.pseudonymiser)
        self.by_status = {s: [p for p in self.people if p.status is s] for s in Enrolment}
        self.senders = senders()
        # a few senders write most letters (a long tail), as in a municipality
        self.sender_weights = [1 / (1 + i) ** 0.8 for i in range(N_SENDERS)]
        self.paragraphs = [" ".join(self.rng.choice(WORDS) for _ in range(45)).capitalize() + "."
                           for _ in range(60)]
        self.clock = SimulatedClock()
        self.files = 0

    def letter(self, file_hash: str, page: int, day: date) -> LetterRecord:
        rng = self.rng
        verdict, reason, _, status = rng.choices(VERDICTS, [v[2] for v in VERDICTS])[0]
        person = rng.choice(self.by_status[status]) if status else rng.choice(self.people)
        sender = (rng.choices(self.senders, self.sender_weights)[0]
                  if rng.random() > 0.03 else None)
        subject = rng.choice(SUBJECTS)
        identified = status is not None
        body = "\n\n".join(rng.sample(self.paragraphs, 3))
        text = (f"{sender.department if sender else 'Favrskov Kommune'}\n{person.name}\n"
                f"{person.street}\n{person.postcode} {person.city}\n\n{subject}\n"
                f"Sagsnr. {rng.randrange(10**8)}\n\n{body}\n\nMed venlig hilsen\n"
                f"{sender.name if sender else ''}")
        box = {"page": 0, "x0": 22.0, "y0": 57.0, "x1": 45.1, "y1": 60.5}
        return LetterRecord(
            file_hash=file_hash, source=f"bakke-{day.isoformat()}-{self.files}.pdf",
            pages=[page], tray="Postrum", scanned_on=day.isoformat(),
            recipient_kind=IdKind.CPR if identified else None,
            recipient_pseudonym=person.pseudonym if identified else None,
            recipient_masked=person.masked if identified else None,
            match="id" if identified else None,
            enrolment=person.status.value if identified else None,
            department=sender.department if sender else None,
            sender=sender.name if sender else None, verdict=verdict, reason=reason,
            window_cpr=rng.random() < 0.01,
            evidence="fundet på CPR-nummer" if identified else "ingen modtager fundet",
            subject=subject, ocr_text=text,
            image_paths=[str(self.home / "sider" / file_hash[:2]
                             / f"{file_hash[:12]}-p{page:03d}.png")],
            recipient_block=RecipientBlock(name=person.name, street=person.street,
                                           postcode=person.postcode, city=person.city),
            field_boxes={k: [box] for k in ("recipient_name", "recipient_street", "subject",
                                            "sender", "cpr")},
        )

    def fill(self) -> Store:
        from postbakke.config import load_settings
        from postbakke.people import review
        from postbakke.people.filing import file_letters
        from postbakke.people.followup import close_followup
        from postbakke.retention import purge_expired

        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "postbakke.toml").write_text(settings_toml(), encoding="utf-8")
        settings = load_settings({"POSTBAKKE_HOME": str(self.home), "POSTBAKKE_SECRET": SECRET})
        store = Store(settings.db_path)
        rng = self.rng
        days = [FIRST_DAY + timedelta(days=d) for d in range(WEEKS * 7)
                if (FIRST_DAY + timedelta(days=d)).weekday() < 5]
        per_day = self.n_letters / len(days)
        to_decide: list[tuple[date, int]] = []
        rescans: list[tuple[StoredFile, list[LetterRecord]]] = []
        stored = 0
        with simulated_clock(self.clock):
            store.registers.replace_enrolment(self.people, "bench")
            store.registers.replace_staff(self.senders, "bench")
            for n_day, day in enumerate(days):
                self.clock.at = datetime.combine(day, time(7), UTC)
                purge_expired(store, settings, now=self.clock.at, report_dirs=(),
                              outboxes=())
                # review letters of a week ago are decided
                while to_decide and (day - to_decide[0][0]).days >= REVIEW_AFTER_DAYS:
                    _, letter_id = to_decide.pop(0)
                    self.clock.at += timedelta(seconds=1)
                    review.decide_letter(store, letter_id, self.decision(), "bench")
                # yesterday's trays scanned again
                for stored_file, letters in rescans:
                    file_hash = f"r{stored_file.hash[1:]}"
                    again = [_again(letter, file_hash, day) for letter in letters]
                    file_letters(store, StoredFile(file_hash, stored_file.source, "Postrum",
                                                   day.isoformat(), len(again), self.clock()),
                                 again)
                rescans = []
                target = round(per_day * (n_day + 1)) - stored
                n_files = max(1, math.ceil(target / MAX_LETTERS_PER_FILE)) if target else 0
                for f in range(n_files):
                    n = target // n_files + (f < target % n_files)
                    self.files += 1
                    self.clock.at += timedelta(minutes=1)
                    file_hash = f"f{self.seed:03d}{self.files:012d}".ljust(64, "0")
                    letters = [self.letter(file_hash, page, day) for page in range(1, n + 1)]
                    stored_file = StoredFile(file_hash, letters[0].source, "Postrum",
                                             day.isoformat(), n, self.clock())
                    filed = file_letters(store, stored_file, letters)
                    stored += n
                    to_decide += [(day, store.letters.id_of(x.key)) for x in filed  # type: ignore[misc]
                                  if x.verdict == "review" and x.duplicate_of is None]
                    if rng.random() < RESCAN_SHARE:
                        rescans.append((stored_file, letters))
                if day.weekday() == 4 and (n_day // 5 + 3) % CLOSE_EVERY_WEEKS == 0:
                    self.clock.at = datetime.combine(day, time(15), UTC)
                    for followup in store.followups.find(only_open=True, with_kinds=False):
                        justified = rng.random() < JUSTIFIED_SHARE
                        close_followup(
                            store, followup.id,
                            Outcome.JUSTIFIED if justified else Outcome.CONTACTED,
                            "sårbar borger, papir aftalt" if justified else "talt med afsender",
                            "bench")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return store

    def decision(self) -> Decision:
        """A person's decision on a review letter: half to an enrolled citizen (a leak)."""
        status = Enrolment.ENROLLED if self.rng.random() < 0.5 else Enrolment.EXEMPT
        person = self.rng.choice(self.by_status[status])
        return Decision(recipient_kind=IdKind.CPR, recipient_pseudonym=person.pseudonym,
                        recipient_masked=person.masked, birth_date=person.birth_date)


def _again(letter: LetterRecord, file_hash: str, day: date) -> LetterRecord:
    """The same paper scanned again: a new file, the next day, the text read a little
    differently."""
    from dataclasses import replace

    text = (letter.ocr_text or "").replace("e", "c", 2)
    return replace(letter, file_hash=file_hash, scanned_on=day.isoformat(), ocr_text=text,
                   kind=None, duplicate_of=None)


def fill(home: Path, n_letters: int, seed: int = 1) -> Store:
    """A fresh workspace at `home` holding a year of `n_letters` letters."""
    return Filler(home, n_letters, seed).fill()
