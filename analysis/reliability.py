"""Reliability per category, role and round: Cronbach's α with a Feldt CI (docs/method.md, §6).

α is computed per role on that role's own items (a category may give a role fewer items:
``leg_platforms_4`` is for specialists only), on the respondents of the role who answered
every one of them. Pooling roles would leave out every respondent of a role with fewer items
(no manager is ever "complete" on four items when asked three) and mix two instruments in one
figure. The sufficient statistics come from one scan of the answers: per role and item
(``n, Σx, Σx²``) and per role and respondent total (``n, ΣT, ΣT²``). Reverse-keyed items must
be reversed first; rescaling all items of a category alike (e.g. to 0–100) leaves α unchanged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.roles import ROLES
from analysis.stats import cronbach_alpha_from_stats

__all__ = [
    "IMPRECISE_N",
    "LOW_ALPHA",
    "RELIABILITY_COLUMNS",
    "CompleteCases",
    "flag_low_alpha",
    "flag_reliability",
    "reliability_table",
    "shown_alpha",
    "suppress_reliability",
]

RELIABILITY_COLUMNS: tuple[str, ...] = (
    "round",
    "category",
    "role",
    "n",
    "items",
    "alpha",
    "ci_low",
    "ci_high",
    "imprecise",
)
LOW_ALPHA = 0.70
#: Below this many complete cases α is marked imprecise: its Feldt CI is then typically wider
#: than ±0.1 around 0.7, too wide to tell an acceptable scale from a poor one.
IMPRECISE_N = 30


class CompleteCases:
    """Running ``n, Σx, Σx²`` per role and item and per role total over complete cases.

    The report scans a round's answers once, respondent by respondent; this keeps what
    :func:`reliability_table` needs without holding any answers. A respondent counts for a
    category only when every one of the ``sizes[role][category]`` items the category has for
    the respondent's role was answered ("vet ej" is not an answer), as Cronbach's α is defined
    on complete cases.
    """

    def __init__(self, sizes: Mapping[str, Mapping[str, int]]) -> None:
        self.size = {role: dict(per_category) for role, per_category in sizes.items()}
        self.items: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        self.totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])

    def add(
        self, role: str, category: str, answered: int, values: Iterable[tuple[str, float]]
    ) -> None:
        """Add one respondent's ``answered`` values of ``category`` (reverse keys reversed).

        ``values`` is only read for a complete case, so callers may pass a lazy parser.
        """
        if answered != self.size.get(role, {}).get(category):
            return
        total = 0.0
        for item, x in values:
            cell = self.items[(role, category, item)]
            cell[0] += 1
            cell[1] += x
            cell[2] += x * x
            total += x
        t = self.totals[(role, category)]
        t[0] += 1
        t[1] += total
        t[2] += total * total

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(item_stats, total_stats)`` as :func:`reliability_table` takes them."""
        items = pd.DataFrame(
            [(c, r, i, int(v[0]), v[1], v[2]) for (r, c, i), v in self.items.items()],
            columns=["category", "role", "item", "n", "sum", "sumsq"],
        )
        totals = pd.DataFrame(
            [(c, r, int(v[0]), v[1], v[2]) for (r, c), v in self.totals.items()],
            columns=["category", "role", "n", "sum", "sumsq"],
        )
        return items, totals


