"""Reliability per category and round: Cronbach's α with a Feldt CI (docs/method.md, section 6).

α is computed on the respondents who answered every item of the category, from sufficient
statistics the database can deliver with two ``GROUP BY`` queries over those complete cases:
per item (``n, Σx, Σx²``) and per respondent total (``n, ΣT, ΣT²``). Reverse-keyed items must
be reversed first; rescaling all items of a category alike (e.g. to 0–100) leaves α unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.stats import cronbach_alpha_from_stats

__all__ = [
    "LOW_ALPHA",
    "RELIABILITY_COLUMNS",
    "CompleteCases",
    "flag_low_alpha",
    "flag_reliability",
    "reliability_table",
    "suppress_reliability",
]

RELIABILITY_COLUMNS: tuple[str, ...] = (
    "round",
    "category",
    "n",
    "items",
    "alpha",
    "ci_low",
    "ci_high",
)
LOW_ALPHA = 0.70


class CompleteCases:
    """Running ``n, Σx, Σx²`` per item and per total over each category's complete cases.

    The report scans a round's answers once, respondent by respondent; this keeps what
    :func:`reliability_table` needs without holding any answers. A respondent counts for a
    category only when every one of its ``sizes[category]`` items was answered ("vet ej" is
    not an answer), as Cronbach's α is defined on complete cases.
    """

    def __init__(self, sizes: Mapping[str, int]) -> None:
        self.size = dict(sizes)
        self.items: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        self.totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])

    def add(self, category: str, answered: int, values: Iterable[tuple[str, float]]) -> None:
        """Add one respondent's ``answered`` values of ``category`` (reverse keys reversed).

        ``values`` is only read for a complete case, so callers may pass a lazy parser.
        """
        if answered != self.size[category]:
            return
        total = 0.0
        for item, x in values:
            cell = self.items[(category, item)]
            cell[0] += 1
            cell[1] += x
            cell[2] += x * x
            total += x
        t = self.totals[category]
        t[0] += 1
        t[1] += total
        t[2] += total * total

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(item_stats, total_stats)`` as :func:`reliability_table` takes them."""
        items = pd.DataFrame(
            [(c, i, int(v[0]), v[1], v[2]) for (c, i), v in self.items.items()],
            columns=["category", "item", "n", "sum", "sumsq"],
        )
        totals = pd.DataFrame(
            [(c, int(v[0]), v[1], v[2]) for c, v in self.totals.items()],
            columns=["category", "n", "sum", "sumsq"],
        )
        return items, totals


def reliability_table(
    item_stats: pd.DataFrame,
    total_stats: pd.DataFrame,
    *,
    round_name: str,
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Cronbach's α and Feldt 95% CI per category, one row per category (``reliability.csv``).

    .. math::

        \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_i s_i^2}{s_T^2}\\right)

    with item and total variances from sums and sums of squares (see
    :func:`analysis.stats.cronbach_alpha_from_stats`).

    Parameters
    ----------
    item_stats : DataFrame
        Columns ``category, item, n, sum, sumsq``: per item, over the category's complete cases.
    total_stats : DataFrame
        Columns ``category, n, sum, sumsq``: the number of complete cases and the sum and sum of
        squares of their totals (each respondent's sum over the category's items).
    round_name : str
        Written to the ``round`` column.
    categories : sequence of str, optional
        Output order (and the categories to report; missing ones get ``n = 0`` and NaN);
        default: order of ``total_stats``.

    Returns
    -------
    DataFrame
        Columns ``round, category, n, items, alpha, ci_low, ci_high``.

    Notes
    -----
    Matches ``pingouin.cronbach_alpha`` on the complete cases. Feldt, L. S. (1965),
    Psychometrika 30, 357–370.
    """
    totals = total_stats.drop_duplicates("category").set_index("category")
    if categories is None:
        categories = list(totals.index)
    grouped = {c: g for c, g in item_stats.groupby("category", sort=False)}
    rows = []
    for category in categories:  # one row per category: a handful per round
        items = grouped.get(category, item_stats.iloc[:0])
        n = int(totals["n"].get(category, 0))
        if not items.empty and (items["n"] != n).any():
            raise ValueError(f"category {category!r}: item n differs from the complete-case n")
        alpha, low, high = (np.nan, np.nan, np.nan)
        if n and category in totals.index:
            alpha, low, high = cronbach_alpha_from_stats(
                n,
                len(items),
                items["sum"].to_numpy(),
                items["sumsq"].to_numpy(),
                float(totals["sum"].to_numpy()[totals.index.get_loc(category)]),
                float(totals["sumsq"].to_numpy()[totals.index.get_loc(category)]),
            )
        rows.append((round_name, category, n, len(items), alpha, low, high))
    out = pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))
    return out.astype(
        {"n": "int64", "items": "int64", "alpha": float, "ci_low": float, "ci_high": float}
    )


def suppress_reliability(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """The reliability table with every row of ``0 < n < k`` complete cases emptied.

    α of two, three or four people is a figure about a group smaller than k, and its n says
    how many of them answered every item; such a row keeps its category and item count, with
    ``n``, ``alpha`` and its CI empty (the row stays, so a reader sees the category was asked
    and not reported). A category nobody completed keeps ``n = 0``: it shows nobody.
    """
    small = ((table["n"] > 0) & (table["n"] < k)).to_numpy()
    out = table.astype({"n": "Int64"})
    out.loc[small, "n"] = pd.NA
    out.loc[small, ["alpha", "ci_low", "ci_high"]] = np.nan
    return out


def flag_low_alpha(table: pd.DataFrame, threshold: float = LOW_ALPHA) -> pd.Series:
    """Flag categories whose α is below ``threshold`` (default 0.70, docs/method.md section 6).

    Returns a boolean Series named ``low_alpha`` aligned on ``table``; NaN α is not flagged.
    """
    return (table["alpha"] < threshold).rename("low_alpha")


def flag_reliability(table: pd.DataFrame) -> pd.DataFrame:
    """The reliability table with its last column ``alpha_below_070`` (empty where α is).

    The figures carry the flag so that every page, report and file shows the same warning;
    a category without α (too few complete cases) is neither flagged nor cleared.
    """
    flag = pd.array(flag_low_alpha(table).to_numpy(), dtype="boolean")
    flag[table["alpha"].isna().to_numpy()] = pd.NA
    return table.assign(alpha_below_070=flag)
