"""Schema versions: an older workspace is backed up and upgraded, a newer one refused."""

from __future__ import annotations

import ast
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from postbakke import migrations
from postbakke.cli import cli
from postbakke.errors import ExitCode, WorkspaceVersionError
from postbakke.migrations import SCHEMA_VERSION, Migration, backup_path
from postbakke.store import Store

# A workspace database written by postbakke before schema versions were kept
# (see fixtures/README.md): two generated letters, both leaks, their follow-ups.
V1_WORKSPACE = Path(__file__).parent / "fixtures" / "workspace-v1.db"
V1_TABLES = ("files", "letters", "failures", "enrolment", "staff", "register_imports",
             "digital_counts", "decisions", "followups", "followup_letters", "decision_log",
             "review_postponed", "web_users", "digest_sends")


def rows(path: Path, table: str, columns: str = "*") -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT {columns} FROM {table} ORDER BY rowid").fetchall()


def columns(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


@pytest.fixture
def old_workspace(tmp_path: Path) -> Path:
    """A copy of the v1 workspace database (the fixture itself is never opened)."""
    home = tmp_path / "arbejdsmappe"
    home.mkdir()
    db = home / "postbakke.db"
    shutil.copyfile(V1_WORKSPACE, db)
    return db


def test_the_fixture_is_a_workspace_from_before_versions():
    assert user_version(V1_WORKSPACE) == 0
    assert V1_WORKSPACE.stat().st_size < 100_000
    assert len(rows(V1_WORKSPACE, "letters")) == 2


def test_an_old_workspace_is_backed_up_and_upgraded_with_its_letters_intact(old_workspace):
    """GIVEN a workspace written before schema versions, WHEN postbakke opens it,
    THEN a copy is kept next to it and it is upgraded, every row as it was."""
    before = {t: rows(old_workspace, t) for t in V1_TABLES}
    old_columns = {t: columns(old_workspace, t) for t in V1_TABLES}
    store = Store(old_workspace)
    exported = list(store.letters.export())
    store.close()
    assert user_version(old_workspace) == SCHEMA_VERSION
    for table in V1_TABLES:
        assert rows(old_workspace, table, ", ".join(old_columns[table])) == before[table], table
    assert [(r["source"], r["verdict"], r["reason"]) for r in exported] == [
        ("brev-001.pdf", "leak", "enrolled"), ("brev-002.pdf", "leak", "enrolled")]
    backup = backup_path(old_workspace, 1)
    assert backup.name == "postbakke.db.bak-v1"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert user_version(backup) == 0
    assert {t: rows(backup, t) for t in V1_TABLES} == before
    assert not backup.with_name(backup.name + ".tmp").exists()


def test_an_upgraded_workspace_has_the_work_stations_columns_empty_for_old_letters(
    old_workspace,
):
    Store(old_workspace).close()
    assert {"recipient_block", "field_boxes"} <= set(columns(old_workspace, "letters"))
    assert rows(old_workspace, "letters", "recipient_block, field_boxes") == [(None, None)] * 2
    store = Store(old_workspace)
    letter = store.letters.get(1)
    assert letter is not None and letter.recipient_block is None and letter.field_boxes is None


def test_an_upgraded_workspace_is_opened_without_a_new_backup(old_workspace):
    Store(old_workspace).close()
    backup_path(old_workspace, 1).unlink()
    Store(old_workspace).close()
    assert not backup_path(old_workspace, 1).exists()


def test_a_fresh_workspace_gets_the_newest_version_and_no_backup(tmp_path):
    db = tmp_path / "postbakke.db"
    Store(db).close()
    assert user_version(db) == SCHEMA_VERSION
    assert [p.name for p in tmp_path.iterdir() if ".bak" in p.name] == []


def test_a_newer_workspace_is_refused_and_left_untouched(old_workspace):
    Store(old_workspace).close()
    with sqlite3.connect(old_workspace) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(WorkspaceVersionError) as refused:
        Store(old_workspace)
    assert "nyere udgave af postbakke" in str(refused.value)
    assert refused.value.exit_code == ExitCode.CONFIG
    assert user_version(old_workspace) == SCHEMA_VERSION + 1


def test_the_cli_refuses_a_newer_workspace_in_one_danish_line(workspace):
    Store(workspace / "postbakke.db").close()
    with sqlite3.connect(workspace / "postbakke.db") as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    result = CliRunner().invoke(cli, ["letters"])
    assert result.exit_code == ExitCode.CONFIG
    assert result.output.startswith("Fejl: Databasen ")
    assert f"skemaversion {SCHEMA_VERSION + 1}" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_failing_step_leaves_the_old_workspace_as_it_was(old_workspace, monkeypatch):
    """All steps run in one transaction: a step that fails undoes the ones before it."""
    def breaks(db) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("step failed")

    failing = (*migrations.MIGRATIONS, Migration(SCHEMA_VERSION + 1, "breaks", breaks))
    monkeypatch.setattr(migrations, "MIGRATIONS", failing)
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    before = columns(old_workspace, "letters")
    with pytest.raises(RuntimeError):
        Store(old_workspace)
    assert user_version(old_workspace) == 0
    assert columns(old_workspace, "letters") == before
    assert "half_done" not in {r[0] for r in rows(old_workspace, "sqlite_master", "name")}
    assert backup_path(old_workspace, 1).exists()


def test_an_upgraded_workspace_knows_the_kind_of_each_old_letter(old_workspace):
    """Step 3 fills letters.kind from the subjects already stored: the same kinds the
    report counted before, now without reading every subject again."""
    from postbakke.letters.subjects import letter_kind

    Store(old_workspace).close()
    stored = rows(old_workspace, "letters", "subject, kind")
    assert stored and all(kind == letter_kind(subject) for subject, kind in stored)


def test_step_7_keeps_the_enclosure_findings_the_old_verdicts_recorded(old_workspace):
    """Step 7 adds letters.physical_enclosure/unplaced_enclosure. An old letter's own
    verdict tells what the scan read (legitimate for a physical enclosure, review for an
    unclear one); of every other old letter it is not known (NULL: a decision falls back
    to the text while it is kept)."""
    with sqlite3.connect(old_workspace) as db:
        db.execute("UPDATE letters SET verdict = 'legitimate', reason = 'physical_enclosure', "
                   "ocr_text = NULL WHERE id = 1")
    Store(old_workspace).close()
    assert {"physical_enclosure", "unplaced_enclosure"} <= set(columns(old_workspace, "letters"))
    assert rows(old_workspace, "letters", "id, physical_enclosure, unplaced_enclosure") == [
        (1, 1, None), (2, None, None)]
    store = Store(old_workspace)
    assert (store.letters.get(1).physical_enclosure, store.letters.get(2).physical_enclosure) == (
        True, None)


def test_an_enclosure_letter_from_an_old_workspace_decided_after_retention_stays_legitimate(
    old_workspace,
):
    """The old workspace's letter legitimate for its enclosure, its text since removed:
    a person's decision (its recipient enrolled) keeps it legitimate."""
    from postbakke.models import Decision, IdKind
    from postbakke.people.review import record_decision

    with sqlite3.connect(old_workspace) as db:
        db.execute("UPDATE letters SET verdict = 'legitimate', reason = 'physical_enclosure', "
                   "ocr_text = NULL WHERE id = 1")
        pseudonym, masked = db.execute(
            "SELECT recipient_pseudonym, recipient_masked FROM letters WHERE id = 1").fetchone()
    store = Store(old_workspace)
    entry = store.registers.enrolment_entry(pseudonym)
    assert entry is not None and entry.status.value == "tilmeldt"
    decided = record_decision(store, 1, Decision(
        recipient_kind=IdKind.CPR, recipient_pseudonym=pseudonym, recipient_masked=masked))
    assert (decided.verdict, decided.reason) == ("legitimate", "physical_enclosure")
    store.close()


def test_no_step_runs_the_live_rules():
    """A released step never changes: migrations.py imports nothing of the product but its
    errors, so a step that derives values (step 3's kinds) carries its rule as released."""
    tree = ast.parse(Path(migrations.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert {m for m in imported if m and m.startswith("postbakke")} == {"postbakke.errors"}
