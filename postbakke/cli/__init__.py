"""The command line: parse, call one function, print (in Danish).

One module per command group; each adds its commands to the root group `cli`
(base.py), which holds the single error boundary: a PostbakkeError becomes one
line on stderr and its exit code; `--debug` shows the traceback instead.
"""

from __future__ import annotations

# each module adds its commands to `cli` when imported
from postbakke.cli import (  # noqa: F401
    admin,
    decisions,
    outputs,
    person,
    registers,
    scanning,
)
from postbakke.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="postbakke")
