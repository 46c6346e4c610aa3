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
