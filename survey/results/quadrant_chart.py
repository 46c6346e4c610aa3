"""The capability × legacy picture: each unit a point with its 95 % CI cross, quadrants named.

Capability runs left to right, legacy bottom to top, both split at 50 (``analysis.typology``):
top right is "digitally mature", bottom left "getting started". Every point carries a number
(its row in the table beside the picture), a marker shape of its own and a colour of the
Okabe–Ito palette, outlined in ink, so the points stay apart in greyscale, for colour-blind
readers and in print; a unit whose CI crosses 50 is drawn hollow (its quadrant cannot be
told); the table is the picture's text equivalent. The report and the dashboards draw the
same picture with this one function. A unit whose placement is
hidden (a cell it needs is suppressed) is not drawn: the caller lists it as hidden.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from analysis.typology import QUADRANTS, UNDETERMINED, UNDETERMINED_NAME, Placement
from survey.results import svg as draw
from survey.results.charts import Chart

# Okabe–Ito colours with at least 3:1 against white where possible; each marker is outlined
# in ink anyway, so a colour is never the only thing that tells two points apart.
COLOURS: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "down", "cross")
SPLIT = 50.0


@dataclass(frozen=True)
class Point:
    """One unit's placement: capability and legacy with their 95 % CIs (``label`` in words)."""

    label: str
    capability: float
    cap_low: float
    cap_high: float
    legacy: float
    leg_low: float
    leg_high: float
    quadrant: str  # the quadrant's name (or "undetermined") in the reader's language
    whole: bool = False  # the organisation itself: a ring, drawn above the units
    undetermined: bool = False  # a CI crosses 50: drawn hollow, as the caption says


@dataclass(frozen=True)
class QuadrantTexts:
    """The picture's words in the reader's language."""

    capability: str
    legacy: str
    corners: tuple[str, str, str, str]  # top left, top right, bottom left, bottom right
    header: tuple[str, ...]  # the table's column headers: nr, unit, capability, legacy, quadrant


def quadrant_name(placement: Placement | None, lang: str) -> str | None:
    if placement is None:
        return None
    found = QUADRANTS.get(placement.quadrant)
    return found.name[lang] if found else UNDETERMINED_NAME[lang]


def point(label: str, pl: Placement, lang: str, whole: bool = False) -> Point:
    """A unit's placement as a point of the picture (its quadrant named in ``lang``)."""
    c, g = pl.capability, pl.legacy
    name = quadrant_name(pl, lang) or ""
    return Point(
        label,
        c.score,
        c.ci_low,
        c.ci_high,
        g.score,
        g.ci_low,
        g.ci_high,
        name,
        whole,
        undetermined=pl.quadrant == UNDETERMINED,
    )


def quadrant_texts(lang: str) -> QuadrantTexts:
    """The picture's words (call inside the reader's locale)."""
    return QuadrantTexts(
        capability=_("Digital förmåga"),
        legacy=_("Digitalt arv"),
        corners=(
            QUADRANTS["untapped"].name[lang],
            QUADRANTS["mature"].name[lang],
            QUADRANTS["getting_started"].name[lang],
            QUADRANTS["held_back"].name[lang],
        ),
        header=(_("Nr"), _("Enhet"), _("Förmåga (95 % KI)"), _("Arv (95 % KI)"), _("Fyrfält")),
    )


def marker(shape: str, x: float, y: float, fill: str, r: float = 7.0) -> str:
    """A marker of ``shape`` centred on (x, y), outlined in ink."""
    ink: dict[str, Any] = {"stroke": draw.INK, "stroke_width": 1.5, "fill": fill}
    if shape == "circle":
        return draw.tag("circle", cx=x, cy=y, r=r, **ink)
    if shape == "square":
        return draw.tag("rect", x=x - r, y=y - r, width=2 * r, height=2 * r, **ink)
    corners = {
        "triangle": [(0, -1.2), (1.1, 0.9), (-1.1, 0.9)],
        "down": [(0, 1.2), (1.1, -0.9), (-1.1, -0.9)],
        "diamond": [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)],
        "cross": [
            (-0.4, -1.1),
            (0.4, -1.1),
            (0.4, -0.4),
            (1.1, -0.4),
            (1.1, 0.4),
            (0.4, 0.4),
            (0.4, 1.1),
            (-0.4, 1.1),
            (-0.4, 0.4),
            (-1.1, 0.4),
            (-1.1, -0.4),
            (-0.4, -0.4),
        ],
    }[shape]
    points = " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in corners)
    return draw.tag("polygon", points=points, **ink)


def _range(points: Sequence[Point]) -> tuple[float, float]:
    """The axes' common range, centred on the split so that the four quadrants are the same
    size (a quadrant drawn smaller would look less likely), every CI inside, in whole tens."""
    values = [v for p in points for v in (p.cap_low, p.cap_high, p.leg_low, p.leg_high)]
    reach = max((abs(v - SPLIT) for v in values if draw.finite(v)), default=10.0)
    half = min(SPLIT, max(20.0, math.ceil(reach / 10) * 10))
    return SPLIT - half, SPLIT + half


