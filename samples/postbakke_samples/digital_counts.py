"""Fictional digital counts for the demo: letters each department sent digitally per week.

`python -m postbakke_samples.digital_counts OUT.csv --staff staff.csv --week 2026-W48`
writes them in the format `postbakke digital import` reads (people/digital.py
parses and validates them; only the invented figures live here).
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from postbakke.deciding.registers import read_staff_csv
from postbakke.outputs.digital import DIGITAL_COLUMNS, DigitalCount, IsoWeek, weeks_between

# Digital letters per department and week in the demo: a department of a
# mid-sized municipality sends some hundreds a week; the demo's tray is a
# dozen letters, so the counts are scaled to give shares around the goal.
DEMO_DIGITAL_RANGE = (20, 60)


def demo_counts(
    departments: list[str], last_week: IsoWeek, weeks: int, seed: int
) -> list[DigitalCount]:
    """Fictional digital counts for the demo: each department, each of `weeks` weeks."""
    rng = random.Random(seed)
    return [
        DigitalCount(week.label, department, rng.randint(*DEMO_DIGITAL_RANGE))
        for week in weeks_between(last_week.shifted(-(weeks - 1)), last_week)
        for department in departments
    ]


def write_digital_csv(path: Path, counts: list[DigitalCount]) -> None:
    """The counts as `week,department,digital_letters` CSV, as the sending systems give them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DIGITAL_COLUMNS)
        for count in counts:
            writer.writerow([count.week, count.department, count.digital_letters])


def main(argv: list[str] | None = None) -> None:
    """`python -m postbakke_samples.digital_counts OUT.csv`: fictional digital counts."""
    parser = argparse.ArgumentParser(
        prog="python -m postbakke_samples.digital_counts",
        description="Lav fiktive digitale tal (week,department,digital_letters) til demoen.",
    )
    parser.add_argument("out", type=Path, help="CSV-filen der skal skrives")
    parser.add_argument("--staff", type=Path, required=True,
                        help="medarbejderkartoteket (staff.csv): afdelingerne tages herfra")
    parser.add_argument("--week", required=True, help="sidste uge, fx 2026-W48")
    parser.add_argument("--weeks", type=int, default=4, help="antal uger (standard 4)")
    parser.add_argument("--seed", type=int, default=2026, help="frø for tilfældighederne")
    args = parser.parse_args(argv)
    departments = sorted({m.department for m in read_staff_csv(args.staff)})
    counts = demo_counts(departments, IsoWeek.parse(args.week), args.weeks, args.seed)
    write_digital_csv(args.out, counts)
    weeks = f"{args.weeks} uge" + ("r" if args.weeks != 1 else "")
    print(f"Digitale tal skrevet: {args.out} ({len(departments)} afdelinger, {weeks}).")


if __name__ == "__main__":
    main()
