"""Reading figures back out of the report's HTML and the public pages, as a reader sees them."""

from __future__ import annotations


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
