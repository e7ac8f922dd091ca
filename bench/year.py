"""`make bench` part 2: does postbakke stay quick after years of data?

    .venv/bin/python bench/year.py [--sizes 2000,20000,200000] [--doc docs/benchmarks-year.md]

For each size, fills a fresh workspace with that many letters through the
library's own API (files of 20 letters as a scan stores them: registers,
decisions, follow-ups kept in step), spread over a year of scan days, five
departments and 40 senders, with the verdict mix of the bench corpus and a
review queue of ~1 % still undecided. Then measures, on that workspace:

- storing one more file of 20 letters (median of 5);
- every page of the work station (Flask's test client, in-process: the server's
  own time, no network), each a median of 5 after one warm-up;
- a review decision stored (median of 5), undone in between;
- the week's report (read, figures, HTML with its charts; the CLI's path), a whole
  year's report (HTML and the leak list's CSV beside it, written to a folder) with
  the HTML file's size, and `followup list` (the CLI in-process), each a median of 3.

Writes the table to the --doc file. A benchmark, not a test: nothing fails on speed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from postbakke.config import load_settings  # noqa: E402
from postbakke.models import (  # noqa: E402
    Enrolment,
    EnrolmentEntry,
    IdKind,
    RecipientBlock,
    StaffMember,
)
from postbakke.people.filing import file_letters  # noqa: E402
from postbakke.privacy import Pseudonymiser, mask_cpr  # noqa: E402
from postbakke.store import LetterRecord, Store, StoredFile  # noqa: E402

SECRET = "bench-aar-hemmelighed-til-pseudonymer-01"  # >= 32 characters (issue 14)
LETTERS_PER_FILE = 20
DEPARTMENTS = ("Jobcenter", "Borgerservice", "Børn og Familie", "Teknik og Miljø",
               "Social og Sundhed")
FIRST_DAY = date(2025, 12, 1)
VERDICTS = (("leak", "enrolled", 0.55), ("legitimate", "exempt", 0.2),
            ("legitimate", "child_under_15", 0.05), ("leak", "company_obliged", 0.1),
            ("review", "no_recipient", 0.1))
UNDECIDED_SHARE = 0.01  # most reviews of the past are decided; these still wait


def _people(rng: random.Random, pseudonymiser: Pseudonymiser, n: int) -> list[EnrolmentEntry]:
    entries = []
    seen: set[str] = set()
    for i in range(n):
        digits = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(40, 99):02d}" \
                 f"{rng.randint(0, 3)}{rng.randint(0, 999):03d}"
        if digits in seen:
            continue
        seen.add(digits)
        entries.append(EnrolmentEntry(
            pseudonym=pseudonymiser.pseudonym(digits), kind=IdKind.CPR, masked=mask_cpr(digits),
            status=Enrolment.ENROLLED if rng.random() < 0.89 else Enrolment.EXEMPT,
            name=f"Borger {i}", street=f"Vej {i % 500} nr. {i % 97}",
            postcode=f"8{rng.randint(300, 899)}", city="Favrskov", birth_date="1970-01-01"))
    return entries


def _letters(rng: random.Random, file_hash: str, day: date, people: list[EnrolmentEntry],
             senders: list[StaffMember]) -> list[LetterRecord]:
    letters = []
    for page in range(1, LETTERS_PER_FILE + 1):
        verdict, reason = rng.choices([(v, r) for v, r, _ in VERDICTS],
                                      [w for _, _, w in VERDICTS])[0]
        if verdict == "review" and rng.random() > UNDECIDED_SHARE / 0.1:
            verdict, reason = "legitimate", "no_danish_id"  # decided long ago
        person = rng.choice(people)
        sender = rng.choice(senders)
        subject = rng.choice(["Afgørelse om boligstøtte", "Indkaldelse til samtale",
                              "Partshøring", "Vedr. din ansøgning"])
        letters.append(LetterRecord(
            file_hash=file_hash, source=f"{file_hash[:8]}.pdf", pages=[page], tray="Postrum",
            scanned_on=day.isoformat(), recipient_kind="cpr",
            recipient_pseudonym=person.pseudonym if verdict != "review" else None,
            recipient_masked=person.masked if verdict != "review" else None,
            match="id" if verdict != "review" else None,
            enrolment=person.status.value if verdict != "review" else None,
            department=sender.department, sender=sender.name, verdict=verdict, reason=reason,
            window_cpr=rng.random() < 0.01, evidence="fundet på CPR-nummer",
            subject=subject, image_paths=[],
            # a short text, so that the copy look-up (people/duplicates.py) runs as on a
            # real scan: candidates are read, compared, and none is the same paper
            ocr_text=f"{person.name}\n{person.street}\n{subject}\nSagsnr. {rng.randrange(10**8)}",
            recipient_block=RecipientBlock(name=person.name, street=person.street,
                                           postcode=person.postcode, city=person.city)))
    return letters


def fill(home: Path, n_letters: int, seed: int = 1) -> Store:
    rng = random.Random(seed)
    pseudonymiser = Pseudonymiser(SECRET)
    people = _people(rng, pseudonymiser, 20_000)
    senders = [StaffMember(f"Medarbejder {i}", f"M{i}", f"m{i}@favrskov.dk", "89640000",
                           DEPARTMENTS[i % len(DEPARTMENTS)]) for i in range(40)]
    store = Store(home / "postbakke.db")
    store.registers.replace_enrolment(people, "bench")
    store.registers.replace_staff(senders, "bench")
    files = n_letters // LETTERS_PER_FILE
    for i in range(files):
        day = FIRST_DAY + timedelta(days=int(365 * i / files))
        file_hash = f"{seed:04d}{i:012d}".ljust(64, "0")
        file_letters(store, StoredFile(file_hash, f"{i}.pdf", "Postrum", day.isoformat(),
                                       LETTERS_PER_FILE, "2026-01-01T00:00:00+00:00"),
                     _letters(rng, file_hash, day, people, senders))
    store.people = people  # type: ignore[attr-defined]
    store.senders = senders  # type: ignore[attr-defined]
    return store


def _median_ms(action, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(home: Path, store: Store) -> dict[str, float]:
    import os

    from postbakke.people import review
    from postbakke.web.app import create_app

    os.environ["POSTBAKKE_HOME"] = str(home)
    os.environ["POSTBAKKE_SECRET"] = SECRET
    rng = random.Random(99)
    figures: dict[str, float] = {}
    counter = [0]

    def one_more_file() -> None:
        counter[0] += 1
        file_hash = f"extra{counter[0]:06d}".ljust(64, "0")
        file_letters(store, StoredFile(file_hash, "ny.pdf", "Postrum", "2026-11-27", 20, "nu"),
                     _letters(rng, file_hash, date(2026, 11, 27), store.people,  # type: ignore[attr-defined]
                              store.senders))  # type: ignore[attr-defined]

    figures["store one file of 20 letters"] = _median_ms(one_more_file)
    app = create_app(load_settings())
    client = app.test_client()
    queue = store.review.queue()
    some_letter = queue[len(queue) // 2]
    pages = {
        "review station (a letter)": f"/gennemsyn/{some_letter}",
        "review station (front door)": "/gennemsyn",
        "trays": "/bakker",
        "departments (this week)": "/afdelinger",
        "letters (all, first page)": "/breve",
        "letters (a department, a week)": "/breve?afdeling=Jobcenter&uge=2026-W20",
        "letter detail": f"/brev/{some_letter}",
        "follow-ups (open)": "/opfoelgninger",
        "report (a week)": "/rapport",
    }
    for name, url in pages.items():
        client.get(url)  # warm-up
        status = client.get(url).status_code
        assert status in (200, 302), (url, status)
        figures[f"page: {name}"] = _median_ms(lambda url=url: client.get(url))
    times = []
    for letter_id in queue[:5]:
        start = time.perf_counter()
        review.decide_letter(store, letter_id, review.Decision(recipient_kind=None), "bench")
        times.append((time.perf_counter() - start) * 1000)
        review.undo_last(store, "bench")
    figures["a review decision stored"] = statistics.median(times)
    figures["review queue length"] = len(queue)
    figures.update(_reports_and_followups(home, store))
    return figures


def _reports_and_followups(home: Path, store: Store) -> dict[str, float]:
    """The week's report, the year's report (with the leak CSV) and `followup list`."""
    from click.testing import CliRunner

    from postbakke.cli import cli
    from postbakke.people import report as reports

    figures: dict[str, float] = {}
    latest = store.figures.latest_scanned_on()
    assert latest is not None
    week = reports.Period.week(reports.IsoWeek.of(latest))
    figures["report: a week (load + HTML)"] = _median_ms(
        lambda: reports.render_html(reports.load_report(store, week, "Favrskov")), repeat=3)
    out = home / "rapporter"
    runner = CliRunner()
    year = ["report", "--from", FIRST_DAY.isoformat(), "--to", latest.isoformat(),
            "--out", str(out)]

    def year_report() -> None:
        result = runner.invoke(cli, year)
        assert result.exit_code == 0, result.output

    figures["report: the whole year (HTML + leak CSV)"] = _median_ms(year_report, repeat=3)
    html = next(out.glob("rapport-*_*.html"))
    figures["report: the year's HTML file (kB)"] = html.stat().st_size / 1000

    def followup_list() -> None:
        result = runner.invoke(cli, ["followup", "list"])
        assert result.exit_code == 0, result.output

    figures["followup list"] = _median_ms(followup_list, repeat=3)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/year.py", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,20000,200000")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks-year.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, float]] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="postbakke-aar-") as folder:
            home = Path(folder)
            start = time.perf_counter()
            store = fill(home, size)
            filled_s = time.perf_counter() - start
            results[size] = {"fill (s)": filled_s, **measure(home, store)}
            store.close()
        print(f"{size:>7} letters: " + ", ".join(
            f"{k} {v:.0f}" for k, v in results[size].items()), flush=True)
    names = list(next(iter(results.values())))
    lines = [
        "# Years of data: the work station and storing a file, by workspace size",
        "",
        "Generated by `bench/year.py` (part of `make bench`) on this machine "
        f"({date.today().isoformat()}, 2 cores). Workspaces filled through the library's own "
        "API; times in milliseconds (median of 5, in-process, the server's own time).",
        "",
        "| measure | " + " | ".join(f"{s:,} letters" for s in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(
            f"{results[s][name]:,.0f}" if name != "fill (s)" else f"{results[s][name]:,.1f}"
            for s in sizes) + " |")
    args.doc.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written: {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
