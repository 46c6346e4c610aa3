"""The report's publication parts: the plain-language summary, the capability × legacy picture
and one page per förvaltning, picked from :class:`~survey.results.report_data.ReportData`.

Nothing is computed here that the figures do not hold: scores, CIs and changes are the
(already suppressed) aggregates' rows, placements are :func:`analysis.typology.place_unit` of
those rows, which gives None when a cell it needs is hidden, and such a förvaltning is named
as hidden and never drawn. Call inside ``force_locale`` (names come out in the report's language).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from analysis.roles import ALL
from analysis.typology import Placement, place_unit
from survey.results.charts import Chart
from survey.results.numbers import number
from survey.results.quadrant_chart import point, quadrant_chart, quadrant_name, quadrant_texts
from survey.results.report_data import TOP_GAPS, Rate, ReportData, Row, UnitLine

#: How many of the organisation's strongest and weakest areas the summary names.
AREAS = 3


@dataclass(frozen=True)
class UnitPage:
    """One förvaltning's page: its composite cells, placement, significant changes (all roles
    together, largest first; each role's are in the report's table of changes) and gaps."""

    line: UnitLine
    placement: Placement | None  # None: hidden (a cell it needs is suppressed) or no such roles
    quadrant_name: str | None
    changes: list[Row]
    gaps: list[dict[str, Any]]


@dataclass(frozen=True)
class Summary:
    """What the one-page summary names besides the headline."""

    strongest: list[Row]
    weakest: list[Row]
    rate: Rate | None
    hidden_units: list[str]  # förvaltningar whose placement is hidden (not drawn)


def unit_pages(data: ReportData) -> list[UnitPage]:
    """Each förvaltning with what its page shows (shown rows only)."""
    agg = data.figures.aggregates
    pages = []
    for line in data.units:
        placement = place_unit(agg, line.code, ALL)
        pages.append(
            UnitPage(
                line,
                placement,
                quadrant_name(placement, data.lang),
                sorted(
                    (c for c in data.changes if c["unit_code"] == line.code and c["role"] == ALL),
                    key=lambda c: -abs(c["delta"] or 0),
                ),
                data.gaps_by_unit.get(line.code, [])[:TOP_GAPS],
            )
        )
    return pages


def summary(data: ReportData, pages: list[UnitPage]) -> Summary:
    """The organisation's three strongest and weakest categories (all roles, shown cells)."""
    root = data.root
    rows = [] if root is None else [
        r for r in data.appendix if r["unit_code"] == root.code and r["role"] == ALL
    ]  # fmt: skip
    strongest, weakest = strong_and_weak(rows, data.category_ids)
    rate = next((x for x in data.rates if root is not None and x.code == root.code), None)
    return Summary(
        strongest=strongest,
        weakest=weakest,
        rate=rate,
        hidden_units=[p.line.name for p in pages if p.placement is None],
    )


def strong_and_weak(
    rows: Sequence[Row], categories: Collection[str], count: int = AREAS
) -> tuple[list[Row], list[Row]]:
    """The highest and the lowest scored ``categories`` among ``rows`` (composites, plan areas
    and hidden cells left out), at most ``count`` each and never one in both lists; the weakest
    first. The report's summary and the dashboard's overview name the same areas this way."""
    areas = [
        r for r in rows
        if r["index"] in categories and not r["suppressed"] and r["score"] is not None
    ]  # fmt: skip
    areas.sort(key=lambda r: (-r["score"], r["index"]))
    n = min(count, len(areas) // 2)
    return areas[:n], list(reversed(areas[len(areas) - n :])) if n else []


def picture(data: ReportData, pages: list[UnitPage]) -> Chart | None:
    """The capability × legacy picture of the förvaltningar (and the organisation), or None
    when no placement can be shown."""
    points = [point(p.line.name, p.placement, data.lang) for p in pages if p.placement]
    if data.placement is not None and data.root is not None:
        points.append(point(data.root.name, data.placement, data.lang, whole=True))
    if not points:
        return None
    return quadrant_chart(
        "quadrant-units",
        points,
        title=_("Förmåga och arv per förvaltning"),
        caption=_(
            "Varje förvaltning är en punkt: digital förmåga åt höger, digitalt arv uppåt, "
            "delade vid 50. Kryssets armar är 95 % konfidensintervall; en förvaltning vars "
            "kryss korsar 50 är obestämd. Ringen är hela organisationen."
        ),
        texts=quadrant_texts(data.lang),
        fmt=lambda v: number(v, 1),
    )
