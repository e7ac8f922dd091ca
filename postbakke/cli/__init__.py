"""The command line: parse, call one function, print (in Danish).

One module per command group; each adds its commands to the root group `cli`
(base.py) when imported, and `cli` imports a command's module when that command runs
(base.COMMAND_MODULES), or all of them to list them. The root holds the single error
boundary: a PostbakkeError becomes one line on stderr and its exit code; `--debug`
shows the traceback instead.
"""

from __future__ import annotations

from postbakke.cli.base import cli, load_all_commands

__all__ = ["cli", "load_all_commands", "main"]


def main() -> None:
    cli(prog_name="postbakke")
