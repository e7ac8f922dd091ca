"""Click's own words (usage, help, errors) in Danish.

Click marks its messages for gettext but ships no Danish catalogue, and gettext would
pick the language from the environment of whoever runs the command. So the CLI gives
click's modules a `gettext`/`ngettext` of its own that looks up this table: a word
click adds in a later release and this table lacks stays English (tests/test_cli_help.py
runs the common errors and fails on an English line).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

DANISH: dict[str, str] = {
    "Usage:": "Brug:",
    "Options": "Tilvalg",
    "Commands": "Kommandoer",
    "Positional arguments": "Argumenter",
    "Show this message and exit.": "Vis denne hjælp og afslut.",
    "Show the version and exit.": "Vis versionen og afslut.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Try '{command} {option}' for help.": "Se '{command} {option}' for hjælp.",
    "Error: {message}": "Fejl: {message}",
    "Aborted!": "Afbrudt.",
    "Missing argument": "Mangler argumentet",
    "Missing option": "Mangler tilvalget",
    "Missing parameter": "Mangler parameteren",
    "Missing command.": "Mangler en kommando.",
    "Missing parameter: {param_name}": "Mangler parameteren: {param_name}",
    "No such command {name!r}.": "Kommandoen {name!r} findes ikke.",
    "No such option {name!r}.": "Tilvalget {name!r} findes ikke.",
    "Option {name!r} does not take a value.": "Tilvalget {name!r} tager ingen værdi.",
    "Invalid value for {param_hint}: {message}": "Ugyldig værdi for {param_hint}: {message}",
    "Invalid value: {message}": "Ugyldig værdi: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} er ikke et gyldigt tal.",
    "{value} is not in the range {range}.": "{value} ligger ikke i intervallet {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} findes ikke.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} er en mappe.",
    "{name} {filename!r} is a file.": "{name} {filename!r} er en fil.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} kan ikke læses.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} kan ikke skrives.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} kan ikke køres.",
    "Could not open file {filename!r}: {message}": "Kunne ikke åbne filen {filename!r}: {message}",
    "file": "filen",
    "directory": "mappen",
    "path": "stien",
    "Choose from:\n\t{choices}": "Vælg mellem:\n\t{choices}",
    "default: {default}": "standard: {default}",
    "env var: {var}": "miljøvariabel: {var}",
    "Repeat for confirmation": "Gentag for at bekræfte",
    "Error: The two entered values do not match.": "Fejl: De to indtastninger er ikke ens.",
    "Error: invalid input": "Fejl: ugyldigt input",
    "Do you want to continue?": "Vil du fortsætte?",
    "Confirm the action without prompting.": "Bekræft uden at spørge.",
    "Press any key to continue...": "Tryk på en tast for at fortsætte ...",
    "Argument {name!r} takes {nargs} values.": "Argumentet {name!r} tager {nargs} værdier.",
}
DANISH_PLURAL: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "Et argument for meget ({args})", "Argumenter for meget ({args})"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "Tilvalget {name!r} kræver en værdi.", "Tilvalget {name!r} kræver {nargs} værdier."),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "Mente du {possibility}?", "(Mente du en af: {possibilities}?)"),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "{value!r} er ikke {choice}.", "{value!r} er ikke en af {choices}."),
    ("{value!r} does not match the format {format}.",
     "{value!r} does not match the formats {formats}."): (
        "{value!r} passer ikke til formatet {format}.",
        "{value!r} passer ikke til formaterne {formats}."),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): (
        "Tager {nargs} værdier, men 1 blev givet.", "Tager {nargs} værdier, men {len} blev givet."),
}
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types",
                 "utils")


def gettext(message: str) -> str:
    return DANISH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    one, many = DANISH_PLURAL.get((singular, plural), (singular, plural))
    return one if n == 1 else many


def install() -> None:
    """Click speaks Danish from here on (before any command is declared: option help texts
    such as --help's are translated when the option is made)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


OPTIONS_METAVAR = "[TILVALG]"
SUBCOMMAND_METAVAR = "KOMMANDO [ARGUMENTER]..."


class DanishCommand(click.Command):
    """A command whose usage line says [TILVALG], not [OPTIONS]."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)


class DanishGroup(click.Group):
    """A group whose usage line and subcommands speak Danish too."""

    command_class = DanishCommand
    group_class: type[click.Group] | type[type] | None = type  # subgroups: this class

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)
