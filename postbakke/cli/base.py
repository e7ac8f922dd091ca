"""The root of the command line: the settings and store a command gets, the one error
boundary, and the helpers the command groups share.

The single error boundary: any exception of any command becomes one line on
stderr and its exit code (`BoundaryGroup.invoke`); `--debug` shows the
traceback instead.
"""

from __future__ import annotations

import getpass
import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click

from postbakke.cli import danish
from postbakke.config import Settings, load_settings
from postbakke.errors import ExitCode, PostbakkeError, workspace_fault
from postbakke.outputs.wording import format_table
from postbakke.people.followup import catch_up
from postbakke.privacy import (
    Pseudonymiser,
    install_log_masking,
    load_or_create_secret,
    mask_cpr_in_text,
    restrict_new_files,
)
from postbakke.store import Store

danish.install()  # before any command or option is declared

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


# The module of postbakke.cli that declares each command. A command loads its own module
# (and the library it calls) when it runs, not every group's: `summary` and
# `report --week` started 0.3 s sooner without the review, scanning and web modules.
COMMAND_MODULES = {
    "audit": "person", "person": "person",
    "config": "admin", "web": "admin",
    "digest": "outputs", "letters": "outputs", "report": "outputs", "summary": "outputs",
    "digital": "registers", "enrolment": "registers", "staff": "registers",
    "duplicate": "decisions", "followup": "decisions", "review": "decisions",
    "purge": "scanning", "reread": "scanning", "scan": "scanning", "watch": "scanning",
}


class BoundaryGroup(danish.DanishGroup):
    """The root group: any exception of any command becomes one Danish line and an exit
    status (`--debug`: the traceback instead). Its commands' modules load on demand."""

    group_class = danish.DanishGroup  # one boundary, at the root

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"postbakke.cli.{COMMAND_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        load_all_commands()
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # the reader stopped (`postbakke letters | head`): click
            raise  # ends quietly; nothing of ours failed
        except (Exception, KeyboardInterrupt) as error:
            obj = ctx.find_object(Context)
            if obj is not None and obj.debug:
                raise
            line, code = error_line(error)
            click.echo(mask_cpr_in_text(line), err=True)
            sys.exit(code)


def load_all_commands() -> None:
    """Every command declared on `cli` (for `--help` and whoever lists them)."""
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(f"postbakke.cli.{module}")


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


def echo_lines(lines: Iterable[str]) -> None:
    for line in lines:
        click.echo(line)


def print_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    echo_lines(format_table(header, rows))


DAY = click.DateTime(formats=["%Y-%m-%d"])  # ÅÅÅÅ-MM-DD, as every help text says


def period_options(func: F) -> F:
    """--from and --to: the first and the last day of a period, both counted."""
    func = click.option("--to", "end", type=DAY, help="Sidste dag (ÅÅÅÅ-MM-DD), medregnet.")(func)
    return click.option("--from", "start", type=DAY, help="Første dag (ÅÅÅÅ-MM-DD).")(func)


def workers_option(func: F) -> F:
    return click.option(
        "--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
        show_default="antal kerner", help="Antal processer, der læser sider side om side.",
    )(func)


def os_user() -> str:
    """Who runs the command, for the audit log and the decisions' log."""
    return getpass.getuser()


def typed_cpr() -> str:
    """A CPR number typed at a hidden prompt, or one line of standard input (never argv:
    a number on the command line lands in the shell history and in `ps`)."""
    if sys.stdin.isatty():
        typed: str = click.prompt("CPR-nummer (skjult)", hide_input=True, err=True)
        return typed
    return sys.stdin.readline().strip()
