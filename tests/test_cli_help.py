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
