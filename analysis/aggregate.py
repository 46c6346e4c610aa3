"""Sum sufficient statistics up the organisation tree (docs/method.md, section 3).

The database delivers ``n, Σx, Σx²`` per (unit where the respondent was recorded, role, index)
and answer counts per (unit, role, item, value). A unit's cell includes its own respondents and
those of all its descendants; role ``all`` is the sum of the three roles. The subtree sums are one
sparse matrix product with the tree's ancestor matrix, never a loop per cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.roles import OUTPUT_ROLES, ROLES
from analysis.stats import describe
from analysis.tree import ancestor_pairs, unit_levels

# ``ancestor_pairs`` and ``unit_levels`` live in ``analysis.tree``; they stay importable from
# here for the callers written before it.
__all__ = [
    "ALL_ROLES",
    "RESPONDENT_ROLES",
    "ancestor_pairs",
    "cells",
    "rollup",
    "rollup_counts",
    "unit_levels",
]

RESPONDENT_ROLES: tuple[str, ...] = ROLES
ALL_ROLES: tuple[str, ...] = OUTPUT_ROLES


def _subtree_matrix(tree: pd.DataFrame) -> sparse.csr_array:
    """Sparse 0/1 matrix ``A`` with ``A[a, u] = 1`` when ``a`` is ``u`` or one of its ancestors."""
    pairs = ancestor_pairs(tree)
    pos = pd.Index(tree["unit"])
    rows, cols = pos.get_indexer(pairs["ancestor"]), pos.get_indexer(pairs["unit"])
    return sparse.csr_array((np.ones(len(pairs)), (rows, cols)), shape=(len(pos), len(pos)))


def _roll(
    leaf: pd.DataFrame, tree: pd.DataFrame, keys: list[str], values: list[str], key_order: pd.Index
) -> pd.DataFrame:
    missing = {"unit", "role", *keys, *values} - set(leaf.columns)
    if missing:
        raise ValueError(f"missing column(s) {sorted(missing)}")
    if not key_order.is_unique:
        raise ValueError(f"{', '.join(keys)}: the given order lists an id more than once")
    subtree = _subtree_matrix(tree)
    unit = pd.Index(tree["unit"]).get_indexer(pd.Index(leaf["unit"]))
    if (unit < 0).any():
        unknown = leaf.loc[unit < 0, "unit"].unique()
        raise ValueError(f"unit code(s) not in the tree: {sorted(map(str, unknown))}")
    role = pd.Index(RESPONDENT_ROLES).get_indexer(pd.Index(leaf["role"]))
    if (role < 0).any():
        raise ValueError(f"unknown role(s) {sorted(map(str, leaf.loc[role < 0, 'role'].unique()))}")
    key_values = pd.Index(leaf[keys[0]]) if len(keys) == 1 else pd.MultiIndex.from_frame(leaf[keys])
    key = key_order.get_indexer(key_values)
    if (key < 0).any():
        raise ValueError(f"{', '.join(keys)}: value(s) missing from the given order")
    n_units, n_keys, n_roles = len(tree), len(key_order), len(RESPONDENT_ROLES)
    # Own figures of each unit as a dense (unit, role × key) matrix per value column, then one
    # sparse product sums every unit's subtree: total = A · own.
    flat = (unit * n_roles + role) * n_keys + key
    own = np.column_stack(
        [np.bincount(flat, leaf[v].to_numpy(float), n_units * n_roles * n_keys) for v in values]
    ).reshape(n_units, -1)
    total = (subtree @ own).reshape(n_units, n_roles, n_keys, len(values))
    total = np.concatenate([total.sum(axis=1, keepdims=True), total], axis=1)
    key_levels = [key_order.get_level_values(i).to_numpy() for i in range(key_order.nlevels)]
    columns = {
        "unit": np.repeat(tree["unit"].to_numpy(), len(ALL_ROLES) * n_keys),
        "role": np.tile(np.repeat(np.array(ALL_ROLES, dtype=object), n_keys), n_units),
        **{
            k: np.tile(level, n_units * len(ALL_ROLES))
            for k, level in zip(keys, key_levels, strict=True)
        },
        **{v: total[..., i].reshape(-1) for i, v in enumerate(values)},
    }
    return pd.DataFrame(columns)


def _order(values: pd.Series, given: Sequence[str] | None) -> pd.Index:
    if given is None:
        return pd.Index(pd.unique(values))
    extra = set(values.unique()) - set(given)
    if extra:
        raise ValueError(f"index id(s) not in the given order: {sorted(map(str, extra))}")
    return pd.Index(list(given))


def rollup(
    leaf: pd.DataFrame,
    tree: pd.DataFrame,
    *,
    indices: Sequence[str] | None = None,
    values: Sequence[str] = ("n", "sum", "sumsq"),
) -> pd.DataFrame:
    """Sum ``n, sum, sumsq`` over each unit's subtree, per role and for role ``all``.

    .. math::

        n_{u,r,i} = \\sum_{v \\in \\operatorname{subtree}(u)} n_{v,r,i}, \\quad
        n_{u,\\mathrm{all},i} = \\sum_r n_{u,r,i}

    and likewise for Σx and Σx² (all three are additive).

    Parameters
    ----------
    leaf : DataFrame
        Columns ``unit, role, index, n, sum, sumsq``; ``unit`` is where the respondents were
        recorded (any node, not only leaves); ``role`` in employee | manager | specialist.
        Repeated keys are summed.
    tree : DataFrame
        Columns ``unit, parent`` of one year's tree.
    indices : sequence of str, optional
        Index ids in output order (all present ones must be listed); default: order of first
        appearance in ``leaf``.
    values : sequence of str, default ("n", "sum", "sumsq")
        The additive columns to sum (e.g. ``n, level_sum, below`` for competence gaps).

    Returns
    -------
    DataFrame
        Columns ``unit, role, index`` and ``values``: every unit of the tree (tree order) ×
        role (all, employee, manager, specialist) × index, empty cells with ``n = 0``.

    Notes
    -----
    The own figures form a dense (unit × role·index) matrix ``O``; the subtree sums are
    ``A @ O`` with the sparse ancestor matrix ``A`` (``A[a, u] = 1`` when ``a`` is ``u`` or an
    ancestor of it), so the cost grows with units × depth, not with cells × units.
    """
    order = _order(leaf["index"], indices)
    out = _roll(leaf, tree, ["index"], list(values), order)
    return out.astype({v: "int64" if v == "n" else "float64" for v in values})


def cells(rolled: pd.DataFrame) -> pd.DataFrame:
    """Add ``mean, sd, ci_low, ci_high`` to a rolled-up frame (see :func:`analysis.stats.describe`).

    Mean :math:`\\Sigma x/n`, sample SD, and 95% CI :math:`\\bar x \\pm t_{0.975,n-1} s/\\sqrt n`;
    NaN where ``n`` is too small.
    """
    mean, sd, low, high = describe(
        rolled["n"].to_numpy(), rolled["sum"].to_numpy(), rolled["sumsq"].to_numpy()
    )
    return rolled.assign(mean=mean, sd=sd, ci_low=low, ci_high=high)


def rollup_counts(counts: pd.DataFrame, tree: pd.DataFrame) -> pd.DataFrame:
    """Sum item answer counts over each unit's subtree, per role and for role ``all``.

    Parameters
    ----------
    counts : DataFrame
        Columns ``unit, role, item, value, count`` ("don't know" may be its own value).
    tree : DataFrame
        Columns ``unit, parent``.

    Returns
    -------
    DataFrame
        Columns ``unit, role, item, value, count``: every unit × role (incl. ``all``) × each
        (item, value) pair present in ``counts``, zeros included, so a count table can be
        pivoted directly. Items keep their order of appearance; numeric values ascend, other
        values (e.g. a "don't know" code) come last.
    """
    pairs = counts[["item", "value"]].drop_duplicates()
    item_order = {item: i for i, item in enumerate(pd.unique(counts["item"]))}
    pairs = pairs.assign(
        _o=pairs["item"].map(item_order), _v=pd.to_numeric(pairs["value"], errors="coerce")
    )
    pairs = pairs.sort_values(["_o", "_v"], kind="stable", na_position="last")
    order = pd.MultiIndex.from_frame(pairs[["item", "value"]])
    out = _roll(counts, tree, ["item", "value"], ["count"], order)
    return out.astype({"count": np.int64})
