"""The capability × legacy picture of the units directly below one unit, for the dashboards.

DiMiOS's signature view (docs/method.md, the typology), drawn as the report draws it
(``survey.results.quadrant_chart``): each unit a point at (capability, legacy) with its 95 %
CI as a cross, the four quadrants labelled. A unit is placed by
``analysis.typology.place_unit`` from the already suppressed figures, so a unit whose cells are
hidden has no placement: it is listed beside the picture, never drawn. A unit whose CI crosses
50 on an axis is drawn hollow and called "kan inte avgöras", as the overview says in words.

The SVG is inline markup with presentation attributes only (the CSP forbids inline style),
``role="img"`` with a title and description (every text escaped); the table beside it carries
every number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from analysis.typology import QUADRANTS, UNDETERMINED, Placement, place_unit
from survey.results.numbers import number
from survey.results.quadrant_chart import point, quadrant_chart, quadrant_texts
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
    chart = quadrant_chart(
        "quadrant-map",
        [point(p.name, p.placement, lang) for p in picture.points],
        title=_("Förmåga och digitalt arv för enheterna under enheten"),
        caption=_(
            "Punktdiagram: varje numrerad punkt är en enhet, vågrätt digital förmåga och "
            "lodrätt digitalt arv (0–100), med 95 % konfidensintervall som kors. Ofyllda "
            "punkter kan inte placeras i ett fyrfält. Tabellen bredvid har samma siffror."
        ),
        texts=quadrant_texts(lang),
        fmt=number,
    )
    svg = Markup(chart.svg.replace("<svg ", '<svg class="quadrant-map" ', 1))  # noqa: S704
    return {"picture": picture, "svg": svg, "quadrant_names": names}
