"""The command line: parse, call one function, print (in Danish).

The single error boundary: a PostbakkeError becomes one line on stderr and its
exit code; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from postbakke.config import ConfigProblem, Settings, Severity, load_settings
from postbakke.deciding.registers import read_enrolment_csv, read_staff_csv
from postbakke.errors import ExitCode, PostbakkeError, workspace_fault
from postbakke.people.exports import EXPORT_FORMATS, letter_lines
from postbakke.people.followup import catch_up
from postbakke.people.wording import (
    OUTCOME_DA,
    describe_letter,
    format_table,
    kinds_da,
    percent_da,
    reason_da,
)
from postbakke.privacy import (
    Pseudonymiser,
    install_log_masking,
    load_or_create_secret,
    mask_cpr_in_text,
    restrict_new_files,
)
from postbakke.retention import PurgeResult, purge_expired
from postbakke.store import Store

if TYPE_CHECKING:  # OpenCV and Tesseract load only for the commands that read
    from postbakke.pipeline import FileOutcome, ScanSummary

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    def __init__(self, debug: bool) -> None:
        self.debug = debug
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    def store(self) -> Store:
        return catch_up(Store(self.settings.db_path))

    def pseudonymiser(self) -> Pseudonymiser:
        return Pseudonymiser(self.secret())

    def secret(self) -> str:
        return load_or_create_secret(self.settings.home, self.settings.secret)


UNEXPECTED = ("uventet fejl ({kind}); intet er gemt halvt. Kør igen med 'postbakke --debug' "
              "for at se detaljerne")


def error_line(error: BaseException) -> tuple[str, int]:
    """Any exception as one Danish line and its exit status (the single error boundary).

    An unexpected error shows only its type: its text may hold anything (a path,
    a piece of a scanned page), and the full story is for `--debug`.
    """
    if isinstance(error, KeyboardInterrupt):
        return "Afbrudt.", int(ExitCode.INTERRUPTED)
    fault = workspace_fault(error)
    if fault is not None:
        return f"Fejl: {fault}", int(fault.exit_code)
    if isinstance(error, PostbakkeError):
        return f"Fejl: {error}", int(error.exit_code)
    if isinstance(error, IsADirectoryError | FileNotFoundError | PermissionError):
        name = error.filename or ""
        what = {IsADirectoryError: "er en mappe, ikke en fil",
                FileNotFoundError: "findes ikke",
                PermissionError: "må ikke læses eller skrives"}[type(error)]
        return f"Fejl: {name} {what}".replace("Fejl:  ", "Fejl: "), int(ExitCode.BAD_ARGS)
    return f"Fejl: {UNEXPECTED.format(kind=type(error).__name__)}", int(ExitCode.OTHER)


def handle_errors(func: F) -> F:
    """Kept on every command for clarity; the boundary itself is `BoundaryGroup.invoke`."""
    return func


class BoundaryGroup(click.Group):
    """The root group: any exception of any command becomes one Danish line and an exit
    status (`--debug`: the traceback instead)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except (Exception, KeyboardInterrupt) as error:
            obj = ctx.find_object(Context)
            if obj is not None and obj.debug:
                raise
            line, code = error_line(error)
            click.echo(mask_cpr_in_text(line), err=True)
            sys.exit(code)


