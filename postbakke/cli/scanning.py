"""Reading scans: scan, reread, watch a folder; and purge, which every scan starts with."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from postbakke.cli.base import DAY, Context, cli, print_table, workers_option
from postbakke.config import Settings
from postbakke.errors import ExitCode
from postbakke.outputs.wording import describe_letter
from postbakke.people.filing import forget_file
from postbakke.retention import PurgeResult, purge_expired
from postbakke.store import Store

if TYPE_CHECKING:  # OpenCV and Tesseract load only for the commands that read
    from postbakke.pipeline import FileOutcome, ScanSummary


@cli.command()
@click.argument("paths", metavar="FILER...", nargs=-1, required=True,
                type=click.Path(path_type=Path))
@click.option("--tray", help="Bakkens navn (fx afdelingen, hvis brevet ikke siger det).")
@click.option(
    "--date", "scanned_on", type=DAY,
    help="Dato for bakken (ÅÅÅÅ-MM-DD); standard er i dag.",
)
@workers_option
@click.option("--quiet", "-q", is_flag=True, help="Kun opsummeringen, ingen linje pr. brev.")
@click.pass_obj
def scan(obj: Context, paths: tuple[Path, ...], tray: str | None, scanned_on: Any,
         workers: int, quiet: bool) -> None:
    """Læs scannede breve (PDF, TIFF, PNG, JPEG eller mapper med dem)."""
    day: date = scanned_on.date() if scanned_on else date.today()
    _run_scan(obj, obj.store(), list(paths), tray, day, workers, quiet)


def _run_scan(obj: Context, store: Store, paths: list[Path], tray: str | None, day: date,
              workers: int, quiet: bool) -> None:
    """Scan `paths` with a progress bar, a line per file and the closing table."""
    from postbakke import pipeline  # OpenCV and Tesseract load only for the commands that read

    _echo_purge(purge_expired(store, obj.settings), obj.settings)
    files = list(pipeline.expand_paths(paths))
    summary = pipeline.ScanSummary()
    with pipeline.ScanContext.open(obj.settings, store, workers) as ctx:
        if not ctx.registers.by_pseudonym:
            click.echo("Advarsel: tilmeldingsregistret er tomt; kør 'postbakke enrolment "
                       "import' først.", err=True)
        bar: Any
        with click.progressbar(
            length=len(files), label="Læser filer", file=sys.stderr,
            item_show_func=lambda _: f"{summary.pages_read} sider læst",
        ) as bar:
            def pages_read(n: int) -> None:
                summary.pages_read += n
                bar.update(0)

            for outcome in pipeline.scan(paths, ctx, tray, day, on_pages=pages_read):
                summary.outcomes.append(outcome)
                bar.update(1)
                if outcome.status is pipeline.FileStatus.FAILED:
                    click.echo(f"\nSprunget over: {outcome.source}: {outcome.reason}", err=True)
                elif not quiet:
                    _echo_outcome(outcome)
                elif outcome.note:  # a file without letters is named even when quiet
                    click.echo(f"{outcome.source}: {outcome.note}.")
    _echo_scan_summary(summary)
    if summary.failed:
        sys.exit(int(ExitCode.FILES_FAILED))


@cli.command()
@click.argument("file", metavar="FIL", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--tray", help="Bakkens navn (standard: som ved første scanning).")
@click.option(
    "--date", "scanned_on", type=DAY,
    help="Dato for bakken (ÅÅÅÅ-MM-DD); standard: som ved første scanning.",
)
@workers_option
@click.pass_obj
def reread(obj: Context, file: Path, tray: str | None, scanned_on: Any, workers: int) -> None:
    """Glem en allerede scannet fil og læs den igen (fx hvis den blev delt forkert op).

    Personers afgørelser og lukkede opfølgninger bevares og gælder igen for de samme breve.
    """
    from postbakke.reading.ingest import content_hash

    store = obj.store()
    file_hash = content_hash(file)
    known = store.files.get(file_hash)
    day: date = scanned_on.date() if scanned_on else (
        date.fromisoformat(known.scanned_on) if known else date.today())
    if known is not None:
        tray = tray if tray is not None else known.tray
        removed = forget_file(store, file_hash)
        click.echo(f"{file.name}: {removed} breve glemt; filen læses igen.")
    else:
        click.echo(f"{file.name}: ikke scannet før; filen læses nu.")
    _run_scan(obj, store, [file], tray, day, workers, quiet=False)


def _echo_outcome(outcome: FileOutcome) -> None:
    from postbakke.pipeline import FileStatus

    if outcome.status is FileStatus.DUPLICATE:
        click.echo(f"{outcome.source}: allerede scannet, intet tilføjet.")
        return
    for problem in outcome.page_problems:
        click.echo(f"Advarsel: {outcome.source} {problem}", err=True)
    if outcome.note:
        click.echo(f"{outcome.source}: {outcome.note}.")
    for letter in outcome.letters:
        pages = ",".join(map(str, letter.pages))
        if letter.duplicate_of is not None:
            click.echo(f"{outcome.source} side {pages}: kopi af et brev, der allerede er "
                       "scannet (tælles ikke med)")
            continue
        click.echo(
            f"{outcome.source} side {pages}: "
            f"{describe_letter(letter.verdict, letter.reason, letter.window_cpr)}"
        )


def _echo_scan_summary(summary: ScanSummary) -> None:
    counts = summary.counts()
    click.echo("")
    print_table(
        ["Filer", "Allerede scannet", "Sider", "Breve", "Læk", "Legitime", "Til gennemsyn",
         "Fejlede"],
        [(counts.files, counts.duplicates, counts.pages, counts.letters, counts.leaks,
          counts.legitimate, counts.review, counts.failed)],
    )
    if summary.copies:
        click.echo(f"{summary.copies} af brevene var kopier af breve, der allerede er scannet; "
                   "de tælles ikke med ('postbakke duplicate list').")
    for outcome in summary.failed:
        click.echo(f"Fejlet: {outcome.source}: {outcome.reason}", err=True)


@cli.command()
@click.argument("folder", metavar="MAPPE",
                type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--poll", "poll_s", type=float, default=2.0, show_default=True,
              help="Sekunder mellem hvert kig i mappen.")
@click.option("--settle", "settle_s", type=float, default=4.0, show_default=True,
              help="Sekunder en fil skal være uændret, før den læses.")
@workers_option
@click.pass_obj
def watch(obj: Context, folder: Path, poll_s: float, settle_s: float, workers: int) -> None:
    """Overvåg en scannermappe: læs nye filer og læg dem i behandlet/ eller fejlet/."""
    from postbakke import pipeline
    from postbakke.watch import FolderWatcher

    ctx = pipeline.ScanContext.open(obj.settings, obj.store(), workers)
    handle = pipeline.make_scan_handler(
        ctx, on_purge=lambda result: _echo_purge(result, obj.settings), watch_folder=folder,
    )
    watcher = FolderWatcher(folder, handle, poll_s=poll_s, settle_s=settle_s, echo=click.echo,
                            skip=[obj.settings.home])
    with ctx:
        watcher.run()
    click.echo("Stoppet.")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Vis kun, hvad der ville blive slettet.")
@click.pass_obj
def purge(obj: Context, dry_run: bool) -> None:
    """Slet persondata ældre end opbevaringstiden (tal og vurderinger bevares)."""
    result = purge_expired(obj.store(), obj.settings, dry_run=dry_run)
    if dry_run:
        for line in result.listed:
            click.echo(f"Ville slette: {line}")
        click.echo(f"{len(result.listed)} ting ville blive slettet (--dry-run: intet slettet).")
        return
    _echo_purge(result, obj.settings, verbose=True)


def _echo_purge(result: PurgeResult, settings: Settings, verbose: bool = False) -> None:
    if result.letters or result.images or result.originals or result.reports or verbose:
        click.echo(
            f"Oprydning: sidebilleder og OCR-tekst slettet for {result.letters} breve "
            f"ældre end {settings.retention_days} dage ({result.images} billeder"
            f"{f', heraf {result.orphans} uden brev' if result.orphans else ''}"
            f"; {result.originals} originaler, {result.reports} rapporter og ugebreve).",
            err=not verbose,
        )