def reliability_table(
    item_stats: pd.DataFrame,
    total_stats: pd.DataFrame,
    *,
    round_name: str,
    categories: Sequence[str] | None = None,
    sizes: Mapping[str, Mapping[str, int]] | None = None,
) -> pd.DataFrame:
    """Cronbach's α and Feldt 95% CI per category and role (``reliability.csv``).

    .. math::

        \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_i s_i^2}{s_T^2}\\right)

    with item and total variances from sums and sums of squares (see
    :func:`analysis.stats.cronbach_alpha_from_stats`), ``k`` the role's own items.

    Parameters
    ----------
    item_stats : DataFrame
        Columns ``category, role, item, n, sum, sumsq``: per role and item, over the role's
        complete cases of the category.
    total_stats : DataFrame
        Columns ``category, role, n, sum, sumsq``: the number of complete cases and the sum and
        sum of squares of their totals (each respondent's sum over the role's items).
    round_name : str
        Written to the ``round`` column.
    categories : sequence of str, optional
        Output order (and the categories to report); default: order of ``total_stats``.
    sizes : mapping of role to mapping of category to int, optional
        The items each category has for each role (:attr:`analysis.scoring.ScoringPlan.
        item_counts`): one row per (category, role) in it, ``n = 0`` and NaN where nobody
        completed; default: the (category, role) pairs of ``total_stats``.

    Returns
    -------
    DataFrame
        :data:`RELIABILITY_COLUMNS`, by category then role (employee, manager, specialist):
        ``items`` is the role's item count, ``imprecise`` is True for α on fewer than
        :data:`IMPRECISE_N` complete cases.

    Notes
    -----
    Matches ``pingouin.cronbach_alpha`` on each role's complete cases. Feldt, L. S. (1965),
    Psychometrika 30, 357–370.
    """
    totals = total_stats.drop_duplicates(["category", "role"]).set_index(["category", "role"])
    if categories is None:
        categories = list(pd.unique(total_stats["category"]))
    grouped = {key: g for key, g in item_stats.groupby(["category", "role"], sort=False)}
    rows = []
    for category in categories:  # a handful of categories × three roles per round
        for role in ROLES:
            key = (category, role)
            items = grouped.get(key, item_stats.iloc[:0])
            if sizes is not None:
                if category not in sizes.get(role, {}):
                    continue
                k = int(sizes[role][category])
            elif key in totals.index:
                k = len(items)
            else:
                continue
            n = int(totals["n"].get(key, 0))
            if not items.empty and ((items["n"] != n).any() or len(items) != k):
                raise ValueError(f"{key}: item n or item count differs from the complete cases")
            alpha, low, high = (np.nan, np.nan, np.nan)
            if n:
                alpha, low, high = cronbach_alpha_from_stats(
                    n,
                    len(items),
                    items["sum"].to_numpy(),
                    items["sumsq"].to_numpy(),
                    float(totals["sum"].to_numpy()[totals.index.get_loc(key)]),
                    float(totals["sumsq"].to_numpy()[totals.index.get_loc(key)]),
                )
            imprecise = bool(not math.isnan(alpha) and n < IMPRECISE_N)
            rows.append((round_name, category, role, n, k, alpha, low, high, imprecise))
    out = pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))
    return out.astype(
        {
            "n": "int64",
            "items": "int64",
            "alpha": float,
            "ci_low": float,
            "ci_high": float,
            "imprecise": bool,
        }
    )


def suppress_reliability(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """The reliability table with every row of ``0 < n < k`` complete cases emptied.

    α of two, three or four people is a figure about a group smaller than k, and its n says
    how many of them answered every item; such a row keeps its category, role and item count,
    with ``n``, ``alpha``, its CI and ``imprecise`` empty (the row stays, so a reader sees the
    category was asked and not reported). A category nobody completed keeps ``n = 0``: it
    shows nobody.
    """
    small = ((table["n"] > 0) & (table["n"] < k)).to_numpy()
    out = table.astype({"n": "Int64"})
    out.loc[small, "n"] = pd.NA
    out.loc[small, ["alpha", "ci_low", "ci_high"]] = np.nan
    if "imprecise" in out.columns:
        out["imprecise"] = out["imprecise"].astype("boolean")
        out.loc[small, "imprecise"] = pd.NA
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


def shown_alpha(
    alpha: float | None, decimals: int = 2, threshold: float = LOW_ALPHA
) -> float | None:
    """α as printed with ``decimals`` decimals, never rounded across ``threshold``.

    Ordinary rounding, except that a value below the threshold which would round up to it is
    cut down instead (0.6993 → 0.69, not 0.70 beside "under 0.70"); a value at or above the
    threshold never rounds below it. None for a missing α.
    """
    if alpha is None or math.isnan(alpha):
        return None
    rounded = round(float(alpha), decimals)
    if alpha < threshold <= rounded:
        return float(math.floor(alpha * 10**decimals) / 10**decimals)
    return rounded
