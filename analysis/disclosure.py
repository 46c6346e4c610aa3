"""One disclosure rule for every published figure: joint suppression per (unit, role) group
(docs/privacy.md; treat as security).

Why joint: suppressing each index on its own is not enough, because indices are tied to each
other. An employee answers only the workplace category, so for employees ``maturity``,
``capability`` and ``cap_workplace`` are the same number; a composite index is the mean of its
categories per respondent; and the ``all`` cell of an index is the sum of only the roles that
answer it (``cap_workplace(all)`` = employees, ``legacy(all)`` = managers + specialists). A cell
hidden in one index and shown in another — or two ``all`` cells that sum different roles — gave
back the group it was meant to hide.

*Model.* A **group** is a (unit with its descendants, layer) pair, the layer being a role or
``all``. The decision is made per group and holds for every index at once, so an identity
between indices relates only figures that are all shown or all hidden. The shown groups are
the *pattern*.

1. *Primary.* A group is hidden when any of its cells, in any index, has ``0 < n < k``, or is
   **homogeneous** (every respondent gave the same answer: sd 0, a share below target of 0 or
   1, one answer option) with ``n < k_homogeneous`` — the reason is kept per cell.
2. *Complementary*, on the tree and roles as in :mod:`analysis.suppression`: the exact min-cut
   solver runs on each index's own counts, starting from the pattern, and whatever it hides
   is hidden for every index; this repeats until no index changes the pattern. The pattern is
   then safe against linear combinations within every index; a cell the per-index rule
   (:func:`analysis.suppression.suppress_cells`) hides stays hidden too, so that no cell
   hidden in a file published before this rule is shown now. A homogeneous cell with
   ``n ≥ k`` is protected in its index by giving its respondents a weight below their count
   (the cell weighs ``k − ½``), so the solver treats it as a group smaller than k.
3. *``all`` sums that differ.* ``all`` of an index that a role does not answer is a different
   sum from ``all`` of one it does; the difference is that role's group. So the ``all`` cell
   of an index is shown only when every role outside the index that has respondents in the
   unit is shown itself (then the cell is ``all`` minus shown cells: nothing new). And when the
   hidden roles of a unit answer different indices (employees vs managers and specialists),
   composites weigh their categories differently per role, so ``all`` of two composites
   differ by a contrast of one role class: ``all`` is hidden when such a class has ``0 < n < k``.
   Where two indices are the same number for a role (for employees, ``maturity`` =
   ``capability`` = ``cap_workplace``), their difference over ``all`` is a sum of the other
   roles only: ``all`` is shown only where that role is shown or absent (found by the
   auditor run on generated trees).

4. *Partial respondents.* Someone who lacks one of a composite's categories, or has one
   without the composite, makes ``composite − mean of categories`` a sum over just such
   people. That names nobody when they sit among k or more people of their own (unit, role);
   but the partial people of a smaller group (one specialist with one legacy category) would
   be that group. Their counts per composite (``partial``, pseudo-index :data:`PARTIAL`,
   only those recorded in groups of 1 … k−1) are decided like an index after the groups: the
   composite's cells where they are 1 … k−1, and what protects those, are hidden; the
   categories stay, being the same sums whoever is partial. After close no stored group is
   that small except at the tree's root (k-anonymous storage), so this rarely hides anything
   in practice; it matters for rounds stored before, and the tests' generated trees.

What this does not cover: the 0–100 bounds of scores (interval attacks); counts of answers;
the weights with which a partial respondent's composite averages their own categories (the
auditor models that composite as an unknown); and item sums against category sums (items
are decided on their own, with the groups the scores hide kept hidden). A cell the
per-index rule (:mod:`analysis.suppression`) hides stays hidden, so the joint rule only ever
hides more than it did. The disclosure auditor (:mod:`analysis.audit`) attacks the published
rows with the linear model the rule defends against.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.instruments import Questionnaire
from analysis.partial import PARTIAL, partial_cells
from analysis.scoring import ScoringPlan, applicable_indices
from analysis.suppression import (
    ALL_LAYER,
    CELL_ROLES,
    ROLE_LAYERS,
    CountTables,
    _check_k,
    _Table,
    count_tables,
    suppress_cells,
)

__all__ = [
    "REASONS",
    "equal_index_roles",
    "homogeneous_gaps",
    "joint_suppression",
    "role_classes",
    "role_rules",
    "score_suppression",
]

#: Why a cell is hidden: too few respondents, all answered the same, or to protect another.
REASONS: tuple[str, ...] = ("too_few", "homogeneous", "complementary")
#: Weights are multiplied by this when a homogeneous cell must weigh less than its count,
#: so that the solver keeps working with whole numbers.
SCALE = 1000


def joint_suppression(
    cells: pd.DataFrame,
    tree: pd.DataFrame,
    k: int = 5,
    *,
    k_homogeneous: int = 10,
    role_classes: Mapping[str, Hashable] | None = None,
    hidden_groups: Collection[tuple[str, str]] = (),
    equal_index_roles: Collection[str] = (),
) -> pd.DataFrame:
    """Decide which cells to hide, per (unit, role) group across every index (see the module).

    Parameters
    ----------
    cells : DataFrame
        Columns ``unit, role, index, n`` and optionally a boolean ``homogeneous`` (every
        respondent of the cell gave the same answer); counts as for
        :func:`analysis.suppression.suppress_cells` (``all`` = the sum of the roles).
    tree : DataFrame
        Columns ``unit, parent``.
    k, k_homogeneous : int
        Minimum group size (≥ 3) and the minimum size of a shown homogeneous cell (≥ k).
    role_classes : mapping of role to a key, optional
        Roles with the same key answer the same categories (default: every role its own).
    hidden_groups : collection of (unit, role)
        Groups another surface hides already (e.g. the score cells when deciding items).
    equal_index_roles : collection of str
        Roles for which two indices are the same number (:func:`equal_index_roles`): ``all``
        is shown only where such a role is shown or absent.

    Returns
    -------
    DataFrame
        Aligned to ``cells.index``: ``suppressed`` (bool) and ``reason`` (one of
        :data:`REASONS`, ``""`` when shown).
    """
    _check_k(k)
    if k_homogeneous < k:
        raise ValueError(f"k_homogeneous must be at least k ({k}), got {k_homogeneous}")
    table = count_tables(cells, tree)
    size = len(table.codes)
    flag = (
        cells["homogeneous"].fillna(False).to_numpy(dtype=bool)
        if "homogeneous" in cells.columns
        else np.zeros(len(cells), dtype=bool)
    )
    homogeneous: dict[str, np.ndarray] = {}
    forced = np.zeros((size, 4), dtype=bool)
    group_n = np.zeros((size, 4), dtype=np.int64)
    partial = {ix: n for ix, n in table.counts.items() if ix.startswith(PARTIAL)}
    indices = {ix: n for ix, n in table.counts.items() if ix not in partial}
    for index, rows in table.rows.items():
        if index in partial:
            continue
        n = table.counts[index]
        marks = np.zeros((size, 4), dtype=bool)
        marks[table.unit_of_row[rows], table.layer_of_row[rows]] = flag[rows]
        homogeneous[index] = marks & (n >= k) & (n < k_homogeneous)
        forced |= ((n > 0) & (n < k)) | homogeneous[index]
        group_n = np.maximum(group_n, n)
    position = {c: i for i, c in enumerate(table.codes)}
    for unit, role in hidden_groups:
        if unit in position and role in CELL_ROLES:
            forced[position[unit], CELL_ROLES.index(role)] = True
    pattern = (group_n > 0) & ~forced
    answering = {ix: n[:, 1:].sum(0) > 0 for ix, n in indices.items()}
    weights = {ix: _weights(table.counts[ix], homogeneous[ix], table.parent, k) for ix in answering}
    classes = [(role_classes or {}).get(r, r) for r in CELL_ROLES[1:]]
    changed = True
    equal_layers = [CELL_ROLES.index(r) for r in equal_index_roles if r in CELL_ROLES[1:]]
    while changed:
        before = pattern.copy()
        _mixed_classes(pattern, group_n, classes, k)
        for layer in equal_layers:  # X − Y of all is the other roles' (see the module)
            pattern[:, ALL_LAYER] &= pattern[:, layer] | (group_n[:, layer] == 0)
        for index, n in indices.items():
            weight, k_index = weights[index]
            start = _shown(pattern, n, group_n, answering[index])
            solved = np.array(
                _Table(table.codes, table.parent, weight.tolist(), k_index, start.tolist()).solve()
            )
            pattern &= ~(start & ~solved)
        changed = bool((pattern != before).any())
    composite_hidden = {
        ix.removeprefix(PARTIAL): _partial_hidden(
            table, pn, _shown(pattern, indices[ix.removeprefix(PARTIAL)], group_n,
                              answering[ix.removeprefix(PARTIAL)]), k,
        )
        for ix, pn in partial.items()
        if ix.removeprefix(PARTIAL) in indices
    }  # fmt: skip
    out_hidden = np.ones(len(cells), dtype=bool)
    reason = np.full(len(cells), REASONS[2], dtype=object)
    # Never show what the per-index rule hides: files published under it are out there, and a
    # cell they hid, shown now next to theirs, could give back a group that neither hides alone.
    per_index = suppress_cells(cells[["unit", "role", "index", "n"]], tree, k).to_numpy()
    for index, rows in table.rows.items():
        if index in partial:
            continue
        n = table.counts[index]
        shown = _shown(pattern, n, group_n, answering[index])
        if index in composite_hidden:
            shown &= ~composite_hidden[index]
        shown[table.unit_of_row[rows], table.layer_of_row[rows]] &= ~per_index[rows]
        at = (table.unit_of_row[rows], table.layer_of_row[rows])
        out_hidden[rows] = ~shown[at]
        reason[rows] = np.select(
            [shown[at], n[at] < k, homogeneous[index][at]], ["", REASONS[0], REASONS[1]], REASONS[2]
        )
    return pd.DataFrame({"suppressed": out_hidden, "reason": reason}, index=cells.index)


def _partial_hidden(
    table: CountTables, partial: np.ndarray, shown: np.ndarray, k: int
) -> np.ndarray:
    """A composite's cells to hide besides the group decision: those in which its partial
    respondents (:data:`PARTIAL`) are 1 … k−1, and whatever protects them, solved on their
    counts as an index of its own. Only the composite is hidden there: its categories are
    the same sums whoever is partial, so the difference that would isolate those people
    needs the composite."""
    start = shown & ~((partial > 0) & (partial < k))
    start &= partial > 0
    solved = _Table(table.codes, table.parent, partial.tolist(), k, start.tolist()).solve()
    hidden: np.ndarray = (partial > 0) & ~np.array(solved, dtype=bool)
    return hidden


def _shown(
    pattern: np.ndarray, n: np.ndarray, group_n: np.ndarray, answering: np.ndarray
) -> np.ndarray:
    """One index's shown cells: its non-empty cells of shown groups, and ``all`` only where
    every role that does not answer the index but has respondents in the unit is shown."""
    shown = pattern & (n > 0)
    outside = [layer for layer, answers in zip(ROLE_LAYERS, answering, strict=True) if not answers]
    for layer in outside:
        shown[:, ALL_LAYER] &= pattern[:, layer] | (group_n[:, layer] == 0)
    return shown


def _mixed_classes(
    pattern: np.ndarray, group_n: np.ndarray, classes: list[Hashable], k: int
) -> None:
    """Hide ``all`` where its hidden roles answer different indices and one class of them has
    ``0 < n < k`` (composites of ``all`` would differ by a contrast of that class)."""
    hidden = (group_n[:, 1:] > 0) & ~pattern[:, 1:]
    for key in set(classes):
        members = np.array([c == key for c in classes])
        others = hidden[:, ~members].any(1)
        size = (group_n[:, 1:] * (hidden & members)).sum(1)
        pattern[:, ALL_LAYER] &= ~(others & (size > 0) & (size < k))


def _weights(
    n: np.ndarray, homogeneous: np.ndarray, parent: list[int], k: int
) -> tuple[np.ndarray, int]:
    """The counts the solver protects, and its k: the cells' own n, unless a homogeneous cell
    must be protected although ``n ≥ k``; then everything is scaled by :data:`SCALE` and that
    cell's respondents weigh ``(k − ½) / n`` each, so every part of it weighs below k."""
    if not homogeneous.any():
        return n, k
    own = n.copy()
    for unit in range(len(parent) - 1, -1, -1):
        if parent[unit] >= 0:
            own[parent[unit]] -= n[unit]
    factor = np.ones(own.shape)
    for unit, layer in zip(*np.nonzero(homogeneous), strict=True):
        scale = (k - 0.5) / n[unit, layer]
        layers = list(ROLE_LAYERS) if layer == ALL_LAYER else [layer]
        for below in _subtree(unit, parent):
            factor[below, layers] = np.minimum(factor[below, layers], scale)
    weight = np.floor(own * SCALE * factor).astype(np.int64)
    weight[:, ALL_LAYER] = weight[:, 1:].sum(1)
    for unit in range(len(parent) - 1, -1, -1):  # preorder: children after their parent
        if parent[unit] >= 0:
            weight[parent[unit]] += weight[unit]
    return weight, k * SCALE


