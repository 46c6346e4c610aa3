"""Respondents whose composite is not the mean of their own categories, as the disclosure
rule counts them (:mod:`analysis.disclosure`, rule 4).

Why apart: which people are partial, and which of them anyone could name, is a question of its
own (the groups below k they sit in); the rule only needs their counts as pseudo-index cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.aggregate import rollup
from analysis.suppression import CELL_ROLES

__all__ = ["PARTIAL", "partial_cells"]

#: Prefix of the pseudo-indices that count, per composite, the respondents whose composite is
#: not the mean of their categories (:meth:`analysis.scoring.ScoringPlan.partial_composites`):
#: decided like indices, never published.
PARTIAL = "~partial:"


def _small_groups(current: pd.DataFrame, tree: pd.DataFrame, k: int) -> set[tuple[str, str]]:
    """(unit, role) groups recorded at the unit itself (not its sub-units) with 1 … k−1
    respondents: the smallest groups anyone can name, of which every smaller-than-k group is
    made. After close none is stored (k-anonymous storage) except at the tree's root."""
    roles = current[current["role"] != CELL_ROLES[0]][["unit", "role", "index", "n"]]
    parent = dict(zip(tree["unit"], tree["parent"], strict=True))
    children = roles.assign(unit=roles["unit"].map(parent)).dropna(subset=["unit"])
    below = children.groupby(["unit", "role", "index"])["n"].sum()
    own = roles.set_index(["unit", "role", "index"])["n"]
    own = own - below.reindex(own.index, fill_value=0)
    size = own.groupby(level=["unit", "role"]).max()
    small = size[(size > 0) & (size < k)].index
    return set(zip(small.get_level_values(0), small.get_level_values(1), strict=True))


def partial_cells(
    partial: pd.DataFrame, current: pd.DataFrame, tree: pd.DataFrame, k: int
) -> pd.DataFrame:
    """Partial respondents (``unit, role, index, n`` where recorded) who sit in groups below k,
    as :data:`PARTIAL` cells (``unit, role, index, n``) of every unit's subtree and layer,
    ``all`` included; ``current``: the score cells, whose counts say which groups are small."""
    small = _small_groups(current, tree, k)
    atoms = zip(partial["unit"], partial["role"], strict=True)
    leaf = partial.loc[np.array([atom in small for atom in atoms], dtype=bool)]
    leaf = leaf[leaf["n"] > 0]
    if leaf.empty:
        return pd.DataFrame(columns=["unit", "role", "index", "n"])
    leaf = leaf.assign(index=PARTIAL + leaf["index"].astype(str))
    rolled = rollup(leaf[["unit", "role", "index", "n"]], tree, values=("n",))
    rolled = rolled[rolled["n"] > 0][["unit", "role", "index", "n"]]
    return rolled.astype({"n": int}).reset_index(drop=True)
