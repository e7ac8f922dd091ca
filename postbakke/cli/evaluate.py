"""`postbakke eval`: a workspace scored against a generated truth file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from postbakke.cli.base import Context, cli
from postbakke.errors import ExitCode

_RATE = click.FloatRange(0.0, 1.0)


@cli.command("eval")
@click.argument("truth", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--min-split", type=_RATE, help="Mindste andel breve med rigtig opdeling (0-1).")
@click.option("--min-recipient", type=_RATE, help="Mindste andel rigtige modtagere (0-1).")
@click.option("--min-sender", type=_RATE, help="Mindste andel rigtige afsendere (0-1).")
@click.option("--min-department", type=_RATE, help="Mindste andel rigtige afdelinger (0-1).")
@click.option("--min-verdict", type=_RATE, help="Mindste andel rigtige vurderinger (0-1).")
@click.option("--min-leak-precision", type=_RATE, help="Mindste læk-præcision (0-1).")
@click.option("--min-leak-recall", type=_RATE, help="Mindste læk-genkaldelse (0-1).")
@click.option("--max-wrong-leaks", type=click.IntRange(min=0),
              help="Højst så mange forkerte læk.")
@click.option("--verbose", "-v", is_flag=True, help="Vis hvert brev, der ikke stemmer med facit.")
@click.pass_obj
def evaluate_command(obj: Context, truth: Path, verbose: bool, **limits: Any) -> None:
    """Sammenlign arbejdsmappens breve med et facit (TRUTH.json) og vis træfsikkerheden."""
    from postbakke.samples.evaluate import (
        Thresholds,
        check_thresholds,
        evaluate,
        format_evaluation,
        load_truth_file,
    )

    truths = load_truth_file(truth)
    result = evaluate(truths, list(obj.store().letters.export()), obj.secret())
    click.echo(format_evaluation(result))
    if verbose:
        for line in result.problems:
            click.echo(line)
    missed = check_thresholds(result, Thresholds(**limits))
    for line in missed:
        click.echo(f"Under kravet: {line}", err=True)
    if missed:
        sys.exit(int(ExitCode.FILES_FAILED))  # below a threshold: a script or CI sees it
