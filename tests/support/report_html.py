"""Reading figures back out of the report's HTML and the public pages, as a reader sees them."""

from __future__ import annotations

from html.parser import HTMLParser


class _Cells(HTMLParser):
    """``<tr data-cell="unit|role|index">`` rows → {column: text} for ``<td data-col=…>``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.row: dict[str, str] | None = None
        self.col: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "tr" and a.get("data-cell"):
            self.row = self.rows.setdefault(str(a["data-cell"]), {"text": ""})
        elif tag == "td" and self.row is not None and a.get("data-col"):
            self.col = str(a["data-col"])
            self.row[self.col] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.col = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.row is not None:
            self.row["text"] += data
            if self.col is not None:
                self.row[self.col] += data


def cells(html: str) -> dict[str, dict[str, str]]:
    """Every row marked with ``data-cell`` (the first table that shows it wins)."""
    p = _Cells()
    p.feed(html)
    return p.rows


def links(html: str) -> list[str]:
    p = _Cells()
    p.feed(html)
    return p.links


def number(text: str, lang: str = "sv") -> float | None:
    """A figure as the report writes it (Swedish decimal comma, Unicode minus, grouping spaces
    or English grouping commas); None for "–"."""
    t = text.strip().replace("\u2212", "-").replace("\xa0", "").replace("\u202f", "")
    t = t.replace(" ", "")
    t = t.replace(",", ".") if lang == "sv" else t.replace(",", "")
    t = t.lstrip("+")
    if t in ("–", ""):
        return None
    return float(t)


class _Grid(HTMLParser):
    """``<tr data-line="unit|role">`` rows of the PDF's appendix grid → the text each cell shows.

    The header's ``<th scope="col" data-index="ix">`` name the index columns once; a body cell
    is the index at its place in the row, and a cell with ``colspan`` shows its text for each
    index it spans, as a reader lines it up under the headers."""

    def __init__(self) -> None:
        super().__init__()
        self.columns: list[str] = []
        self.cells: dict[str, str] = {}
        self.line: str | None = None
        self.at = 0
        self.keys: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "th" and a.get("data-index"):
            self.columns.append(str(a["data-index"]))
        elif tag == "tr" and a.get("data-line"):
            self.line, self.at = str(a["data-line"]), 0
        elif tag == "td" and self.line is not None:
            span = int(a.get("colspan") or 1)
            ids = self.columns[self.at : self.at + span]
            assert len(ids) == span, f"{self.line}: a cell beyond the last index column"
            self.at += span
            self.keys = [f"{self.line}|{ix}" for ix in ids]
            for key in self.keys:
                self.cells[key] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.keys = []
        elif tag == "tr" and self.line is not None:
            assert self.at == len(self.columns), f"{self.line}: {self.at} of {len(self.columns)}"
            self.line = None

    def handle_data(self, data: str) -> None:
        for key in self.keys:
            self.cells[key] += data


def grid_cells(html: str) -> dict[str, str]:
    """Every index of every line of the PDF's appendix grid (``<table id="cells">``) by
    ``unit|role|index``: the figure, "–" when hidden, "" when the index is not for the role."""
    p = _Grid()
    p.feed(html.split('<table id="cells">', 1)[1].split("</table>", 1)[0])
    return p.cells
