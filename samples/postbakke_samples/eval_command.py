"""`postbakke-eval TRUTH.json`: how right the workspace's letters are against a generated truth.

The generator's own command, beside the product's `postbakke` (which never imports the
generator): it opens the workspace through the product's public names (settings, store,
the pseudonym secret), scores the letters export with `evaluate` and prints the table in
Danish. Exit 1 when a score is below a `--min-...`/`--max-...` limit, so a script or CI
sees it; any error of the product is one Danish line and its exit status.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from postbakke.config import load_settings
from postbakke.errors import ExitCode, PostbakkeError
from postbakke.privacy import load_or_create_secret
from postbakke.store import Store
from postbakke_samples.evaluate import (
    Thresholds,
    check_thresholds,
    evaluate,
    format_evaluation,
    load_truth_file,
)

_RATE = click.FloatRange(0.0, 1.0)


@click.command("postbakke-eval")
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
@click.option("--max-silent-misses", type=click.IntRange(min=0),
              help="Højst så mange tavse svigt (læk ifølge facit, vurderet lovlige).")
@click.option("--verbose", "-v", is_flag=True, help="Vis hvert brev, der ikke stemmer med facit.")
def eval_command(truth: Path, verbose: bool, **limits: Any) -> None:
    """Sammenlign arbejdsmappens breve med et facit (TRUTH.json) og vis træfsikkerheden."""
    try:
        truths = load_truth_file(truth)
        settings = load_settings()
        store = Store(settings.db_path)
        try:
            result = evaluate(truths, list(store.letters.export()),
                              load_or_create_secret(settings.home, settings.secret))
        finally:
            store.close()
    except PostbakkeError as error:
        click.echo(f"Fejl: {error}", err=True)
        sys.exit(int(error.exit_code))
    click.echo(format_evaluation(result))
    if verbose:
        for line in result.problems:
            click.echo(line)
    missed = check_thresholds(result, Thresholds(**limits))
    for line in missed:
        click.echo(f"Under kravet: {line}", err=True)
    if missed:
        sys.exit(int(ExitCode.FILES_FAILED))  # below a threshold: a script or CI sees it


def main() -> None:
    eval_command(prog_name="postbakke-eval")
