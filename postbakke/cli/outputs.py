"""What people read: the letters export, the summary, the report, the weekly digest."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from postbakke.cli.base import Context, cli, echo_lines, os_user, period_options, print_table
from postbakke.errors import ExitCode
from postbakke.outputs import report as reports
from postbakke.outputs.digest import DigestError
from postbakke.outputs.digital import IsoWeek
from postbakke.outputs.exports import EXPORT_FORMATS, letter_lines
from postbakke.outputs.figures import Period, ReportError, resolve_period
from postbakke.outputs.sending import run_digest
from postbakke.outputs.wording import percent_da
from postbakke.people.access import record_access


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="table",
    show_default=True, help="Udskriftsformat.",
)
@click.pass_obj
def letters(obj: Context, fmt: str) -> None:
    """Vis de scannede breve."""
    store = obj.store()
    record_access(store, os_user(), f"breve udtrukket ({fmt})")
    echo_lines(letter_lines(store.letters.export(), fmt))


@cli.command()
@click.option("--week", help="Kun denne ISO-uge, fx 2026-W47.")
@period_options
@click.option("--all", "all_time", is_flag=True, help="Alle breve, der nogensinde er scannet.")
@click.pass_obj
def summary(obj: Context, week: str | None, start: Any, end: Any, all_time: bool) -> None:
    """Opgørelse pr. afdeling: breve, læk, begrundede, legitime og til gennemsyn.

    Uden valg: året og ugen for den seneste bakke (hvert tal siger, hvilken periode det
    tæller)."""
    figures = obj.store().figures
    latest = figures.latest_scanned_on()
    if latest is None and not figures.department_summary():
        click.echo("Ingen breve er scannet endnu.")
        return
    assert latest is not None
    if all_time and (week or start or end):
        raise ReportError("brug enten --all eller --week/--from/--to, ikke begge")
    if all_time or week or start or end:
        period = None if all_time else resolve_period(
            week, start.date() if start else None, end.date() if end else None, latest)
        click.echo(f"{period.title if period else 'Alle scannede breve'}:")
        _summary_table(figures.department_summary(*(
            (period.start, period.end) if period else (None, None))))
        return
    # the year of the latest tray, then its week (the last table: the week's "I alt")
    year = Period.between(date(latest.year, 1, 1), latest)
    this_week = Period.week(IsoWeek.of(latest))
    _summary_table(figures.department_summary(year.start, year.end))
    click.echo(f"(Året {latest.year}: {year.title}, til og med den seneste bakke. "
               "Alle år: --all; en anden periode: --week eller --from/--to.)")
    click.echo("")
    click.echo(f"{this_week.title}:")
    _summary_table(figures.department_summary(this_week.start, this_week.end))


def _summary_table(rows: list) -> None:
    if not rows:
        click.echo("Ingen breve i perioden.")
        return
    total = [sum(int(r[i]) for r in rows) for i in range(1, 7)]
    print_table(
        ["Afdeling", "Breve", "Læk", "Begrundede", "Legitime", "Til gennemsyn", "CPR i rude"],
        [*rows, ("I alt", *total)],
    )


@cli.command()
@click.option("--week", help="ISO-uge, fx 2026-W47 (standard: ugen for den seneste bakke).")
@period_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Mappe til rapporten (standard: reports/ i arbejdsmappen). Med --format "
                   "csv: skriv en fil dér i stedet for at udskrive tabellen.")
@click.option("--format", "fmt", type=click.Choice(["html", "csv"]), default="html",
              show_default=True, help="html: hele rapporten; csv: tabellen pr. afdeling.")
@click.pass_obj
def report(obj: Context, week: str | None, start: Any, end: Any, out_dir: Path | None,
           fmt: str) -> None:
    """Lav rapporten pr. afdeling: læk, digital andel, udvikling, afsendere og opfølgninger."""
    store = obj.store()
    period = resolve_period(
        week, start.date() if start else None, end.date() if end else None,
        store.figures.latest_scanned_on(),
    )
    data = reports.load_report(store, period, obj.settings.municipality_name)
    record_access(store, os_user(), f"rapport ({fmt})", period.title)
    if fmt == "csv" and out_dir is None:
        click.echo(reports.render_csv([*data.departments, data.total]), nl=False)
        return
    path = reports.write_report(data, out_dir or obj.settings.reports_dir, fmt,
                                store.figures.report_leaks(period.start, period.end))
    click.echo(
        f"Rapport for {period.title} skrevet: {path} ({data.total.paper} papirbreve, "
        f"{data.total.leaks} læk, digital andel {percent_da(data.total.digital_share)})."
    )
    if fmt == "html":
        click.echo(f"Alle læk som CSV: {reports.leaks_csv_path(path.parent, period)}")


@cli.command()
@click.option("--week", help="ISO-uge, fx 2026-W47 (standard: sidste uge).")
@click.option("--department", help="Kun denne afdeling.")
@click.option("--dry-run", is_flag=True,
              help="Skriv ugebrevene som .eml-filer i udbakken, send intet (standard).")
@click.option("--outbox", type=click.Path(path_type=Path, file_okay=False),
              help="Mappe til .eml-filerne ved --dry-run (standard: reports/outbox/ i "
                   "arbejdsmappen).")
@click.option("--send", is_flag=True, help="Send ugebrevene med mailserveren fra [smtp].")
@click.option("--resend", is_flag=True,
              help="Med --send: send også dem, der allerede er sendt for ugen.")
@click.pass_obj
def digest(obj: Context, week: str | None, department: str | None, dry_run: bool,
           outbox: Path | None, send: bool, resend: bool) -> None:
    """Ugebrev til hver afdeling om papirbreve, der kunne være sendt digitalt."""
    if dry_run and send:
        raise DigestError("vælg enten --dry-run eller --send")
    failed = 0
    for outcome in run_digest(obj.store(), obj.settings, week=week, department=department,
                              send=send, resend=resend, outbox=outbox):
        click.echo(outcome.line, err=outcome.failed)
        failed += outcome.failed
    if failed:
        click.echo(f"{failed} ugebrev{'e' if failed != 1 else ''} blev ikke sendt.", err=True)
        sys.exit(int(ExitCode.FILES_FAILED))