def quadrant_chart(
    name: str,
    points: Sequence[Point],
    *,
    title: str,
    caption: str,
    texts: QuadrantTexts,
    fmt: Callable[[float], str],
) -> Chart:
    """The points on capability (x) × legacy (y), each with its CI cross and number."""
    size, left, top, right, bottom = float(draw.WIDTH), 56.0, 16.0, draw.WIDTH - 12.0, 420.0
    lo, hi = _range(points)

    def x_of(v: float) -> float:
        return left + (min(max(v, lo), hi) - lo) / (hi - lo) * (right - left)

    def y_of(v: float) -> float:
        return bottom - (min(max(v, lo), hi) - lo) / (hi - lo) * (bottom - top)

    body = [
        draw.tag(
            "rect",
            x=left,
            y=top,
            width=right - left,
            height=bottom - top,
            fill="none",
            stroke=draw.INK,
            stroke_width=1,
        )
    ]
    for tick in range(int(lo), int(hi) + 1, 10):
        x, y = x_of(tick), y_of(tick)
        dash = {} if tick == SPLIT else {"stroke_dasharray": "2 4"}
        width = 2.0 if tick == SPLIT else 1.0
        colour = draw.INK if tick == SPLIT else draw.GRID
        body.append(
            draw.tag(
                "line", x1=x, y1=top, x2=x, y2=bottom, stroke=colour, stroke_width=width, **dash
            )
        )
        body.append(
            draw.tag(
                "line", x1=left, y1=y, x2=right, y2=y, stroke=colour, stroke_width=width, **dash
            )
        )
        body.append(
            draw.tag("text", str(tick), x=x, y=bottom + 18, text_anchor="middle", font_size=13)
        )
        body.append(
            draw.tag("text", str(tick), x=left - 6, y=y + 5, text_anchor="end", font_size=13)
        )
    body.append(
        draw.tag(
            "text",
            texts.capability,
            x=(left + right) / 2,
            y=bottom + 40,
            text_anchor="middle",
            font_weight="bold",
        )
    )
    mid = (top + bottom) / 2
    body.append(
        draw.tag(
            "text",
            texts.legacy,
            x=16,
            y=mid,
            text_anchor="middle",
            font_weight="bold",
            transform=f"rotate(-90 16 {mid:.1f})",
        )
    )
    for text, anchor, x, y in (
        (texts.corners[0], "start", left + 6, top + 18),
        (texts.corners[1], "end", right - 6, top + 18),
        (texts.corners[2], "start", left + 6, bottom - 8),
        (texts.corners[3], "end", right - 6, bottom - 8),
    ):
        body.append(
            draw.tag(
                "text",
                text,
                x=x,
                y=y,
                text_anchor=anchor,
                font_size=12,
                fill=draw.MUTED,
            )
        )
    rows: list[tuple[str, ...]] = []
    marks: list[str] = []
    for i, p in enumerate(points, start=1):
        x, y = x_of(p.capability), y_of(p.legacy)
        cross = (
            f"M{x_of(p.cap_low):.1f},{y:.1f} H{x_of(p.cap_high):.1f} "
            f"M{x:.1f},{y_of(p.leg_low):.1f} V{y_of(p.leg_high):.1f}"
        )
        body.append(draw.tag("path", d=cross, stroke=draw.INK, stroke_width=1.2, fill="none"))
        number = "" if p.whole else str(i)
        if p.whole:
            marks.append(
                draw.tag(
                    "circle", cx=x, cy=y, r=9, fill=draw.PAPER, stroke=draw.INK, stroke_width=3
                )
            )
            marks.append(draw.tag("circle", cx=x, cy=y, r=3, fill=draw.INK))
        else:
            j = i - 1
            fill = draw.PAPER if p.undetermined else COLOURS[j % len(COLOURS)]
            marks.append(marker(SHAPES[j % len(SHAPES)], x, y, fill))
            marks.append(
                draw.tag("text", number, x=x + 9, y=y - 8, font_size=13, font_weight="bold")
            )
        rows.append(
            (
                number,
                p.label,
                f"{fmt(p.capability)} ({fmt(p.cap_low)}–{fmt(p.cap_high)})",
                f"{fmt(p.legacy)} ({fmt(p.leg_low)}–{fmt(p.leg_high)})",
                p.quadrant,
            )
        )
    desc = "; ".join(f"{r[0]} {r[1]}: {r[2]}, {r[3]}, {r[4]}".strip() for r in rows)
    svg = draw.document(name, size, title, f"{caption} {desc}", body + marks)
    return Chart(name, svg, caption, f"{title}. {desc}.", texts.header, tuple(rows))
