"""Comparison figures across years under the disclosure rule (docs/privacy.md).

Why a module of its own: an earlier round's figure shown beside this year's cell is only safe
when it repeats a figure that round's own decision, on its own tree, already shows. After a
reorganisation the same unit code can sum old groups that the old tree kept apart, and
suppressing the old figures on the new tree gave such groups back (the auditor found it).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.suppression import CELL_ROLES
from analysis.tree import children_map, parent_map, preorder

__all__ = ["comparison_sides"]


def comparison_sides(
    keys: pd.DataFrame,
    old_counts: pd.DataFrame,
    old_tree: pd.DataFrame,
    old_hidden: pd.Series,
    mapping: Mapping[str, str],
    new_tree: pd.DataFrame,
) -> pd.Series:
    """Why a comparison figure may not be shown, per row of ``keys`` (``""``: it may).

    A comparison figure of this year's cell (unit, role, index) sums the comparison round's
    respondents of the units that map into the unit. It is shown only when that set of old
    respondents is exactly one cell of the comparison round's own tree and that cell is shown
    by the comparison round's own suppression (``old_hidden``, indexed by unit, role, index);
    then it repeats a published figure and gives nothing new. Otherwise a reorganised unit
    (say, moved between departments) would combine old groups the old tree kept hidden:
    ``previous_reorganised`` when no old cell has exactly those respondents,
    ``previous_suppressed`` when it has but that cell is hidden.

    ``keys``: columns ``unit, role, index`` on this year's units; ``old_counts``: the
    comparison round's leaf counts ``unit, role, index, n`` (respondents recorded at each unit);
    ``mapping``: old code → this year's code (:func:`analysis.tree.code_mapping`).
    """
    old_subtree = _subtrees(old_tree)
    new_subtree = _subtrees(new_tree)
    own: dict[tuple[str, str], set[str]] = {}  # (role, index) → old units with respondents
    for unit, role, index, n in old_counts[["unit", "role", "index", "n"]].itertuples(index=False):
        if n > 0:
            own.setdefault((str(role), str(index)), set()).add(str(unit))
    hidden = {key: bool(v) for key, v in old_hidden.items()}
    lookup: dict[tuple[str, str], dict[frozenset[str], bool]] = {}
    out = []
    for unit, layer, index in keys[["unit", "role", "index"]].itertuples(index=False):
        roles = CELL_ROLES[1:] if layer == CELL_ROLES[0] else (layer,)
        filled = set().union(*(own.get((r, index), set()) for r in roles))
        if (layer, index) not in lookup:  # old cell's respondents' units → shown
            cells_of: dict[frozenset[str], bool] = {}
            for old_unit, below in old_subtree.items():
                members = frozenset(filled.intersection(below))
                shown = not hidden.get((old_unit, layer, index), True)
                cells_of[members] = cells_of.get(members, False) or shown
            lookup[(layer, index)] = cells_of
        inside = set(new_subtree.get(unit, ()))
        mine = frozenset(o for o in filled if mapping.get(o) in inside)
        if not mine:
            out.append("")  # nothing to compare: the comparison's own reasons apply
        elif mine not in lookup[(layer, index)]:
            out.append("previous_reorganised")
        else:
            out.append("" if lookup[(layer, index)][mine] else "previous_suppressed")
    return pd.Series(out, index=keys.index, dtype=object)


def _subtrees(tree: pd.DataFrame) -> dict[str, list[str]]:
    parent = parent_map(tree["unit"].astype(str), tree["parent"])
    kids = children_map(parent)
    return {u: [v for v, _ in preorder(kids, [u])] for u in parent}
