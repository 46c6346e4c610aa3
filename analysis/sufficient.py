"""A round's sufficient statistics: the additive sums every figure of the round is made from.

The database bridge (``survey/services/statistics.py``) groups the answers per respondent and
category in SQL and streams the rows through :func:`accumulate`; the property tests of
:func:`analysis.figures.figures` stream rows they made themselves through the same function.
Keeping the pass here means both paths score and add respondents by one rule, and the figure
pipeline can be checked without a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from analysis.instruments import Questionnaire
from analysis.reliability import CompleteCases
from analysis.scoring import ScoringPlan, category_level

__all__ = ["CategoryRow", "LeafStatistics", "accumulate", "unpack"]

#: One respondent: (unit, role, {category: (Σ rescaled answers, answered)}, {category: packed
#: raw values}); the packed values are ``item=value,…`` (reverse keys reversed), read only for
#: Cronbach's α of complete cases.
CategoryRow = tuple[Hashable, str, Mapping[str, tuple[float, int]], Mapping[str, str]]


@dataclass
class LeafStatistics:
    """Additive statistics of one round, per recorded unit (code) × role × index."""

    scores: pd.DataFrame  # unit, role, index, n, sum, sumsq
    gaps: pd.DataFrame  # unit, role, index, n, level_sum, below (competence categories)
    reliability_items: pd.DataFrame  # category, role, item, n, sum, sumsq (complete cases)
    reliability_totals: pd.DataFrame  # category, role, n, sum, sumsq (complete cases)
    #: unit, role, index, n: respondents whose composite ``index`` is not the mean of their
    #: categories (``ScoringPlan.partial_composites``); only the disclosure rule reads them.
    partial: pd.DataFrame


def unpack(packed: str) -> Iterator[tuple[str, float]]:
    """Read the ``item=value,…`` string of one respondent's category."""
    for pair in packed.split(","):
        item, _, raw = pair.partition("=")
        yield item, float(raw)


def accumulate(rows: Iterable[CategoryRow], q: Questionnaire) -> LeafStatistics:
    """Score each respondent of ``rows`` and add them up per (unit, role, index).

    Each respondent's category sums become index scores (the half-answered rules live in
    ``ScoringPlan``), added to ``n, Σx, Σx²``; competence categories with a target for the role
    add their level and whether it is below target; complete cases feed Cronbach's α. Memory is
    bounded by the number of cells, not of respondents.
    """
    plan = ScoringPlan(q)
    competence = {c.id: c for c in q.categories if c.dimension == "competence"}
    acc: dict[tuple[Hashable, str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    gap: dict[tuple[Hashable, str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    partial: dict[tuple[Hashable, str, str], int] = defaultdict(int)
    reliability = CompleteCases(plan.item_counts)
    for unit, role, cats, packed in rows:
        for category, (_, answered) in cats.items():
            reliability.add(role, category, answered, unpack(packed[category]))
        scored = plan.respondent_scores(role, cats)
        for composite in plan.partial_composites(role, scored):
            partial[(unit, role, composite)] += 1
        for index, score in scored.items():
            cell = acc[(unit, role, index)]
            cell[0] += 1
            cell[1] += score
            cell[2] += score * score
            cat = competence.get(index)
            if cat is not None and role in cat.target:
                level = category_level(score, cat.scale)
                g = gap[(unit, role, index)]
                g[0] += 1
                g[1] += level
                g[2] += level < cat.target[role]
    scores = pd.DataFrame(
        [(u, r, i, int(v[0]), v[1], v[2]) for (u, r, i), v in acc.items()],
        columns=["unit", "role", "index", "n", "sum", "sumsq"],
    )
    gaps = pd.DataFrame(
        [(u, r, i, int(v[0]), v[1], int(v[2])) for (u, r, i), v in gap.items()],
        columns=["unit", "role", "index", "n", "level_sum", "below"],
    )
    partial_frame = pd.DataFrame(
        [(u, r, i, n) for (u, r, i), n in partial.items()],
        columns=["unit", "role", "index", "n"],
    )
    return LeafStatistics(scores, gaps, *reliability.tables(), partial=partial_frame)