@click.group(cls=BoundaryGroup)
@click.option("--debug", is_flag=True, help="Vis hele fejlsporet (traceback) ved fejl.")
@click.version_option(package_name="postbakke")
@click.pass_context
def cli(click_ctx: click.Context, debug: bool) -> None:
    """postbakke: find de papirbreve, der kunne være sendt med Digital Post."""
    click_ctx.obj = Context(debug)
    restrict_new_files()  # every file and folder the tool creates: its owner's only
    logging.basicConfig(
        level=logging.INFO if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    install_log_masking()  # after basicConfig: its handler gets the filter too


@cli.group()
def enrolment() -> None:
    """Tilmeldingsregistret for Digital Post."""


@enrolment.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_obj
@handle_errors
def enrolment_import(obj: Context, file: Path) -> None:
    """Indlæs registret fra FILE.csv (erstatter det hidtidige register)."""
    entries = read_enrolment_csv(file, obj.pseudonymiser())
    store = obj.store()
    store.replace_enrolment(entries, file.name)
    enrolled = sum(1 for e in entries if e.status.value == "tilmeldt")
    click.echo(
        f"Tilmeldingsregister indlæst: {len(entries)} modtagere "
        f"({enrolled} tilmeldt, {len(entries) - enrolled} fritaget)."
    )


@cli.group()
def staff() -> None:
    """Medarbejderkartoteket."""


@staff.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_obj
@handle_errors
def staff_import(obj: Context, file: Path) -> None:
    """Indlæs medarbejderne fra FILE.csv (erstatter det hidtidige kartotek)."""
    members = read_staff_csv(file)
    obj.store().replace_staff(members, file.name)
    departments = len({m.department for m in members})
    click.echo(f"Medarbejdere indlæst: {len(members)} i {departments} afdelinger.")


def _echo_lines(lines: Iterable[str]) -> None:
    for line in lines:
        click.echo(line)


def _print_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    _echo_lines(format_table(header, rows))


def _workers_option(func: F) -> F:
    return click.option(
        "--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
        show_default="antal kerner", help="Antal processer, der læser sider side om side.",
    )(func)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--tray", help="Bakkens navn (fx afdelingen, hvis brevet ikke siger det).")
@click.option(
    "--date", "scanned_on", type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Dato for bakken (ÅÅÅÅ-MM-DD); standard er i dag.",
)
@_workers_option
@click.option("--quiet", "-q", is_flag=True, help="Kun opsummeringen, ingen linje pr. brev.")
@click.pass_obj
@handle_errors
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
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--tray", help="Bakkens navn (standard: som ved første scanning).")
@click.option(
    "--date", "scanned_on", type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Dato for bakken (ÅÅÅÅ-MM-DD); standard: som ved første scanning.",
)
@_workers_option
@click.pass_obj
@handle_errors
def reread(obj: Context, file: Path, tray: str | None, scanned_on: Any, workers: int) -> None:
    """Glem en allerede scannet fil og læs den igen (fx hvis den blev delt forkert op).

    Personers afgørelser og lukkede opfølgninger bevares og gælder igen for de samme breve.
    """
    from postbakke.people.filing import forget_file
    from postbakke.reading.ingest import content_hash

    store = obj.store()
    file_hash = content_hash(file)
    known = store.known_file(file_hash)
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
    _print_table(
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
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--poll", "poll_s", type=float, default=2.0, show_default=True,
              help="Sekunder mellem hvert kig i mappen.")
@click.option("--settle", "settle_s", type=float, default=4.0, show_default=True,
              help="Sekunder en fil skal være uændret, før den læses.")
@_workers_option
@click.pass_obj
@handle_errors
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
@click.option(
    "--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="table",
    show_default=True, help="Udskriftsformat.",
)
@click.pass_obj
@handle_errors
def letters(obj: Context, fmt: str) -> None:
    """Vis de scannede breve."""
    store = obj.store()
    store.log_access(_os_user(), f"breve udtrukket ({fmt})")
    _echo_lines(letter_lines(store.letters(), fmt))


def _os_user() -> str:
    import getpass

    return getpass.getuser()


@cli.command()
@click.pass_obj
@handle_errors
def summary(obj: Context) -> None:
    """Opgørelse pr. afdeling: breve, læk, begrundede, legitime og til gennemsyn."""
    rows = obj.store().department_summary()
    if not rows:
        click.echo("Ingen breve er scannet endnu.")
        return
    total = [sum(int(r[i]) for r in rows) for i in range(1, 7)]
    _print_table(
        ["Afdeling", "Breve", "Læk", "Begrundede", "Legitime", "Til gennemsyn", "CPR i rude"],
        [*rows, ("I alt", *total)],
    )

# --------------------------------------------------------------------------- digital counts


@cli.group()
def digital() -> None:
    """Digitale breve pr. afdeling og uge (fra fagsystemernes statistik)."""


@digital.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_obj
@handle_errors
def digital_import(obj: Context, file: Path) -> None:
    """Indlæs digitale tal fra FILE.csv (week,department,digital_letters); en uge erstattes."""
    from postbakke.people.digital import align_departments, read_digital_csv

    store = obj.store()
    counts, unknown = align_departments(
        read_digital_csv(file), sorted({m.department for m in store.staff_members()})
    )
    weeks = store.replace_digital_counts(counts, file.name)
    span = weeks[0] if len(weeks) == 1 else f"{weeks[0]} til {weeks[-1]}"
    click.echo(
        f"Digitale tal indlæst: {sum(c.digital_letters for c in counts)} breve i "
        f"{len({c.department for c in counts})} afdelinger, uge {span} ({len(weeks)} "
        f"{'uge' if len(weeks) == 1 else 'uger'} erstattet)."
    )
    for name in unknown:
        click.echo(f"Advarsel: afdelingen '{name}' står ikke i medarbejderkartoteket.", err=True)


# --------------------------------------------------------------------------- report


@cli.command()
@click.option("--week", help="ISO-uge, fx 2026-W47 (standard: ugen for den seneste bakke).")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Første dag (ÅÅÅÅ-MM-DD).")
@click.option("--to", "end", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Sidste dag (ÅÅÅÅ-MM-DD), medregnet.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Mappe til rapporten (standard: reports/). Med --format csv: skriv en fil "
                   "dér i stedet for at udskrive tabellen.")
@click.option("--format", "fmt", type=click.Choice(["html", "csv"]), default="html",
              show_default=True, help="html: hele rapporten; csv: tabellen pr. afdeling.")
@click.pass_obj
@handle_errors
def report(obj: Context, week: str | None, start: Any, end: Any, out_dir: Path | None,
           fmt: str) -> None:
    """Lav rapporten pr. afdeling: læk, digital andel, udvikling, afsendere og opfølgninger."""
    from postbakke.people import report as reports

    store = obj.store()
    period = reports.resolve_period(
        week, start.date() if start else None, end.date() if end else None,
        store.latest_scanned_on(),
    )
    data = reports.load_report(store, period, obj.settings.municipality_name)
    store.log_access(_os_user(), f"rapport ({fmt})", period.title)
    if fmt == "csv" and out_dir is None:
        click.echo(reports.render_csv([*data.departments, data.total]), nl=False)
        return
    path = reports.write_report(data, out_dir, fmt,
                                store.report_leaks(period.start, period.end))
    click.echo(
        f"Rapport for {period.title} skrevet: {path} ({data.total.paper} papirbreve, "
        f"{data.total.leaks} læk, digital andel {percent_da(data.total.digital_share)})."
    )
    if fmt == "html":
        click.echo(f"Alle læk som CSV: {reports.leaks_csv_path(path.parent, period)}")


# --------------------------------------------------------------------------- follow-ups


@cli.group()
def followup() -> None:
    """Opfølgninger: én pr. afsender med læk, til en snak om den digitale vej."""


@followup.command("list")
@click.option("--department", help="Kun denne afdeling.")
@click.option("--open", "only_open", is_flag=True, help="Kun åbne opfølgninger.")
@click.pass_obj
@handle_errors
def followup_list(obj: Context, department: str | None, only_open: bool) -> None:
    """Vis opfølgningerne (åbne først)."""

    rows = obj.store().followups(department=department, only_open=only_open)
    if not rows:
        click.echo("Ingen opfølgninger.")
        return

    _print_table(
        ["Nr", "Status", "Afdeling", "Afsender", "Læk", "Slags breve", "Seneste", "Udfald",
         "Note"],
        [
            (f.id, "åben" if f.is_open else "lukket", f.department or "(ukendt)",
             f.sender or "(ukendt afsender)", f.letters, kinds_da(f.kinds),
             f.last_scanned_on or "", OUTCOME_DA[f.outcome] if f.outcome else "", f.note or "")
            for f in rows
        ],
    )


@followup.command("close")
@click.argument("followup_id", metavar="NR", type=int)
@click.option("--outcome", required=True,
              type=click.Choice(["kontaktet", "begrundet", "system_rettet"]),
              help="kontaktet: afsenderen er kontaktet; begrundet: papir var det rigtige "
                   "(brevene tæller da ikke som læk); system_rettet: fagsystemet er rettet.")
@click.option("--note", required=True, help="Kort begrundelse eller aftale.")
@click.pass_obj
@handle_errors
def followup_close(obj: Context, followup_id: int, outcome: str, note: str) -> None:
    """Luk opfølgning NR med et udfald og en note."""
    import getpass

    from postbakke.people.followup import Outcome, close_followup

    closed = close_followup(obj.store(), followup_id, Outcome(outcome), note,
                            actor=getpass.getuser())
    text = f"Opfølgning {closed.id} lukket: {OUTCOME_DA[closed.outcome or outcome]}."
    if closed.outcome is Outcome.JUSTIFIED:
        text += (f" Dens {closed.letters} breve tæller nu som begrundede, ikke som læk.")
    click.echo(text)


# --------------------------------------------------------------------------- review queue


@cli.group()
def review() -> None:
    """Breve til gennemsyn: dem værktøjet ikke kunne afgøre."""


@review.command("list")
@click.pass_obj
@handle_errors
def review_list(obj: Context) -> None:
    """Vis brevene, der venter på en persons afgørelse, og hvor sidebillederne ligger."""
    rows = obj.store().review_letters()
    if not rows:
        click.echo("Ingen breve venter på gennemsyn.")
        return
    for row in rows:
        pages = ",".join(map(str, row["pages"]))
        click.echo(f"Brev {row['id']}: {reason_da(row['reason'])}")
        click.echo(f"  Afdeling: {row['department'] or '(ukendt)'}; "
                   f"afsender: {row['sender'] or '(ukendt)'}")
        click.echo(f"  Fil: {row['source']}, side {pages} (bakke fra {row['scanned_on']})")
        if row["image_paths"]:
            click.echo(f"  Sidebilleder: {', '.join(row['image_paths'])}")
        elif row["has_text"]:
            click.echo("  Sidebilleder: ingen (filen havde et tekstlag; se den scannede fil)")
        else:
            click.echo("  Sidebilleder: slettet efter opbevaringsperioden")
        click.echo(f"  Spor: {row['evidence'] or '-'}")
        if row["match"] == "manual":
            click.echo(f"  Afgjort manuelt ({row['recipient_masked']}), men modtageren står ikke "
                       "i tilmeldingsregistret: indlæs et nyere register og afgør igen.")
    click.echo(f"\n{len(rows)} breve til gennemsyn. Afgør et brev med "
               "'postbakke review decide NR --cpr | --cvr NNNNNNNN | --no-recipient', "
               "eller i arbejdsstationen ('postbakke web').")


def _typed_cpr() -> str:
    """A CPR number typed at a hidden prompt, or one line of standard input (never argv:
    a number on the command line lands in the shell history and in `ps`)."""
    if sys.stdin.isatty():
        typed: str = click.prompt("CPR-nummer (skjult)", hide_input=True, err=True)
        return typed
    return sys.stdin.readline().strip()


@review.command("decide")
@click.argument("letter_id", metavar="NR", type=int)
@click.option("--cpr", "cpr_typed", is_flag=True,
              help="Modtageren har et CPR-nummer: det skrives ved en skjult prompt (eller på "
                   "standard-input) og gemmes kun som pseudonym.")
@click.option("--cvr", help="Modtagerens CVR-nummer.")
@click.option("--no-recipient", is_flag=True,
              help="Modtageren har intet dansk CPR- eller CVR-nummer (aldrig læk).")
@click.option("--justified", metavar="NOTE",
              help="Papir var det rigtige for dette brev; noten siger hvorfor (aldrig læk).")
@click.option("--sender", help="Afsenderens navn som i medarbejderkartoteket.")
@click.pass_obj
@handle_errors
def review_decide(obj: Context, letter_id: int, cpr_typed: bool, cvr: str | None,
                  no_recipient: bool, justified: str | None, sender: str | None) -> None:
    """Afgør brev NR: hvem det er til; vurderingen beregnes ud fra tilmeldingsregistret."""
    import getpass

    from postbakke.people.review import decide_letter, make_decision

    store = obj.store()
    decision = make_decision(
        cpr=_typed_cpr() if cpr_typed else None, cvr=cvr, no_recipient=no_recipient,
        sender=sender, pseudonymiser=obj.pseudonymiser(), justified_note=justified,
        own_cvrs=obj.settings.own_cvrs, staff=store.staff_members(),
    )
    letter = decide_letter(store, letter_id, decision, actor=getpass.getuser())
    who = letter.recipient_masked or "ingen modtager med dansk id"
    click.echo(
        f"Brev {letter_id} afgjort ({who}): "
        f"{describe_letter(letter.verdict, letter.reason, letter.window_cpr)}."
    )


@review.command("undo")
@click.pass_obj
@handle_errors
def review_undo(obj: Context) -> None:
    """Fortryd din seneste afgørelse (også en fra arbejdsstationen under samme navn)."""
    import getpass

    from postbakke.people.review import undo_last

    letter_id = undo_last(obj.store(), getpass.getuser())
    click.echo("Intet at fortryde." if letter_id is None
               else f"Brev {letter_id}: afgørelsen er fortrudt; brevet er som før.")


# --------------------------------------------------------------------------- copies


@cli.group()
def duplicate() -> None:
    """Kopier: det samme papir scannet igen (tælles ikke med)."""


@duplicate.command("list")
@click.pass_obj
@handle_errors
def duplicate_list(obj: Context) -> None:
    """Vis brevene, der er taget for kopier af breve scannet før."""
    rows = [r for r in obj.store().letters() if r["duplicate_of"] is not None]
    if not rows:
        click.echo("Ingen kopier.")
        return
    _print_table(
        ["Nr", "Fil", "Sider", "Dato", "Kopi af", "Afsender"],
        [(r["id"], r["source"], ",".join(map(str, r["pages"])), r["scanned_on"],
          f"{r['duplicate_of']['source']} side "
          f"{','.join(map(str, r['duplicate_of']['pages']))}", r["sender"] or "(ukendt)")
         for r in rows],
    )
    click.echo("\nEr et brev et nyt brev og ikke en kopi: 'postbakke duplicate undo NR'.")


@duplicate.command("undo")
@click.argument("letter_id", metavar="NR", type=int)
@click.pass_obj
@handle_errors
def duplicate_undo(obj: Context, letter_id: int) -> None:
    """Det er et nyt brev: brev NR er ikke en kopi og tælles med igen."""
    import getpass

    from postbakke.people.duplicates import mark_new_letter

    letter = mark_new_letter(obj.store(), letter_id, actor=getpass.getuser())
    click.echo(
        f"Brev {letter_id} er et nyt brev og tælles med: "
        f"{describe_letter(letter.verdict, letter.reason, letter.window_cpr)}."
    )


# --------------------------------------------------------------------------- weekly digest


@cli.command()
@click.option("--week", help="ISO-uge, fx 2026-W47 (standard: sidste uge).")
@click.option("--department", help="Kun denne afdeling.")
@click.option("--dry-run", is_flag=True,
              help="Skriv ugebrevene som .eml-filer i udbakken, send intet (standard).")
@click.option("--outbox", type=click.Path(path_type=Path, file_okay=False),
              help="Mappe til .eml-filerne ved --dry-run (standard: reports/outbox/).")
@click.option("--send", is_flag=True, help="Send ugebrevene med mailserveren fra [smtp].")
@click.option("--resend", is_flag=True,
              help="Med --send: send også dem, der allerede er sendt for ugen.")
@click.pass_obj
@handle_errors
def digest(obj: Context, week: str | None, department: str | None, dry_run: bool,
           outbox: Path | None, send: bool, resend: bool) -> None:
    """Ugebrev til hver afdeling om papirbreve, der kunne være sendt digitalt."""
    from postbakke.people.digest import DigestError, run_digest

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


# --------------------------------------------------------------------------- a person's data


@cli.group()
def person() -> None:
    """En borgers data: hvad arbejdsmappen har om dem (indsigt), og sletning."""


def _reason_option(func: F) -> F:
    return click.option(
        "--reason", prompt="Begrundelse (fx sagsnummeret på anmodningen)",
        help="Hvorfor (skrives i revisionsloggen).",
    )(func)


def _typed_person(obj: Context) -> tuple[str, str]:
    """(pseudonym, masked) of a CPR typed at a hidden prompt or on standard input."""
    from postbakke.people.review import parse_cpr
    from postbakke.privacy import mask_cpr

    digits = parse_cpr(_typed_cpr())
    return obj.pseudonymiser().pseudonym(digits), mask_cpr(digits)


@person.command("show")
@_reason_option
@click.pass_obj
@handle_errors
def person_show(obj: Context, reason: str) -> None:
    """Vis alt, arbejdsmappen har om en borger (CPR-nummeret spørges om, skjult)."""
    from postbakke.people.person import person_data

    pseudonym, masked = _typed_person(obj)
    data = person_data(obj.store(), pseudonym, masked, _os_user(), reason)
    click.echo(f"Borger {masked}:")
    if data.enrolment:
        e = data.enrolment
        click.echo(f"  Tilmeldingsregistret: {e['status']}; {e['name']}, {e['street']}, "
                   f"{e['postcode']} {e['city']}")
    else:
        click.echo("  Tilmeldingsregistret: ikke registreret")
    click.echo(f"  Breve: {len(data.letters)}")
    for letter in data.letters:
        images = len(letter["image_paths"])
        click.echo(f"    Brev {letter['id']}: {letter['scanned_on']}, "
                   f"{letter['department'] or '(ukendt afdeling)'}, "
                   f"{letter['sender'] or '(ukendt afsender)'}: "
                   f"{describe_letter(letter['verdict'], letter['reason'], False)}"
                   f" ({images} sidebilleder)")
    click.echo(f"  Opfølgninger: {len(data.followups)}")
    for f in data.followups:
        click.echo(f"    Opfølgning {f.id}: {f.department or '(ukendt)'}, "
                   f"{f.sender or '(ukendt afsender)'}, {'åben' if f.is_open else 'lukket'}")
    click.echo(f"  Afgørelser: {len(data.decisions)}")
    for d in data.decisions:
        click.echo(f"    {d['at']} {d['actor']}: brev {d['letter_id']} ({d['action']})")


@person.command("erase")
@_reason_option
@click.option("--yes", is_flag=True, help="Spørg ikke om bekræftelse.")
@click.pass_obj
@handle_errors
def person_erase(obj: Context, reason: str, yes: bool) -> None:
    """Slet en borgers sidebilleder, OCR-tekst, navne og pseudonym (tallene bevares)."""
    from postbakke.people.person import erase_person

    pseudonym, masked = _typed_person(obj)
    if not yes and sys.stdin.isatty():
        click.confirm(f"Slet data om {masked}?", abort=True, err=True)
    erased = erase_person(obj.store(), pseudonym, masked, _os_user(), reason)
    click.echo(f"Slettet for {masked}: {erased.letters} breve gjort anonyme, "
               f"{erased.images} sidebilleder fjernet; tællingerne er uændrede.")


@cli.command()
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Første dag (ÅÅÅÅ-MM-DD).")
@click.option("--to", "end", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Sidste dag (ÅÅÅÅ-MM-DD), medregnet.")
@click.pass_obj
@handle_errors
def audit(obj: Context, start: Any, end: Any) -> None:
    """Revisionsloggen: hvem så eller ændrede persondata, hvornår, hvad og hvorfor."""
    rows = obj.store().audit_entries(
        start.date().isoformat() if start else None, end.date().isoformat() if end else None)
    if not rows:
        click.echo("Ingen adgange i perioden.")
        return
    _print_table(["Tidspunkt", "Hvem", "Hvad", "Om", "Begrundelse"],
                 [(r["at"], r["actor"], r["action"], r["subject"] or "", r["reason"] or "")
                  for r in rows])


@cli.group()
def config() -> None:
    """Indstillingerne i $POSTBAKKE_HOME/postbakke.toml."""


@config.command("check")
@click.pass_obj
@handle_errors
def config_check(obj: Context) -> None:
    """Tjek postbakke.toml: kommunens navn og CVR, ugebrevenes afsender, modtagere, mailserver
    og afdelinger."""
    from postbakke.config import (
        check_settings,
        retention_lines,
        summarise_check,
        workspace_problems,
    )
    from postbakke.privacy import SECRET_FILE

    settings, problems = check_settings(staff_departments=_staff_departments)
    if settings is not None:
        problems = [*problems, *workspace_problems(settings)]
        try:
            if settings.secret is not None or (settings.home / SECRET_FILE).exists():
                load_or_create_secret(settings.home, settings.secret)
        except PostbakkeError as error:
            problems.append(ConfigProblem(Severity.ERROR, "", str(error), "secret"))
        problems.sort(key=lambda p: (not p.is_error,))
    for problem in problems:
        click.echo(f"{'Fejl' if problem.is_error else 'Advarsel'}: {problem}")
    if settings is not None:
        _echo_lines(retention_lines(settings))
    checked = summarise_check(settings, problems)
    click.echo(checked.line)
    if not checked.ok:
        sys.exit(int(ExitCode.CONFIG))


def _staff_departments(settings: Settings) -> set[str]:
    """The staff directory's departments, without creating a workspace that is not there."""
    if not settings.db_path.exists():
        return set()
    return {m.department for m in Store(settings.db_path).staff_members()}


def _echo_purge(result: PurgeResult, settings: Settings, verbose: bool = False) -> None:
    if result.letters or result.images or result.originals or result.reports or verbose:
        click.echo(
            f"Oprydning: sidebilleder og OCR-tekst slettet for {result.letters} breve "
            f"ældre end {settings.retention_days} dage ({result.images} billeder"
            f"{f', heraf {result.orphans} uden brev' if result.orphans else ''}"
            f"; {result.originals} originaler, {result.reports} rapporter og ugebreve).",
            err=not verbose,
        )


@cli.command()
@click.option("--dry-run", is_flag=True, help="Vis kun, hvad der ville blive slettet.")
@click.pass_obj
@handle_errors
def purge(obj: Context, dry_run: bool) -> None:
    """Slet persondata ældre end opbevaringstiden (tal og vurderinger bevares)."""
    result = purge_expired(obj.store(), obj.settings, dry_run=dry_run)
    if dry_run:
        for line in result.listed:
            click.echo(f"Ville slette: {line}")
        click.echo(f"{len(result.listed)} ting ville blive slettet (--dry-run: intet slettet).")
        return
    _echo_purge(result, obj.settings, verbose=True)


# --------------------------------------------------------------------------- work station


@cli.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Adressen, der lyttes på (andet end 127.0.0.1 kræver brugere med login).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Porten.")
@click.pass_context
@handle_errors
def web(click_ctx: click.Context, host: str, port: int) -> None:
    """Arbejdsstationen i browseren: gennemsyn, bakker, afdelinger og opfølgninger."""
    if click_ctx.invoked_subcommand is not None:
        return
    from postbakke.web.serve import serve

    obj: Context = click_ctx.obj
    serve(obj.settings, host, port, announce=click.echo)
    click.echo("Stoppet.")


@web.group("user")
def web_user() -> None:
    """Brugere af arbejdsstationen (kræves for at vise den på netværket)."""


@web_user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["postrum", "projektleder"]),
              help="postrum: afgør breve og ser bakker; projektleder: også opfølgninger og "
                   "rapporter.")
@click.password_option("--password", prompt="Adgangskode", help="Spørges der om (skjult).")
@click.pass_obj
@handle_errors
def web_user_add(obj: Context, name: str, role: str, password: str) -> None:
    """Opret brugeren NAME (eller skift adgangskode og rolle)."""
    from postbakke.web.users import Role, add_user

    add_user(obj.store(), name, Role(role), password)
    click.echo(f"Bruger {name.strip()} gemt som {role}.")


def main() -> None:
    cli(prog_name="postbakke")
