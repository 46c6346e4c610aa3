"""The competence-gap heatmap as an SVG file (units × categories, share below the role's target).

Served as a file because the CSP forbids inline style; presentation attributes only. Every
cell prints its share (or "–" where the figure is suppressed), and the five shades grow darker
with the share, so the map reads in greyscale and without colour at all. The page shows the
same cells as an HTML table; both come from ``gap_tables.heatmap``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from survey.results.gap_tables import HeatRow
from survey.results.numbers import percent
from survey.results.svg import esc as escape

#: Fill and text colour per band (light → dark); the text keeps a contrast of at least 4.5:1.
SHADES: tuple[tuple[str, str], ...] = (
    ("#f7fbff", "#000000"),
    ("#c6dbef", "#000000"),
    ("#6baed6", "#000000"),
    ("#2171b5", "#ffffff"),
    ("#08306b", "#ffffff"),
)
HIDDEN = ("#ffffff", "#1b1b1b")
LABEL_W, CELL_W, CELL_H, HEAD_H = 240, 96, 30, 150


@dataclass(frozen=True)
class Svg:
    text: str
    title: str
    alt: str


def heatmap_svg(
    rows: Sequence[HeatRow], headers: Sequence[str], title: str, alt: str, hidden_note: str
) -> Svg:
    """The heatmap of ``rows`` with column ``headers`` (category labels, in the cells' order)."""
    width = LABEL_W + CELL_W * len(headers) + 10
    height = HEAD_H + CELL_H * len(rows) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="t d" '
        'font-family="system-ui, Arial, sans-serif" font-size="13">',
        f'<title id="t">{escape(title)}</title><desc id="d">{escape(alt)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for j, label in enumerate(headers):
        x = LABEL_W + CELL_W * j + CELL_W // 2
        out.append(
            f'<text x="{x}" y="{HEAD_H - 8}" transform="rotate(-35 {x} {HEAD_H - 8})" '
            f'fill="#1b1b1b">{escape(label)}</text>'
        )
    for i, row in enumerate(rows):
        y = HEAD_H + CELL_H * i
        name = ("  " * min(row.depth, 6)) + f"{row.name} ({row.code})"
        out.append(
            f'<text x="{4 + 10 * min(row.depth, 6)}" y="{y + 20}" fill="#1b1b1b">'
            f"{escape(name.strip())}</text>"
        )
        for j, cell in enumerate(row.cells):
            x = LABEL_W + CELL_W * j
            fill, ink = HIDDEN if cell.band is None else SHADES[cell.band]
            label = "–" if cell.share is None else percent(cell.share)
            out.append(
                f'<rect x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" fill="{fill}" '
                'stroke="#767676" stroke-width="1"/>'
                f'<text x="{x + CELL_W // 2}" y="{y + 20}" text-anchor="middle" '
                f'fill="{ink}">{escape(label)}</text>'
            )
    out.append(f'<text x="4" y="{height - 14}" fill="#1b1b1b">{escape(hidden_note)}</text></svg>')
    return Svg("".join(out), title, alt)
