"""Every command explains itself, in Danish."""

from __future__ import annotations

import click
from click.testing import CliRunner

from postbakke.cli import cli


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_every_command_has_help():
    runner = CliRunner()
    for path, command in all_commands(cli):
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert command.help and len(command.help) > 10, f"{' '.join(path)} has no help"


def test_unknown_command_is_one_line_and_exit_2():
    result = CliRunner().invoke(cli, ["skan"])
    assert result.exit_code == 2


# Words of click's own that must not reach a mailroom: its usage, help and error lines.
ENGLISH = ("Usage:", "Options:", "Commands:", "Show this message", "Show the version",
           "[OPTIONS]", "COMMAND", "Try '", "Error:", "No such", "Missing argument",
           "Invalid value", "does not exist", "Got unexpected", "Did you mean")


def test_every_help_page_speaks_danish_also_in_clicks_own_words():
    runner = CliRunner()
    for path, _ in [((), cli), *all_commands(cli)]:
        text = runner.invoke(cli, [*path, "--help"], prog_name="postbakke").output
        english = [word for word in ENGLISH if word in text]
        assert not english, f"postbakke {' '.join(path)} --help: {english}"
        assert "Brug: postbakke" in text and "Vis denne hjælp og afslut." in text


def test_clicks_errors_are_danish(tmp_path):
    runner = CliRunner()
    cases = [
        (["skan"], "Kommandoen 'skan' findes ikke."),
        (["scan", "--nope"], "Tilvalget '--nope' findes ikke."),
        (["scan"], "Mangler argumentet 'FILER...'."),
        (["review", "decide"], "Mangler argumentet 'NR'."),
        (["review", "decide", "tre"], "Ugyldig værdi for 'NR': 'tre' er ikke et gyldigt tal."),
        (["watch", str(tmp_path / "ingen")], "findes ikke"),
        (["review", "list", "ekstra"], "Et argument for meget (ekstra)"),
    ]
    for args, expected in cases:
        result = runner.invoke(cli, args, prog_name="postbakke")
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.output, (args, result.output)
        assert "Fejl: " in result.output and "Se 'postbakke" in result.output, result.output
        english = [word for word in ENGLISH if word in result.output]
        assert not english, (args, english, result.output)
