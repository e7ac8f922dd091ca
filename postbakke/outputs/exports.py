"""The letters export of the contract: `postbakke letters --format table|csv|jsonl`.

jsonl and csv are written a row at a time as the store yields them, so a
year's letters never sit in memory at once; the table needs every row to know
its column widths, and is for reading on a screen anyway.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from postbakke.outputs.wording import VERDICT_DA, format_table, reason_da
from postbakke.store import EXPORT_FIELDS

EXPORT_FORMATS = ("table", "csv", "jsonl")
NO_LETTERS = "Ingen breve er scannet endnu."
TABLE_HEADER = ("Nr", "Fil", "Sider", "Afdeling", "Afsender", "Modtager", "Vurdering", "Årsag")

Row = Mapping[str, Any]


def letter_lines(letters: Iterable[Row], fmt: str) -> Iterator[str]:
    """The export of `letters` (rows as `store.letters.export()` yields them), a line at a time."""
    if fmt == "jsonl":
        return jsonl_lines(letters)
    if fmt == "csv":
        return csv_lines(letters)
    if fmt == "table":
        return iter(table_lines(letters))
    raise ValueError(f"unknown export format {fmt!r}")


def jsonl_lines(letters: Iterable[Row]) -> Iterator[str]:
    """One JSON object per letter with the contract's fields, in their order."""
    for row in letters:
        yield json.dumps({k: row[k] for k in EXPORT_FIELDS}, ensure_ascii=False)


def csv_lines(letters: Iterable[Row]) -> Iterator[str]:
    """A header, then one CSV row per letter: pages as "1,2", window_cpr as true/false,
    duplicate_of as its JSON object (empty when the letter is not a copy)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(values: Iterable[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue().removesuffix("\n")

    yield line(EXPORT_FIELDS)
    for row in letters:
        values = dict(row)
        values["pages"] = ",".join(str(p) for p in row["pages"])
        values["window_cpr"] = "true" if row["window_cpr"] else "false"
        if row["duplicate_of"] is not None:
            values["duplicate_of"] = json.dumps(row["duplicate_of"], ensure_ascii=False)
        yield line("" if values[k] is None else values[k] for k in EXPORT_FIELDS)


def table_lines(letters: Iterable[Row]) -> list[str]:
    """A table for the screen, in Danish; a sentence instead when there are no letters."""
    rows = [
        (r["id"], r["source"], ",".join(map(str, r["pages"])), r["department"],
         r["sender"], r["recipient_masked"],
         VERDICT_DA[r["verdict"]] + (" (kopi)" if r.get("duplicate_of") else ""),
         reason_da(r["reason"]))
        for r in letters
    ]
    if not rows:
        return [NO_LETTERS]
    return format_table(TABLE_HEADER, rows)
