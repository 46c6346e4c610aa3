"""Reading the tables of a page back as a reader sees them: the one HTML table reader.

The results pages, the gap pages, the report and the public pages are checked against the
figures they show; all of them are read here, with the standard library's HTML parser, so a
change of markup is followed in one place. A cell's text is what a reader sees: entities
decoded, each tag read as a space, runs of white space made one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    """One ``<td>`` or ``<th>``: its text as given (``raw``) and its ``data-col``, if any."""

    header: bool
    col: str | None
    raw: str = ""
    spaced: list[str] = field(default_factory=list)  # the texts, with a space for each tag

    @property
    def text(self) -> str:
        return " ".join("".join(self.spaced).split())


@dataclass
class Row:
    """One ``<tr>``: its cells, its ``data-cell`` key, its section and all its text as given."""

    key: str | None
    in_body: bool
    cells: list[Cell] = field(default_factory=list)
    raw: str = ""


@dataclass
class Table:
    """One ``<table>``: the id of its ``<caption>`` ("" without one) and its rows in order."""

    caption: str | None = None
    rows: list[Row] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.links: list[str] = []
        self.rows: list[Row] = []  # every row in page order, in a table or not (a fragment's)
        self._table: Table | None = None
        self._row: Row | None = None
        self._cell: Cell | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "table":
            self._table = Table()
            self.tables.append(self._table)
        elif tag == "caption" and self._table is not None:
            self._table.caption = a.get("id") or ""
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr":
            self._row = Row(a.get("data-cell"), self._in_body)
            self.rows.append(self._row)
            if self._table is not None:
                self._table.rows.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = Cell(tag == "th", a.get("data-col") if tag == "td" else None)
            self._row.cells.append(self._cell)
        elif self._cell is not None:
            self._cell.spaced.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._cell = None
        elif tag == "tr":
            self._row = self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = self._row = self._cell = None
        elif self._cell is not None:
            self._cell.spaced.append(" ")

    def handle_data(self, data: str) -> None:
        if self._row is not None:
            self._row.raw += data
        if self._cell is not None:
            self._cell.raw += data
            self._cell.spaced.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def tables(html: str) -> dict[str, list[list[str]]]:
    """Every captioned table's rows (head and body) as lists of cell texts, by caption id."""
    return {
        t.caption: [[c.text for c in r.cells] for r in t.rows]
        for t in read(html).tables
        if t.caption is not None
    }


def table(page: str, table_id: str) -> list[list[str]]:
    """The body rows of the table captioned ``{table_id}-caption`` as lists of cell texts."""
    found = tables_by_caption(page).get(f"{table_id}-caption")
    if found is None:
        raise ValueError(f"no table captioned {table_id}-caption")
    return [[c.text for c in r.cells] for r in found.rows if r.in_body]


def tables_by_caption(page: str) -> dict[str, Table]:
    return {t.caption: t for t in read(page).tables if t.caption is not None}


def cells(html: str) -> dict[str, dict[str, str]]:
    """Every row marked ``data-cell="unit|role|index"`` → {column: text as given} of its
    ``<td data-col=…>``, plus ``"text"``: all the row's text. A key shown again (a later table)
    adds its text to the first row's, and its columns replace the first row's."""
    found: dict[str, dict[str, str]] = {}
    for row in read(html).rows:
        if row.key is None:
            continue
        entry = found.setdefault(row.key, {"text": ""})
        entry["text"] += row.raw
        entry.update({c.col: c.raw for c in row.cells if c.col})
    return found


def links(html: str) -> list[str]:
    """Every link's ``href``, in page order."""
    return read(html).links
