"""Shared fixtures: a fresh workspace, the CLI runner, ID helpers for fictional people."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from municipality import configure_municipality
from workspace_secret import TEST_SECRET

from postbakke.cli import cli

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def valid_cvr(rng: random.Random) -> str:
    """A random 8-digit number that passes the CVR modulus-11 check."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
        if sum(w * d for w, d in zip(CVR_WEIGHTS, digits, strict=True)) % 11 == 0:
            return "".join(map(str, digits))


@pytest.fixture(autouse=True, scope="session")
def private_umask():
    """The umask the CLI and the web app set at start (privacy.restrict_new_files), also for
    tests that call the library directly; test_file_modes checks the CLI sets it itself."""
    import os

    old = os.umask(0o077)
    yield
    os.umask(old)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace that names its municipality (Favrskov Kommune, CVR 29189714)."""
    home = tmp_path / "arbejdsmappe"
    configure_municipality(home)
    monkeypatch.setenv("POSTBAKKE_HOME", str(home))
    monkeypatch.setenv("POSTBAKKE_SECRET", TEST_SECRET)
    monkeypatch.delenv("POSTBAKKE_OWN_CVR", raising=False)
    return home


@pytest.fixture
def run(workspace: Path):
    """Run the CLI in the workspace; returns click's Result."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        args_list = list(args)
        if "--cpr" in args_list and input is None:
            # a CPR is typed at the prompt, never given on the command line: the value
            # written after --cpr in a test is what the person types
            at = args_list.index("--cpr")
            if at + 1 < len(args_list) and not args_list[at + 1].startswith("--"):
                input = args_list.pop(at + 1) + "\n"
        return runner.invoke(cli, args_list, catch_exceptions=False, input=input)

    return invoke
