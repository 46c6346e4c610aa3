"""Assemble a round's published figures: cells, comparison, suppression, reliability, gaps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from analysis.aggregate import cells, rollup, unit_levels
from analysis.gaps import competence_gaps
from analysis.instruments import Questionnaire
from analysis.opendata import build_aggregates, write_aggregates, write_reliability
from analysis.reliability import reliability_table
from analysis.suppression import suppress_cells
from survey.models import Round
from survey.services.errors import InputError
from survey.services.rounds import get_round, snapshot_questionnaire
from survey.services.statistics import (
    code_mapping,
    leaf_statistics,
    previous_round,
    reliability_statistics,
    tree_frame,
)

FORMATS = ("csv", "json")


@dataclass(frozen=True)
class RoundFigures:
    """Everything a report, dashboard or API shows about one round (already suppressed)."""

    round: Round
    compare: Round | None
    questionnaire: Questionnaire
    aggregates: pd.DataFrame
    reliability: pd.DataFrame
    gaps: pd.DataFrame


def _suppressed(rolled: pd.DataFrame, tree: pd.DataFrame, k: int) -> pd.Series:
    flags = suppress_cells(rolled[["unit", "role", "index", "n"]], tree, k)
    return pd.Series(
        flags.to_numpy(), index=pd.MultiIndex.from_frame(rolled[["unit", "role", "index"]])
    )


def round_figures(
    session: Session, name: str, k: int, compare_to: str | None = None
) -> RoundFigures:
    """Compute the round's open-data rows, compared with ``compare_to`` or last year's round."""
    rnd = get_round(session, name)
    q = snapshot_questionnaire(rnd)
    if compare_to:
        cmp_round = get_round(session, compare_to)
        if cmp_round.id == rnd.id:
            raise InputError("a round cannot be compared with itself")
        if cmp_round.year > rnd.year:
            raise InputError(f"round '{compare_to}' ({cmp_round.year}) is later than '{name}'")
    else:
        cmp_round = previous_round(session, rnd)
    units = tree_frame(session, rnd.year)
    tree = units[["unit", "parent"]]
    indices = list(q.indices)
    leaf, gap_leaf = leaf_statistics(session, rnd, q)
    current = cells(rollup(leaf, tree, indices=indices))
    hidden = _suppressed(current, tree, k)
    compare = compare_hidden = None
    if cmp_round is not None:
        cmp_q = snapshot_questionnaire(cmp_round)
        cmp_leaf, _ = leaf_statistics(session, cmp_round, cmp_q)
        mapping = code_mapping(session, cmp_round.year, rnd.year)
        cmp_leaf = cmp_leaf.assign(unit=cmp_leaf["unit"].map(mapping)).dropna(subset=["unit"])
        cmp_leaf = cmp_leaf[cmp_leaf["index"].isin(indices)]
        compare = cells(rollup(cmp_leaf, tree, indices=indices))
        compare_hidden = _suppressed(compare, tree, k)
    meta = units.assign(level=units["unit"].map(unit_levels(tree)))[["unit", "name", "level"]]
    aggregates = build_aggregates(
        current,
        compare,
        meta,
        round_name=rnd.name,
        year=rnd.year,
        compare_round=cmp_round.name if cmp_round else None,
        suppressed=hidden,
        compare_suppressed=compare_hidden,
        indices=indices,
    )
    items, totals = reliability_statistics(session, rnd)
    categories = [c.id for c in q.categories]
    reliability = reliability_table(items, totals, round_name=rnd.name, categories=categories)
    gaps = _gaps(gap_leaf, tree, q, k)
    return RoundFigures(rnd, cmp_round, q, aggregates, reliability, gaps)


def _gaps(gap_leaf: pd.DataFrame, tree: pd.DataFrame, q: Questionnaire, k: int) -> pd.DataFrame:
    if gap_leaf.empty:
        return competence_gaps(
            pd.DataFrame(columns=["unit", "role", "category", "n", "level_sum", "below"]), q, k
        )
    from analysis.aggregate import _roll  # the generic additive roll-up

    order = pd.Index([c.id for c in q.categories if c.dimension == "competence"])
    rolled = _roll(gap_leaf, tree, ["index"], ["n", "level_sum", "below"], order)
    rolled = rolled.rename(columns={"index": "category"})
    flags = suppress_cells(
        rolled.rename(columns={"category": "index"})[["unit", "role", "index", "n"]], tree, k
    )
    rolled = rolled.assign(suppressed=flags.to_numpy())
    targets = {(c.id, r) for c in q.categories for r in c.target}
    keep = [(c, r) in targets for c, r in zip(rolled["category"], rolled["role"], strict=True)]
    return competence_gaps(rolled[keep], q, k)


def write_report(figures: RoundFigures, out: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write the open-data files; unknown formats are refused before anything is written."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise InputError(
            f"unknown or unavailable format '{unknown[0]}' (available: {', '.join(FORMATS)})"
        )
    written = write_aggregates(figures.aggregates, out, formats)
    written.append(write_reliability(figures.reliability, out))
    return written