def _subtree(unit: int, parent: list[int]) -> list[int]:
    """``unit`` and its descendants (positions in preorder, so they follow ``unit``)."""
    out = [unit]
    inside = {unit}
    for below in range(unit + 1, len(parent)):
        if parent[below] not in inside:
            break
        out.append(below)
        inside.add(below)
    return out


def score_suppression(
    current: pd.DataFrame,
    tree: pd.DataFrame,
    k: int,
    *,
    k_homogeneous: int = 10,
    role_classes: Mapping[str, Hashable] | None = None,
    homogeneous: Collection[tuple[str, str, str]] = (),
    equal_roles: Collection[str] = (),
    hidden_groups: Collection[tuple[str, str]] = (),
    partial: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rule for score cells (:func:`analysis.aggregate.cells` output): a cell is
    homogeneous when its sd is 0, or when ``homogeneous`` lists its (unit, role, index) —
    e.g. an HR gap whose share below target is 0 or 1, so that the gap and its score cell
    share one decision. ``hidden_groups`` are (unit, role) groups hidden whatever their n
    (:func:`analysis.atrest.changed_cells`). ``partial`` (``unit, role, index, n`` per recorded
    unit and composite) counts the respondents whose composite is not the mean of their
    categories; each composite's are decided as one more index (:data:`PARTIAL`), so that
    every shown group, and every difference of shown groups, holds none of them or at least k.
    Returns ``suppressed`` and ``reason`` indexed by (unit, role, index).
    """
    keys = list(zip(current["unit"], current["role"], current["index"], strict=True))
    listed = set(homogeneous)
    flat = (current["sd"].fillna(1.0).abs() < 1e-9).to_numpy() & (current["n"] >= 2).to_numpy()
    marked = np.array([key in listed for key in keys], dtype=bool) | flat
    frame = current[["unit", "role", "index", "n"]].assign(homogeneous=marked)
    if partial is not None:
        counts = partial_cells(partial, current, tree, k)
        frame = pd.concat([frame, counts.assign(homogeneous=False)], ignore_index=True)
    decision = joint_suppression(
        frame,
        tree,
        k,
        k_homogeneous=k_homogeneous,
        role_classes=role_classes,
        equal_index_roles=equal_roles,
        hidden_groups=hidden_groups,
    )
    decision = decision.iloc[: len(keys)]
    decision.index = pd.MultiIndex.from_tuples(keys, names=["unit", "role", "index"])
    return decision


def role_classes(applicable: Mapping[str, Collection[str]]) -> dict[str, frozenset[str]]:
    """Respondent roles keyed by the indices they answer
    (:func:`analysis.scoring.applicable_indices`): roles with the same key answer alike."""
    return {role: frozenset(ix) for role, ix in applicable.items() if role in CELL_ROLES[1:]}


def role_rules(q: Questionnaire) -> dict[str, Any]:
    """The questionnaire's facts the rule needs, as keywords of :func:`score_suppression`:
    which roles answer alike (``role_classes``) and for which roles two indices are one
    number (``equal_roles``)."""
    plan = ScoringPlan(q)
    per_role = {
        role: {**plan.index_categories[role], **{c: (c,) for c in plan.item_counts[role]}}
        for role in plan.index_categories
    }
    return {
        "role_classes": role_classes(applicable_indices(q)),
        "equal_roles": equal_index_roles(per_role),
    }


def equal_index_roles(index_categories: Mapping[str, Mapping[str, Collection[str]]]) -> list[str]:
    """Roles for which two different indices average the same categories (so are the same
    number); ``index_categories``: role → index (composites and categories) → its categories
    that apply to the role."""
    out = []
    for role, indices in index_categories.items():
        seen = [frozenset(cats) for cats in indices.values() if cats]
        if len(seen) != len(set(seen)):
            out.append(role)
    return out


def homogeneous_gaps(rolled: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(unit, role, category) of rolled-up gap sums whose share below target is 0 or 1."""
    flat = (rolled["n"] > 0) & ((rolled["below"] == 0) | (rolled["below"] == rolled["n"]))
    keys = rolled.loc[flat, ["unit", "role", "index"]].astype(str)
    return list(keys.itertuples(index=False, name=None))
