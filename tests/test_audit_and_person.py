"""The audit log is append-only; person show needs a reason and shows no one else."""

from __future__ import annotations

import sqlite3

import pytest

from postbakke.store import Store


def test_the_audit_log_refuses_changes_and_deletions(workspace) -> None:
    store = Store(workspace / "postbakke.db")
    store.audit.log("mesk", "person vist", "010203-XXXX", "anmodning 14")
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.db.execute(sql)
    [entry] = store.audit.entries()
    assert (entry["actor"], entry["action"], entry["reason"]) == ("mesk", "person vist",
                                                                  "anmodning 14")


def test_a_cpr_typed_into_an_audit_reason_is_stored_masked(workspace) -> None:
    store = Store(workspace / "postbakke.db")
    store.audit.log("mesk", "person vist", None, "borger 010203-1234 ringede")
    assert store.audit.entries()[0]["reason"] == "borger 010203-XXXX ringede"


def test_person_show_without_a_reason_is_refused_and_without_data_says_so(run) -> None:
    result = run("person", "show", "--reason", " ", input="0102031234\n")
    assert result.exit_code != 0 and "begrundelse" in result.output
    assert "0102031234" not in result.output
    result = run("person", "show", "--reason", "anmodning 1", input="0102031234\n")
    assert result.exit_code == 0, result.output
    assert "Borger 010203-XXXX" in result.output and "Breve: 0" in result.output
    assert "1234" not in result.output.replace("XXXX", "")
    audit = run("audit")
    assert "person vist" in audit.output and "anmodning 1" in audit.output


def test_purge_dry_run_lists_and_deletes_nothing(run, workspace) -> None:
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "postbakke.toml").write_text("retention_days = 0\n", encoding="utf-8")
    pages = workspace / "sider" / "abc"
    pages.mkdir(parents=True)
    orphan = pages / "0123456789abcdef-p001.png"
    orphan.write_bytes(b"png")
    import os
    os.utime(orphan, (0, 0))  # old enough to be swept although no letter refers to it
    result = run("purge", "--dry-run")
    assert result.exit_code == 0 and str(orphan) in result.output and orphan.exists()
    result = run("purge")
    assert result.exit_code == 0 and not orphan.exists()
