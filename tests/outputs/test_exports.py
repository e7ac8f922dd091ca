"""The letters export (outputs/exports.py): the contract's jsonl, csv and table, streamed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from postbakke.outputs.exports import NO_LETTERS, csv_lines, jsonl_lines, letter_lines
from postbakke.outputs.wording import REASON_DA
from postbakke.store import EXPORT_FIELDS, LetterRecord, Store, StoredFile


def record(file_hash: str, first_page: int, **changes: object) -> LetterRecord:
    values: dict = dict(
        file_hash=file_hash, source="bakke.pdf", pages=[first_page, first_page + 1],
        tray="Jobcenter", scanned_on="2026-11-25", recipient_kind="cpr",
        recipient_pseudonym="ab" * 32, recipient_masked="010203-XXXX", match="id",
        enrolment="tilmeldt", department="Jobcenter", sender="Anne Mette Holm",
        verdict="leak", reason="enrolled", window_cpr=False,
    )
    values.update(changes)
    return LetterRecord(**values)


def store_with_two_letters(tmp_path) -> Store:
    store = Store(tmp_path / "postbakke.db")
    store.files.save(
        StoredFile("h1", "bakke.pdf", "Jobcenter", "2026-11-25", 4, "now"),
        [record("h1", 1),
         record("h1", 3, recipient_kind=None, recipient_pseudonym=None, recipient_masked=None,
                match=None, enrolment=None, sender='Ib "Bogholder", Løn', verdict="review",
                reason="no_recipient", window_cpr=True)],
    )
    return store


def test_jsonl_gives_the_contracts_fields_one_object_a_line(tmp_path):
    lines = list(letter_lines(store_with_two_letters(tmp_path).letters.export(), "jsonl"))
    first, second = (json.loads(line) for line in lines)
    assert list(first) == list(EXPORT_FIELDS)
    assert first["pages"] == [1, 2] and first["window_cpr"] is False
    assert second["recipient_masked"] is None and second["window_cpr"] is True
    assert "Løn" in lines[1]  # not \u-escaped


def test_csv_gives_a_header_and_the_same_columns(tmp_path):
    lines = list(letter_lines(store_with_two_letters(tmp_path).letters.export(), "csv"))
    rows = list(csv.DictReader(io.StringIO("\n".join(lines) + "\n")))
    assert lines[0] == ",".join(EXPORT_FIELDS)
    assert [r["pages"] for r in rows] == ["1,2", "3,4"]
    assert [r["window_cpr"] for r in rows] == ["false", "true"]
    assert rows[1]["recipient_masked"] == "" and rows[1]["sender"] == 'Ib "Bogholder", Løn'


def test_table_shows_verdicts_in_danish(tmp_path):
    lines = list(letter_lines(store_with_two_letters(tmp_path).letters.export(), "table"))
    assert lines[0].split() == ["Nr", "Fil", "Sider", "Afdeling", "Afsender", "Modtager",
                                "Vurdering", "Årsag"]
    assert "læk" in lines[2] and "til gennemsyn" in lines[3]
    # the reason as people say it, not the export's code ("enrolled")
    rows = list(store_with_two_letters(tmp_path / "igen").letters.export())
    for line, row in zip(lines[2:], rows, strict=True):
        assert REASON_DA[row["reason"]] in line and f" {row['reason']}" not in line


def test_no_letters_gives_a_sentence_a_bare_header_or_nothing(tmp_path):
    store = Store(tmp_path / "postbakke.db")
    assert list(letter_lines(store.letters.export(), "table")) == [NO_LETTERS]
    assert list(letter_lines(store.letters.export(), "csv")) == [",".join(EXPORT_FIELDS)]
    assert list(letter_lines(store.letters.export(), "jsonl")) == []


def test_jsonl_and_csv_write_each_row_before_reading_the_next(tmp_path):
    rows = list(store_with_two_letters(tmp_path).letters.export())
    read: list[int] = []

    def source() -> Iterator[dict]:
        for row in rows:
            read.append(row["id"])
            yield row

    for export in (jsonl_lines, csv_lines):
        read.clear()
        lines = export(source())
        next(lines)  # csv: the header, jsonl: the first letter
        assert len(read) <= 1, export.__name__


def test_letters_command_on_an_empty_workspace_does_not_crash(run):
    assert run("letters").output == NO_LETTERS + "\n"
    assert run("letters", "--format", "csv").output == ",".join(EXPORT_FIELDS) + "\n"
    assert run("letters", "--format", "jsonl").output == ""
