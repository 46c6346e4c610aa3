"""Plan areas: the organisation's own strategic areas, each a mean of chosen categories.

Why an index and not a second pipeline: a plan area is read like a dimension (the mean of a
respondent's categories in it, then the cell's mean and CI), so it is one more composite of
:class:`analysis.scoring.ScoringPlan`. Roll-up, the joint disclosure rule (with its rule for
partial respondents), comparisons and the disclosure auditor then cover it without a line of
their own. Areas may overlap the dimensions (a category sits in one dimension and in any
number of areas), so plan-area figures are another cut of the same answers, never a part of a
total: they must not be added to, or averaged with, the dimensions.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.errors import Text, say
from analysis.package_fields import Field

__all__ = [
    "FAMILY",
    "INDEX_KINDS",
    "INDEX_KIND_FIELDS",
    "PLAN_AREAS_EN",
    "PLAN_AREAS_SV",
    "PlanArea",
    "check_plan_areas",
    "parse_plan_areas",
    "plan_area_rows",
]

#: The family of tests of plan-area changes (``analysis.comparison``): a family of its own per
#: unit and role, so that an instrument gaining areas changes no headline or category label.
FAMILY = "plan_area"
PLAN_AREAS_EN = (
    "The rows of aggregates.csv for the organisation's plan areas (the instrument's "
    "plan_areas: each the mean of its categories, see indices.csv). Areas overlap the "
    "dimensions: do not add them up."
)
PLAN_AREAS_SV = (
    "Raderna i aggregates.csv för organisationens planområden (enkätens plan_areas: vart och "
    "ett medelvärdet av sina kategorier, se indices.csv). Områdena överlappar dimensionerna: "
    "summera dem inte."
)

#: What an index is, in ``indices.csv``'s ``kind``.
INDEX_KINDS: tuple[str, ...] = ("maturity", "dimension", "category", "plan_area")
#: The columns of ``indices.csv`` that say what an index is and what it averages, so that a
#: reader can tell a plan area from the dimension of the same name and redo its mean.
INDEX_KIND_FIELDS: tuple[Field, ...] = (
    Field(
        "kind", "string",
        "maturity, dimension, category, or plan_area (the organisation's own area; areas "
        "overlap the dimensions, so they are not parts of a total).",
        "maturity, dimension (dimension), category (kategori) eller plan_area (organisationens "
        "eget planområde; områdena överlappar dimensionerna och är inga delar av en summa).",
    ),
    Field(
        "categories", "string",
        "The categories the index averages per respondent, space-separated (a category: "
        "itself).",
        "Kategorierna som indexet är medelvärdet av per svarande, mellanslagsseparerade (en "
        "kategori: sig själv).",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class PlanArea:
    """One area: its index id, names (sv/en) and the category ids it averages.

    ``short`` is the name a table's column header has room for (the report's matrix of units
    × areas); an area without one is headed by its title.
    """

    id: str
    title: dict[str, str]
    description: dict[str, str]
    categories: tuple[str, ...]
    short: dict[str, str] = field(default_factory=dict)

    @property
    def heading(self) -> dict[str, str]:
        """The short name where the file gives one, else the title (both sv/en)."""
        return self.short or self.title


def parse_plan_areas(data: Mapping[str, Any]) -> tuple[PlanArea, ...]:
    """The ``plan_areas`` of a valid document, in file order (none when the file has none)."""
    return tuple(
        PlanArea(
            id=a["id"],
            title=dict(a["title"]),
            description=dict(a.get("description", {})),
            categories=tuple(dict.fromkeys(a["categories"])),
            short=dict(a.get("short", {})),
        )
        for a in data.get("plan_areas") or ()
    )


def check_plan_areas(data: Mapping[str, Any], at: Any) -> list[Text]:
    """Every problem of the ``plan_areas`` block the schema cannot see: an id that another
    index already has (``maturity``, a dimension, a category, another area) and a category
    the instrument does not have. ``at(path, text)`` places a message (the checker's own)."""
    areas = data.get("plan_areas")
    if not isinstance(areas, list):
        return []
    found = data.get("dimensions")
    dims: list[Any] = found if isinstance(found, list) else []
    taken = {"maturity", *(d.get("id") for d in dims if isinstance(d, dict))}
    cats = [
        c.get("id")
        for d in dims
        if isinstance(d, dict) and isinstance(d.get("categories"), list)
        for c in d["categories"]
        if isinstance(c, dict)
    ]
    known = set(cats)
    problems: list[Text] = []
    for n, area in enumerate(areas):
        if not isinstance(area, dict):
            continue
        ident = area.get("id")
        if isinstance(ident, str) and (ident in taken or ident in known):
            problems.append(
                at(
                    ("plan_areas", n, "id"),
                    say("id '%(id)s' är redan ett index i enkäten; välj ett eget id", id=ident),
                )
            )
        if isinstance(ident, str):
            taken.add(ident)
        members = area.get("categories")
        for m, cat in enumerate(members if isinstance(members, list) else ()):
            if isinstance(cat, str) and cat not in known:
                problems.append(
                    at(
                        ("plan_areas", n, "categories", m),
                        say("det finns ingen kategori '%(id)s' i den här enkäten", id=cat),
                    )
                )
    return problems


def plan_area_rows(aggregates: pd.DataFrame, areas: Collection[str]) -> pd.DataFrame:
    """``plan_areas.csv``: the aggregates rows of the plan-area indices, as published there
    (already suppressed and compared); an instrument without areas gives no rows."""
    rows = aggregates[aggregates["index"].isin(list(areas))]
    return rows.reset_index(drop=True)
