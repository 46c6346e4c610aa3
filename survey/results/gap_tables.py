"""Competence gaps laid out for HR: heatmap rows, top gaps per unit and the trend across years.

Only a layout of ``RoundFigures.gaps`` (already suppressed by ``round_figures``): no share,
level or rank is computed here, so the page, the SVG and the XLSX show the engine's figures.
A cell whose row is suppressed, or that has no row at all, carries no figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis import tree as trees
from analysis.instruments import Category, Questionnaire
from analysis.roles import ROLES

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


def percent(share: float) -> str:
    """A share as the pages and the SVG print it (whole percent)."""
    return f"{share * 100:.0f} %"


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


def _by_cell(gaps: pd.DataFrame, role: str) -> dict[tuple[str, str], dict[Any, Any]]:
    rows = gaps[gaps["role"] == role].to_dict("records")
    return {(str(r["unit"]), str(r["category"])): r for r in rows}


def heatmap(
    gaps: pd.DataFrame,
    tree: pd.DataFrame,
    q: Questionnaire,
    role: str,
    scope: set[str] | None,
) -> list[HeatRow]:
    """One row per unit in scope, one cell per competence category with a target for ``role``."""
    found = _by_cell(gaps, role)
    categories = gap_categories(q, role)
    out = []
    for code, name, depth in units_shown(tree, scope):
        cells = []
        for cat in categories:
            row = found.get((code, cat.id))
            hidden = row is None or bool(row["suppressed"])
            share = None if row is None or hidden else _figure(row["share_below"])
            n = None if row is None or hidden else _figure(row["n"])
            cells.append(Cell(cat.id, share, None if n is None else int(n), hidden))
        out.append(HeatRow(code, name, depth, tuple(cells)))
    return out


def top_gaps(
    gaps: pd.DataFrame, role: str, units: Iterable[str], limit: int = 3
) -> dict[str, list[TopGap]]:
    """Per unit, its first ``limit`` unsuppressed rows of ``role`` in the engine's rank order."""
    shown = gaps[(gaps["role"] == role) & ~gaps["suppressed"].astype(bool)]
    shown = shown.sort_values(["unit", "rank"], kind="mergesort")
    grouped: dict[str, list[TopGap]] = {}
    for r in shown.to_dict("records"):
        found = grouped.setdefault(str(r["unit"]), [])
        if len(found) < limit:
            found.append(
                TopGap(
                    str(r["category"]),
                    int(r["n"]),
                    float(r["mean_level"]),
                    float(r["target"]),
                    float(r["gap"]),
                    float(r["share_below"]),
                    int(r["rank"]),
                )
            )
    return {code: grouped.get(code, []) for code in units}


@dataclass(frozen=True)
class TrendRow:
    category: str
    cells: tuple[Cell | None, ...]  # one per year; None: the unit is not in that year's tree


def trend(
    years: Sequence[tuple[int, pd.DataFrame, set[str]]],
    unit: str,
    role: str,
    categories: Sequence[Category],
) -> list[TrendRow]:
    """Share below target of ``unit`` per category and year.

    ``years`` holds each closed round's year, its figures' gaps and the unit codes of that
    year's tree the viewer may see.
    """
    cells: dict[str, list[Cell | None]] = {c.id: [] for c in categories}
    for _, gaps, visible in years:
        found = _by_cell(gaps, role)
        for cat in categories:
            if unit not in visible:
                cells[cat.id].append(None)
                continue
            row = found.get((unit, cat.id))
            hidden = row is None or bool(row["suppressed"])
            share = None if row is None or hidden else _figure(row["share_below"])
            n = None if row is None or hidden else _figure(row["n"])
            cells[cat.id].append(Cell(cat.id, share, None if n is None else int(n), hidden))
    return [TrendRow(c.id, tuple(cells[c.id])) for c in categories]
