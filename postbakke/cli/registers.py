"""Reading the registers in: the enrolment register, the staff directory, digital counts."""

from __future__ import annotations

from pathlib import Path

import click

from postbakke.cli.base import Context, cli
from postbakke.deciding.registers import read_enrolment_csv, read_staff_csv
from postbakke.outputs.digital import align_departments, read_digital_csv
from postbakke.outputs.wording import week_da


@cli.group()
def enrolment() -> None:
    """Tilmeldingsregistret for Digital Post."""


@enrolment.command("import")
@click.argument("file", metavar="FIL", type=click.Path(path_type=Path))
@click.pass_obj
def enrolment_import(obj: Context, file: Path) -> None:
    """Indlæs registret fra FILE.csv (erstatter det hidtidige register)."""
    entries = read_enrolment_csv(file, obj.pseudonymiser())
    store = obj.store()
    store.registers.replace_enrolment(entries, file.name)
    enrolled = sum(1 for e in entries if e.status.value == "tilmeldt")
    click.echo(
        f"Tilmeldingsregister indlæst: {len(entries)} modtagere "
        f"({enrolled} tilmeldt, {len(entries) - enrolled} fritaget)."
    )


@cli.group()
def staff() -> None:
    """Medarbejderkartoteket."""


@staff.command("import")
@click.argument("file", metavar="FIL", type=click.Path(path_type=Path))
@click.pass_obj
def staff_import(obj: Context, file: Path) -> None:
    """Indlæs medarbejderne fra FILE.csv (erstatter det hidtidige kartotek)."""
    members = read_staff_csv(file)
    obj.store().registers.replace_staff(members, file.name)
    departments = len({m.department for m in members})
    click.echo(f"Medarbejdere indlæst: {len(members)} i {departments} afdelinger.")


@cli.group()
def digital() -> None:
    """Digitale breve pr. afdeling og uge (fra fagsystemernes statistik)."""


@digital.command("import")
@click.argument("file", metavar="FIL", type=click.Path(path_type=Path))
@click.pass_obj
def digital_import(obj: Context, file: Path) -> None:
    """Indlæs digitale tal fra FILE.csv (week,department,digital_letters); en uge erstattes."""
    store = obj.store()
    counts, unknown = align_departments(
        read_digital_csv(file), sorted({m.department for m in store.registers.staff_members()})
    )
    weeks = store.registers.replace_digital_counts(counts, file.name)
    span = week_da(weeks[0]) if len(weeks) == 1 else f"{week_da(weeks[0])} til {week_da(weeks[-1])}"
    click.echo(
        f"Digitale tal indlæst: {sum(c.digital_letters for c in counts)} breve i "
        f"{len({c.department for c in counts})} afdelinger, {span} ({len(weeks)} "
        f"{'uge' if len(weeks) == 1 else 'uger'} erstattet)."
    )
    for name in unknown:
        click.echo(f"Advarsel: afdelingen '{name}' står ikke i medarbejderkartoteket.", err=True)
