"""Fixtures for the sample generator's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from postbakke_samples.eval_command import eval_command
from postbakke_samples.world import World, make_world


@pytest.fixture(scope="module")
def world() -> World:
    """One fictional world per test module (seed 11)."""
    return make_world(11)


@pytest.fixture
def run_eval(workspace: Path):
    """Run `postbakke-eval` in the workspace (as `run` runs `postbakke`); click's Result."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(eval_command, list(args), catch_exceptions=False)

    return invoke
