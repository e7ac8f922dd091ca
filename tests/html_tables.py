"""Read the report's tables back from its HTML with the standard library's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Row:
    table: dict[str, str]  # the enclosing <table>'s attributes (id, data-department, ...)
    attrs: dict[str, str]  # the <tr>'s attributes
    cells: list[str] = field(default_factory=list)  # every <td>'s text
    fields: dict[str, str] = field(default_factory=dict)  # <td data-field=...> text


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[Row] = []
        self.tables: list[dict[str, str]] = []
        self.row: Row | None = None
        self.cell: list[str] | None = None
        self.cell_field: str | None = None
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "table":
            self.tables.append(values)
        elif tag == "tr" and self.tables:
            self.row = Row(self.tables[-1], values)
        elif tag in ("td", "th") and self.row is not None:
            self.cell, self.cell_field = [], values.get("data-field")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.tables:
            self.tables.pop()
        elif tag == "tr" and self.row is not None:
            if self.row.cells:
                self.rows.append(self.row)
            self.row = None
        elif tag == "td" and self.row is not None and self.cell is not None:
            text = " ".join("".join(self.cell).split())
            self.row.cells.append(text)
            if self.cell_field:
                self.row.fields[self.cell_field] = text
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        self.text.append(data)


def parse(html: str) -> _Parser:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser


def rows_of(html: str, **table_attrs: str) -> list[Row]:
    """The body rows of the table(s) whose attributes include table_attrs (id=..., ...)."""
    wanted = {k.replace("_", "-"): v for k, v in table_attrs.items()}
    return [
        r for r in parse(html).rows
        if all(r.table.get(k) == v for k, v in wanted.items())
    ]


def by(rows: list[Row], attr: str) -> dict[str, dict[str, str]]:
    """{row's attribute value: its data-field cells}."""
    return {r.attrs[attr]: r.fields for r in rows if attr in r.attrs}


def tags(html: str) -> list[tuple[str, dict[str, str]]]:
    return parse(html).tags
