"""Competence gaps per unit × role × competence category, ranked for HR (docs/method.md, section 7).

The input is additive and rolled up the tree by the caller (a unit includes its descendants):
per unit, role and category the number :math:`n` of respondents with a category score, the sum
of their mean levels :math:`\\sum \\ell_i` in raw scale points (see
:func:`analysis.scoring.category_level`) and the number :math:`b` whose mean level is below the
role's target :math:`T`. Then

.. math:: \\bar\\ell = \\frac{1}{n}\\sum \\ell_i, \\qquad
          \\text{gap} = T - \\bar\\ell, \\qquad \\text{share\\_below} = \\frac{b}{n},

so a positive gap is a shortfall. Targets are per role, so role ``all`` has no gap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.instruments import Questionnaire
from analysis.roles import ALL, OUTPUT_ROLES, ROLES

__all__ = ["GAP_COLUMNS", "competence_gaps"]

#: Columns of :func:`competence_gaps`, in order.
GAP_COLUMNS: tuple[str, ...] = (
    "unit",
    "role",
    "category",
    "n",
    "mean_level",
    "target",
    "gap",
    "share_below",
    "rank",
    "suppressed",
)


def competence_gaps(
    stats: pd.DataFrame,
    questionnaire: Questionnaire,
    k: int = 5,
    *,
    by: Sequence[str] = ("unit",),
) -> pd.DataFrame:
    """Compare mean competence levels with the target levels and rank the shortfalls.

    Parameters
    ----------
    stats : DataFrame
        Columns ``unit, role, category, n, level_sum, below`` and optionally a boolean
        ``suppressed`` (e.g. the complementary suppression of the same cells from
        :func:`analysis.suppression.suppress_cells`), which is honoured on top of ``n < k``.
        Rows with role ``all`` are dropped (targets are per role).
    questionnaire : Questionnaire
        Gives each competence category's target level per role.
    k : int, default 5
        Minimum cell size; cells with ``n < k`` (including ``n = 0``) are suppressed.
    by : sequence of str, default ("unit",)
        Columns within which to rank; ``()`` ranks over the whole frame.

    Returns
    -------
    DataFrame
        Columns :data:`GAP_COLUMNS`. Suppressed rows are kept with ``suppressed=True`` and
        every figure empty (NaN / <NA>), ``n`` included as in the open data; ``target`` stays
        (it is the questionnaire's, not the respondents'). ``rank`` is 1 for the
        largest gap within each ``by`` group, ties broken by the larger ``share_below``, then
        questionnaire order of category and role. Sorted by ``by`` and rank, suppressed rows last.

    Raises
    ------
    ValueError
        For ``k < 3``, a missing column, an unknown role, a category that is not a competence
        category with a target for the role, a repeated cell, or inconsistent counts.
    """
    if k < 3:
        raise ValueError(f"k must be at least 3, got {k}")
    need = {"unit", "role", "category", "n", "level_sum", "below"}
    missing = need - set(stats.columns)
    if missing:
        raise ValueError(f"gap stats: missing column(s) {', '.join(sorted(missing))}")
    bad_roles = sorted(set(stats["role"]) - set(OUTPUT_ROLES), key=str)
    if bad_roles:
        raise ValueError(f"unknown role(s) {bad_roles}")
    df = stats[stats["role"] != ALL].reset_index(drop=True)
    if df.duplicated(["unit", "role", "category"]).any():
        raise ValueError("gap stats: the same unit, role and category appears twice")
    cat_order = {c.id: i for i, c in enumerate(questionnaire.categories)}
    role_order = {r: i for i, r in enumerate(ROLES)}
    targets = []
    for cid, role in zip(df["category"], df["role"], strict=True):
        cat = questionnaire.category(cid) if cid in cat_order else None
        if cat is None or cat.dimension != "competence" or role not in cat.target:
            raise ValueError(f"category {cid!r} has no competence target for role {role!r}")
        targets.append(float(cat.target[role]))
    n = df["n"].astype("int64")
    below = df["below"].astype("int64")
    if (n < 0).any() or (below < 0).any() or (below > n).any():
        raise ValueError("gap stats: need 0 <= below <= n")
    hidden = n < k
    if "suppressed" in df.columns:
        hidden = hidden | ~df["suppressed"].eq(False)  # fails closed: None/NaN hide the row
    safe_n = n.where(~hidden).astype(float)
    out = pd.DataFrame(
        {
            "unit": df["unit"],
            "role": df["role"],
            "category": df["category"],
            "n": n.astype("Int64").where(~hidden),
            "mean_level": df["level_sum"].astype(float) / safe_n,
            "target": np.asarray(targets, dtype=float),
        }
    )
    out["gap"] = out["target"] - out["mean_level"]
    out["share_below"] = below / safe_n
    out["suppressed"] = hidden.to_numpy()
    out["_c"] = out["category"].map(cat_order)
    out["_r"] = out["role"].map(role_order)
    by = list(by)
    order = out.sort_values(
        [*by, "suppressed", "gap", "share_below", "_c", "_r"],
        ascending=[*([True] * len(by)), True, False, False, True, True],
        kind="mergesort",
    )
    shown = order[~order["suppressed"]]
    ranks = (
        shown.groupby(by, sort=False).cumcount() + 1
        if by
        else pd.Series(np.arange(1, len(shown) + 1), index=shown.index)
    )
    order = order.assign(rank=ranks.reindex(order.index).astype("Int64"))
    return order[list(GAP_COLUMNS)].reset_index(drop=True)
