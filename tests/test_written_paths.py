"""Every file the tool writes lives in the workspace, and `purge` deletes only those
(issue 21 item 6).

GIVEN a workspace ($POSTBAKKE_HOME) and a shell standing in another folder that has a
      reports/ of its own (someone else's, named like ours)
WHEN `report` and `digest --dry-run` run there, time passes, and `purge` runs from yet
     another folder
THEN the report and the .eml files were written under $POSTBAKKE_HOME/reports/, and
     purge deletes exactly those: not the other folder's reports/, not a file of
     someone's own beside ours.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from digest_fixtures import prepare

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.retention import purge_expired
from postbakke.store import Store


def age(path: Path, days: int) -> None:
    stamp = (datetime.now(UTC) - timedelta(days=days)).timestamp()
    os.utime(path, (stamp, stamp))


def test_purge_from_another_folder_deletes_exactly_what_the_tool_wrote(
        workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prepare(workspace)
    (workspace / "postbakke.toml").write_text(
        (workspace / "postbakke.toml").read_text(encoding="utf-8").replace(
            "[municipality]", "retention_days = 30\n\n[municipality]", 1), encoding="utf-8")
    elsewhere = tmp_path / "et-andet-sted"
    theirs = elsewhere / "reports" / "rapport-2026-W48.html"  # same name, not ours
    theirs_mail = elsewhere / "reports" / "outbox" / "2026-W48-jobcenter.eml"
    for path in (theirs, theirs_mail):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("deres egen fil", encoding="utf-8")
        age(path, 400)
    monkeypatch.chdir(elsewhere)
    runner = CliRunner()
    written = runner.invoke(cli, ["report", "--week", "2026-W48"])
    assert written.exit_code == 0, written.output
    mailed = runner.invoke(cli, ["digest", "--week", "2026-W48", "--dry-run"])
    assert mailed.exit_code == 0, mailed.output
    ours = sorted(p for p in (workspace / "reports").rglob("*") if p.is_file())
    assert [p.name for p in ours if p.suffix != ".eml"] == [
        "rapport-2026-W48-laek.csv", "rapport-2026-W48.html"]
    assert len([p for p in ours if p.suffix == ".eml"]) >= 4
    assert str(workspace / "reports" / "rapport-2026-W48.html") in written.output
    folder = workspace / "reports"
    own_notes = [folder / "noter.html", folder / "rapport-udkast.html",
                 folder / "outbox" / "kladde.eml"]
    for path in own_notes:
        path.write_text("min egen fil", encoding="utf-8")
    for path in [*ours, *own_notes]:
        age(path, 40)
    third = tmp_path / "tredje"
    third.mkdir()
    monkeypatch.chdir(third)
    settings = load_settings()
    result = purge_expired(Store(settings.db_path), settings)
    assert result.reports == len(ours)
    assert sorted(result.listed) == sorted(str(p) for p in ours)
    assert not any(p.exists() for p in ours)
    assert all(p.exists() for p in own_notes)
    assert theirs.read_text(encoding="utf-8") == "deres egen fil" and theirs_mail.exists()


def test_the_reports_folder_is_the_workspaces_in_the_settings(workspace: Path) -> None:
    settings = load_settings()
    assert settings.reports_dir == workspace / "reports"
    assert settings.outbox_dir == workspace / "reports" / "outbox"
