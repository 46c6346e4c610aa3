"""Competence gaps laid out for HR: heatmap rows, top gaps per unit and the trend across years.

Only a layout of ``RoundFigures.gaps`` (already suppressed by ``round_figures``): no share,
level or rank is computed here, so the page, the SVG and the XLSX show the engine's figures.
A cell whose row is suppressed, or that has no row at all, carries no figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis import tree as trees
from analysis.instruments import Category, Questionnaire
from analysis.roles import ROLES
from survey.services.report import RoundFigures

#: Upper bounds of the heatmap's shading bands (share below target); the last band is open.
BANDS: tuple[float, ...] = (0.10, 0.25, 0.50, 0.75)


@dataclass(frozen=True)
class Cell:
    category: str
    share: float | None  # None: suppressed or no respondents of the role
    n: int | None
    suppressed: bool

    @property
    def band(self) -> int | None:
        """0 (few below target) … 4 (most below), None without a figure."""
        if self.share is None:
            return None
        return sum(self.share >= bound for bound in BANDS)


@dataclass(frozen=True)
class HeatRow:
    code: str
    name: str
    depth: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class TopGap:
    category: str
    n: int
    mean_level: float
    target: float
    gap: float
    share: float
    rank: int


def gap_roles(q: Questionnaire) -> list[str]:
    """Roles with a target in at least one competence category (targets are per role)."""
    have = {r for c in q.categories if c.dimension == "competence" for r in c.target}
    return [r for r in ROLES if r in have]


def gap_categories(q: Questionnaire, role: str) -> list[Category]:
    return [c for c in q.categories if c.dimension == "competence" and role in c.target]


def units_shown(tree: pd.DataFrame, scope: set[str] | None) -> list[tuple[str, str, int]]:
    """The year's units in tree order as (code, name, depth), only those in ``scope``."""
    parents = trees.parent_map(tree["unit"], tree["parent"])
    return [
        (str(code), str(name), trees.depth(code, parents))
        for code, name in zip(tree["unit"], tree["name"], strict=True)
        if scope is None or code in scope
    ]


def _figure(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _cell(fig: RoundFigures, role: str, unit: str, category: str) -> Cell:
    row = fig.gap_rows.get((role, unit), {}).get(category)
    hidden = row is None or bool(row["suppressed"])
    share = None if row is None or hidden else _figure(row["share_below"])
    n = None if row is None or hidden else _figure(row["n"])
    return Cell(category, share, None if n is None else int(n), hidden)


def heatmap(fig: RoundFigures, role: str, scope: set[str] | None) -> list[HeatRow]:
    """One row per unit in scope, one cell per competence category with a target for ``role``."""
    categories = gap_categories(fig.questionnaire, role)
    return [
        HeatRow(code, name, depth, tuple(_cell(fig, role, code, cat.id) for cat in categories))
        for code, name, depth in units_shown(fig.units, scope)
    ]


def top_gaps(
    fig: RoundFigures, role: str, units: Iterable[str], limit: int = 3
) -> dict[str, list[TopGap]]:
    """Per unit, its first ``limit`` unsuppressed rows of ``role`` in the engine's rank order."""
    out: dict[str, list[TopGap]] = {}
    for code in units:
        shown = [r for r in fig.gap_rows.get((role, code), {}).values() if not r["suppressed"]]
        out[code] = [
            TopGap(
                str(r["category"]),
                int(r["n"]),
                float(r["mean_level"]),
                float(r["target"]),
                float(r["gap"]),
                float(r["share_below"]),
                int(r["rank"]),
            )
            for r in sorted(shown, key=lambda r: int(r["rank"]))[:limit]
        ]
    return out


@dataclass(frozen=True)
class TrendRow:
    category: str
    cells: tuple[Cell | None, ...]  # one per year; None: the unit is not in that year's tree


def trend(
    years: Sequence[tuple[int, RoundFigures, set[str]]],
    unit: str,
    role: str,
    categories: Sequence[Category],
) -> list[TrendRow]:
    """Share below target of ``unit`` per category and year.

    ``years`` holds each closed round's year, its figures and the unit codes of that year's
    tree the viewer may see.
    """
    return [
        TrendRow(
            cat.id,
            tuple(
                _cell(fig, role, unit, cat.id) if unit in visible else None
                for _, fig, visible in years
            ),
        )
        for cat in categories
    ]
