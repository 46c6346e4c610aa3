"""SVG primitives of the charts (``survey.results.charts``): elements, patterns, axes.

Presentation attributes only, never ``style``: the charts are served under a CSP that forbids
inline style, and attributes also survive being inlined into the self-contained report.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable
from html import escape

WIDTH = 480
FONT = 15
INK = "#0b0c0c"
PAPER = "#ffffff"
GRID = "#b1b4b6"
MUTED = "#6f777b"
#: Height of a label line, and how many characters fit on one across the chart.
LINE = 18
CHARS = 52


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def attr(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def tag(name: str, text: str | None = None, **attrs: object) -> str:
    """One SVG element; ``font_size`` is written ``font-size`` (underscores become hyphens)."""
    attributes = "".join(f' {k.replace("_", "-")}="{esc(attr(v))}"' for k, v in attrs.items())
    if text is None:
        return f"<{name}{attributes}/>"
    return f"<{name}{attributes}>{esc(text)}</{name}>"


def chart_id(name: str) -> str:
    """An id prefix safe in XML and unique per chart, so several charts can share a page."""
    return "c-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def finite(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def document(
    name: str, height: float, title: str, desc: str, body: list[str], defs: str = ""
) -> str:
    cid, h = chart_id(name), f"{height:.0f}"
    opening = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" '
        f'height="{h}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'font-family="Arial, sans-serif" font-size="{FONT}" fill="{INK}">'
    )
    return "\n".join(
        [
            opening,
            f'<title id="{cid}-title">{esc(title)}</title>',
            f'<desc id="{cid}-desc">{esc(desc)}</desc>',
            f"<defs>{defs}</defs>" if defs else "",
            tag("rect", x=0, y=0, width=WIDTH, height=h, fill=PAPER),
            *body,
            "</svg>",
            "",
        ]
    )


def lines(d: str, width: float = 2.0) -> str:
    return tag("path", d=d, stroke=INK, stroke_width=width, fill="none")


# Patterns that stay apart in greyscale: solid, hatched, dotted, crossed, grey, sparse, light.
PATTERNS: tuple[tuple[str, str], ...] = (
    ("solid", tag("rect", width=8, height=8, fill=INK)),
    # Okabe–Ito sky blue under the hatching: colour for the eye, the hatch for greyscale.
    ("hatch", tag("rect", width=8, height=8, fill="#56B4E9") + lines("M0,8 L8,0", 2.5)),
    ("dots", tag("rect", width=8, height=8, fill=PAPER) + tag("circle", cx=4, cy=4, r=1.8)),
    ("cross", tag("rect", width=8, height=8, fill=PAPER) + lines("M0,0 L8,8 M8,0 L0,8", 1.2)),
    ("grey", tag("rect", width=8, height=8, fill="#6f777b")),
    ("sparse", tag("rect", width=8, height=8, fill=PAPER) + lines("M0,0 L8,8", 1.0)),
    ("light", tag("rect", width=8, height=8, fill="#dee0e2")),
)


def pattern(j: int) -> str:
    return PATTERNS[j % len(PATTERNS)][0]


def patterns(cid: str, count: int) -> str:
    return "".join(
        f'<pattern id="{cid}-{pattern(i)}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f"{PATTERNS[i % len(PATTERNS)][1]}</pattern>"
        for i in range(count)
    )


def scale_x(value: float, left: float, width: float, scale: tuple[float, float]) -> float:
    lo, hi = scale
    return left + (min(max(value, lo), hi) - lo) / (hi - lo) * width


def grid(
    left: float, width: float, top: float, bottom: float, scale: tuple[float, float]
) -> list[str]:
    lo, hi = scale
    out = []
    for tick, anchor in ((lo, "start"), (lo + (hi - lo) / 2, "middle"), (hi, "end")):
        pos = scale_x(tick, left, width, scale)
        out.append(
            tag("line", x1=pos, y1=top, x2=pos, y2=bottom, stroke=GRID, stroke_dasharray="3 3")
        )
        out.append(tag("text", f"{tick:g}", x=pos, y=bottom + 16, text_anchor=anchor, font_size=13))
    return out


def whisker(
    low: float | None, high: float | None, y: float, x_of: Callable[[float], float]
) -> list[str]:
    if low is None or high is None or not (finite(low) and finite(high)):
        return []
    x1, x2 = x_of(low), x_of(high)
    return [
        lines(
            f"M{x1:.1f},{y - 6:.1f} V{y + 6:.1f} M{x1:.1f},{y:.1f} H{x2:.1f} "
            f"M{x2:.1f},{y - 6:.1f} V{y + 6:.1f}"
        )
    ]


def hidden(left: float, y: float, width: float, height: float, label: str) -> list[str]:
    """The outline of a hidden (suppressed) value, labelled, so a gap is never mistaken for 0."""
    return [
        tag(
            "rect",
            x=left,
            y=y,
            width=width,
            height=height,
            fill="none",
            stroke=MUTED,
            stroke_dasharray="4 3",
        ),
        tag("text", label, x=left + 6, y=y + height - 4),
    ]


def wrap(text: str, chars: int = CHARS) -> list[str]:
    """A label broken into lines that fit the chart's width (SVG text does not wrap)."""
    return textwrap.wrap(text, chars) or [""]


def label(lines: list[str], x: float, y: float) -> str:
    """Lines of text starting at baseline ``y``, one ``LINE`` apart."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE}">{esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}">{spans}</text>'
