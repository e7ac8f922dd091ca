"""A known month of letters for the report tests: 4 ISO weeks (2026-W45..W48), 5 departments.

Each department's week is a string of codes, one letter each:
  A..F  a leak by that department's named sender (see SENDERS)
  U     a leak whose sender is unknown
  G     legitimate (recipient exempt)
  R     for review (no recipient found)
  W     legitimate, with a CPR number legible in the address window
Letters are built as LetterRecords and filed with people.filing.file_letters, one file
per department and week, dated the Wednesday of the week: no OCR, fast.
"""

from __future__ import annotations

from datetime import date

from postbakke.outputs.digital import DigitalCount
from postbakke.people.filing import file_letters
from postbakke.store import LetterRecord, Store, StoredFile

WEEKS = ("2026-W45", "2026-W46", "2026-W47", "2026-W48")
DEPARTMENTS = ("Jobcenter", "Teknik og Miljø", "Børn og Familie", "Borgerservice",
               "Social og Sundhed")
PLAN = {
    "Jobcenter": ("AAGR", "ABG", "BGG", "AR"),
    "Teknik og Miljø": ("CG", "GG", "CC", "W"),
    "Børn og Familie": ("U", "DUR", "G", "D"),
    "Borgerservice": ("EG", "E", "G", "GG"),
    "Social og Sundhed": ("GG", "F", "RG", "FFG"),
}
SENDERS = {
    "A": ("Anne Holm", "Jobcenter"),
    "B": ("Bo Berg", "Jobcenter"),
    "C": ("Carl Dahl", "Teknik og Miljø"),
    "D": ("Dorte Eg", "Børn og Familie"),
    "E": ("Eva Fisk", "Borgerservice"),
    "F": ("Finn Gram", "Social og Sundhed"),
}
# Subjects as the scan stores them (any CPR masked): names, dates and case
# numbers vary from letter to letter; the kind of letter does not.
SUBJECTS = {
    "A": "Indkaldelse til samtale d. {day}. november 2026",
    "B": "Indkaldelse til samtale, sagsnr. 2026-{n:04d}",
    "C": "Påbud om tømning af bundfældningstank",
    "D": "Afgørelse om økonomisk friplads - Jens Hansen",
    "U": "Indkaldelse til møde om dit barn",
    "E": "Afgørelse om tilskud til briller",
    "F": "Afgørelse om hjemmehjælp (sagsnr. 27.12.04-P20-3-26)",
    "G": "Partshøring",
    "W": "Vedr. Karen Lund, cpr.nr. 120345-XXXX",
    "R": "Orientering om din sag",
}
# Digital letters per department and week; Social og Sundhed has none.
DIGITAL = {
    "Jobcenter": (40, 50, 45, 55),
    "Teknik og Miljø": (20, 20, 20, 20),
    "Børn og Familie": (5, 5, 5, 5),
    "Borgerservice": (10, 12, 14, 16),
}


def wednesday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 3)


def record(file_hash: str, page: int, code: str, department: str, day: date,
           n: int) -> LetterRecord:
    sender = SENDERS[code][0] if code in SENDERS else None
    leak = code in SENDERS or code == "U"
    review = code == "R"
    return LetterRecord(
        file_hash=file_hash, source=f"{file_hash}.pdf", pages=[page], tray=department,
        scanned_on=day.isoformat(),
        recipient_kind=None if review else "cpr",
        recipient_pseudonym=None if review else f"{n:064x}",
        recipient_masked=None if review else f"{day:%d%m}{60 + n % 30:02d}-XXXX",
        match=None if review else "id",
        enrolment=None if review else ("tilmeldt" if leak else "fritaget"),
        department=department, sender=sender,
        verdict="review" if review else ("leak" if leak else "legitimate"),
        reason="no_recipient" if review else ("enrolled" if leak else "exempt"),
        window_cpr=code == "W",
        subject=SUBJECTS[code].format(day=day.day, n=n),
    )


def store_month(store: Store) -> None:
    """Every week's letters, week by week (the order a mailroom scans them)."""
    n = 0
    for index, week in enumerate(WEEKS):
        day = wednesday(week)
        for department in DEPARTMENTS:
            codes = PLAN[department][index]
            file_hash = f"{week}-{department}".replace(" ", "_")
            letters = []
            for page, code in enumerate(codes, start=1):
                n += 1
                letters.append(record(file_hash, page, code, department, day, n))
            file_letters(
                store,
                StoredFile(file_hash, f"{file_hash}.pdf", department, day.isoformat(),
                           len(codes), "2026-12-01T08:00:00+00:00"),
                letters,
            )


def digital_counts() -> list[DigitalCount]:
    return [
        DigitalCount(week, department, counts[i])
        for department, counts in DIGITAL.items() for i, week in enumerate(WEEKS)
    ]


def write_digital_csv(path) -> None:
    lines = ["week,department,digital_letters"] + [
        f"{c.week},{c.department},{c.digital_letters}" for c in digital_counts()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def jobcenter_letter(file_hash: str, page: int, day: str, sender: str,
                     legitimate_every: int) -> LetterRecord:
    """A Jobcenter letter for the cost tests: a leak, but every `legitimate_every`-th page
    legitimate (an exempt recipient), so that the figures hold both verdicts."""
    leak = page % legitimate_every != 0
    return LetterRecord(
        file_hash=file_hash, source=f"{file_hash}.pdf", pages=[page], tray=None, scanned_on=day,
        recipient_kind="cpr", recipient_pseudonym=f"{page:064d}", recipient_masked="010190-XXXX",
        match="id", enrolment="tilmeldt", department="Jobcenter", sender=sender,
        verdict="leak" if leak else "legitimate", reason="enrolled" if leak else "exempt",
        window_cpr=False, subject="Partshøring")
