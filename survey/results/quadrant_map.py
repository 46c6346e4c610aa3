"""The capability × legacy picture of the units directly below one unit, for the dashboards.

DiMiOS's signature view (docs/method.md, the typology): each unit a point at (legacy,
capability) with its 95 % CI as a cross, the four quadrants labelled. A unit is placed by
``analysis.typology.place_unit`` from the already suppressed figures, so a unit whose cells are
hidden has no placement: it is listed beside the picture, never drawn. A unit whose CI crosses
50 on an axis is drawn hollow and called "kan inte avgöras", as the overview says in words.

The SVG is inline markup with presentation attributes only (the CSP forbids inline style),
``role="img"`` with a title and description; the table beside it carries every number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from analysis.typology import QUADRANTS, SPLIT, UNDETERMINED, Placement, place_unit
from survey.results.svg import tag
from survey.services.report import RoundFigures

SIZE, PAD = 480, 56
INK, MUTED, GRID, POINT = "#0b0c0c", "#4a4a4a", "#b1b4b6", "#0b4a7a"


@dataclass(frozen=True)
class Point:
    number: int
    code: str
    name: str
    placement: Placement


@dataclass(frozen=True)
class Picture:
    points: list[Point]
    #: (code, name) of the units below that cannot be drawn (hidden cells, or no one who
    #: answers the legacy questions).
    hidden: list[tuple[str, str]]


def children_picture(
    fig: RoundFigures, parent: str, role: str, visible: Callable[[str], bool]
) -> Picture:
    """The units directly below ``parent`` that the viewer may see, placed or listed."""
    frame = fig.units
    kids = [
        (str(code), str(name))
        for code, name, up in zip(frame["unit"], frame["name"], frame["parent"], strict=True)
        if up == parent and visible(str(code))
    ]
    points: list[Point] = []
    hidden: list[tuple[str, str]] = []
    for code, name in kids:
        placed = place_unit(fig.aggregates, code, role)
        if placed is None:
            hidden.append((code, name))
        else:
            points.append(Point(len(points) + 1, code, name, placed))
    return Picture(points, hidden)


def _half_width(points: Sequence[Point]) -> float:
    """Half the axis range shown around 50: the CIs fit, 50 stays in the middle (so the four
    quadrants keep equal areas), in steps of 10, at least 20 and at most 50."""
    far = 20.0
    for p in points:
        for axis in (p.placement.capability, p.placement.legacy):
            for v in (axis.ci_low, axis.ci_high, axis.score):
                if not math.isnan(v):
                    far = max(far, abs(v - SPLIT))
    return min(50.0, math.ceil(far / 10) * 10)


def quadrant_svg(
    picture: Picture,
    ident: str,
    title: str,
    desc: str,
    axis_names: tuple[str, str],
    lang: str,
) -> Markup:
    """The picture as inline SVG; ``axis_names`` are (legacy, capability) axis titles."""
    half = _half_width(picture.points)
    lo, span = SPLIT - half, 2 * half
    inner = SIZE - 2 * PAD

    def x(v: float) -> float:
        return PAD + (min(max(v, lo), lo + span) - lo) / span * inner

    def y(v: float) -> float:
        return SIZE - PAD - (min(max(v, lo), lo + span) - lo) / span * inner

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="quadrant-map" viewBox="0 0 {SIZE} {SIZE}"'
        f' role="img" aria-labelledby="{ident}-t {ident}-d" font-family="system-ui, Arial, '
        'sans-serif" font-size="13">',
        tag("title", title, id=f"{ident}-t"),
        tag("desc", desc, id=f"{ident}-d"),
        tag("rect", x=0, y=0, width=SIZE, height=SIZE, fill="#ffffff"),
        tag("rect", x=PAD, y=PAD, width=inner, height=inner, fill="none", stroke=GRID),
        tag("line", x1=x(SPLIT), y1=PAD, x2=x(SPLIT), y2=SIZE - PAD, stroke=INK),
        tag("line", x1=PAD, y1=y(SPLIT), x2=SIZE - PAD, y2=y(SPLIT), stroke=INK),
    ]
    for q in QUADRANTS.values():
        qx = SIZE - PAD - 6 if q.legacy_high else PAD + 6
        qy = PAD + 18 if q.capability_high else SIZE - PAD - 8
        anchor = "end" if q.legacy_high else "start"
        label = q.name.get(lang, q.name["sv"])
        out.append(tag("text", label, x=qx, y=qy, fill=MUTED, text_anchor=anchor))
    for v in (lo, SPLIT, lo + span):
        out.append(tag("text", f"{v:.0f}", x=x(v), y=SIZE - PAD + 16, text_anchor="middle"))
        out.append(tag("text", f"{v:.0f}", x=PAD - 6, y=y(v) + 4, text_anchor="end"))
    legacy, capability = axis_names
    out.append(tag("text", legacy, x=SIZE / 2, y=SIZE - 12, text_anchor="middle", fill=INK))
    out.append(
        tag(
            "text",
            capability,
            x=16,
            y=SIZE / 2,
            text_anchor="middle",
            fill=INK,
            transform=f"rotate(-90 16 {SIZE / 2})",
        )
    )
    for p in picture.points:
        cap, leg = p.placement.capability, p.placement.legacy
        cx, cy = x(leg.score), y(cap.score)
        if not (math.isnan(leg.ci_low) or math.isnan(leg.ci_high)):
            out.append(tag("line", x1=x(leg.ci_low), y1=cy, x2=x(leg.ci_high), y2=cy, stroke=POINT))
        if not (math.isnan(cap.ci_low) or math.isnan(cap.ci_high)):
            out.append(tag("line", x1=cx, y1=y(cap.ci_low), x2=cx, y2=y(cap.ci_high), stroke=POINT))
        open_ = p.placement.quadrant == UNDETERMINED
        out.append(
            tag(
                "circle",
                cx=cx,
                cy=cy,
                r=6,
                fill="#ffffff" if open_ else POINT,
                stroke=POINT,
                stroke_width=2,
            )
        )
        out.append(tag("text", str(p.number), x=cx + 8, y=cy - 8, fill=INK, font_weight="700"))
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 (every text escaped by ``tag``)


def quadrant_section(
    fig: RoundFigures, parent: str, role: str, visible: Callable[[str], bool], lang: str
) -> dict[str, object] | None:
    """What the pages' quadrant section shows below ``parent``; None for a unit without units
    below it (there is nothing to compare)."""
    from flask_babel import gettext as _

    picture = children_picture(fig, parent, role, visible)
    if not picture.points and not picture.hidden:
        return None
    names = {q.id: q.name.get(lang, q.name["sv"]) for q in QUADRANTS.values()}
    names[UNDETERMINED] = _("Kan inte avgöras")
    svg = quadrant_svg(
        picture,
        "quadrant-map",
        _("Förmåga och digitalt arv för enheterna under enheten"),
        _(
            "Punktdiagram: varje numrerad punkt är en enhet, vågrätt digitalt arv och lodrätt "
            "digital förmåga (0–100), med 95 % konfidensintervall som kors. Ofyllda punkter "
            "kan inte placeras i ett fyrfält. Tabellen bredvid har samma siffror."
        ),
        (_("Digitalt arv (högre = möjliggör)"), _("Digital förmåga")),
        lang,
    )
    return {"picture": picture, "svg": svg, "quadrant_names": names}
