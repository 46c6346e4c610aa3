"""Walks over an organisation tree, and how one year's units map onto a later year's.

The tree reaches the code in several shapes — codes read from a file, database ids, a pandas
frame — but every caller asks the same few questions: children in a stable order, a subtree
depth first, the ancestors of a unit, its depth, the nearest common ancestor, and where last
year's units went after a reorganisation. Answering them in one place keeps the orders (which
decide row order in published files) and the remap rules identical everywhere.

A tree is a *parent map* ``{node: parent or None}``; nodes are any hashable values (codes or
ids). The frame functions at the end take ``unit, parent`` columns and stay vectorised because
the report rolls thousands of cells up the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

__all__ = [
    "ancestor_pairs",
    "ancestors",
    "children_map",
    "code_mapping",
    "common_ancestor",
    "depth",
    "ordered",
    "parent_map",
    "path_below",
    "preorder",
    "tree_diff",
    "TreeDiff",
    "unit_levels",
]

N = TypeVar("N", bound=Hashable)


def parent_map(units: Iterable[N], parents: Iterable[Any]) -> dict[N, N | None]:
    """Pair units with their parents; a missing parent (None, NaN) marks a root.

    Raises ValueError when a unit appears twice, since a parent map cannot hold both.
    """
    out: dict[N, N | None] = {}
    for unit, par in zip(units, parents, strict=True):
        if unit in out:
            raise ValueError(f"tree: unit {unit!r} appears more than once")
        out[unit] = None if par is None or (not isinstance(par, str) and pd.isna(par)) else par
    return out


def children_map(
    parent: Mapping[N, N | None], key: Callable[[N], Any] | None = None
) -> dict[N | None, list[N]]:
    """Each node's children (roots under ``None``), sorted by ``key`` or in the map's order."""
    kids: dict[N | None, list[N]] = {}
    for node, par in parent.items():
        kids.setdefault(par, []).append(node)
    if key is not None:
        for siblings in kids.values():
            siblings.sort(key=key)
    return kids


def preorder(children: Mapping[N | None, Sequence[N]], roots: Iterable[N]) -> list[tuple[N, int]]:
    """``(node, depth)`` depth first from ``roots`` (depth 0), children in the given order.

    A node in a cycle can never be reached from a root, so the walk always ends; callers that
    must reject cycles compare the length of the result with the number of nodes.
    """
    out: list[tuple[N, int]] = []
    stack = [(root, 0) for root in reversed(list(roots))]
    while stack:
        node, level = stack.pop()
        out.append((node, level))
        stack.extend((child, level + 1) for child in reversed(children.get(node, ())))
    return out


def ordered(parent: Mapping[N, N | None], key: Callable[[N], Any] | None = None) -> list[N]:
    """Every node reachable from a root, parents before children (depth first, by ``key``)."""
    kids = children_map(parent, key)
    return [node for node, _ in preorder(kids, kids.get(None, []))]


def ancestors(node: N, parent: Mapping[N, N | None]) -> list[N]:
    """``node`` and its ancestors, nearest first, the root last (a node not in the map: itself)."""
    chain: list[N] = []
    current: N | None = node
    while current is not None:
        chain.append(current)
        if len(chain) > len(parent) + 1:
            raise ValueError(f"tree: the parent links above {node!r} contain a cycle")
        current = parent.get(current)
    return chain


def depth(node: N, parent: Mapping[N, N | None]) -> int:
    """The number of ancestors above ``node`` (a root has depth 0)."""
    return len(ancestors(node, parent)) - 1


def path_below(node: N, parent: Mapping[N, N | None], top: N) -> list[N]:
    """The nodes from just below ``top`` down to ``node`` (empty for ``top`` itself).

    Raises ValueError when ``top`` is not an ancestor of ``node``.
    """
    chain = ancestors(node, parent)
    if top not in chain:
        raise ValueError(f"tree: {top!r} is not an ancestor of {node!r}")
    return chain[: chain.index(top)][::-1]


def common_ancestor(nodes: Sequence[N], parent: Mapping[N, N | None]) -> N | None:
    """The nearest node that is (or is an ancestor of) every one of ``nodes``; None if none is."""
    chains = [ancestors(n, parent) for n in nodes]
    if not chains:
        return None
    common = set(chains[0]).intersection(*map(set, chains[1:]))
    return next((n for n in chains[0] if n in common), None)


def code_mapping(
    trees: Sequence[Mapping[str, str | None]], remaps: Sequence[Mapping[str, Sequence[str]]]
) -> dict[str, str]:
    """Map the first tree's codes onto the last tree's, one reorganisation at a time.

    ``trees`` are consecutive years' parent maps; ``remaps[i]`` declares, for the step from
    ``trees[i]`` to ``trees[i + 1]``, which new codes each old code became. Per step a declared
    code goes to the nearest common ancestor of its new codes (one code: a rename; several: a
    split); an undeclared code kept in the new tree maps to itself; a code that vanished
    without a declaration goes where its parent went, so parent totals stay comparable. A
    code whose whole ancestry vanished is dropped. Keys keep the first tree's order.
    """
    if len(remaps) != max(len(trees) - 1, 0):
        raise ValueError(f"{len(trees)} trees need {max(len(trees) - 1, 0)} remaps")
    mapping: dict[str, str | None] = {code: code for code in trees[0]} if trees else {}
    for old, new, declared in zip(trees, trees[1:], remaps, strict=False):
        mapping = {k: _step(v, old, new, declared) for k, v in mapping.items() if v is not None}
    return {k: v for k, v in mapping.items() if v is not None}


def _step(
    code: str | None,
    old: Mapping[str, str | None],
    new: Mapping[str, str | None],
    declared: Mapping[str, Sequence[str]],
) -> str | None:
    """Where one old code lands in the next year's tree (see :func:`code_mapping`)."""
    while code is not None:
        if code in declared:
            return common_ancestor(list(declared[code]), new)
        if code in new:
            return code
        code = old.get(code)
    return None


def _check_frame(tree: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    missing = {"unit", "parent"} - set(tree.columns)
    if missing:
        raise ValueError(f"tree: missing column(s) {sorted(missing)}")
    units = tree["unit"]
    dup = units[units.duplicated()]
    if not dup.empty:
        raise ValueError(f"tree: unit code(s) appear more than once: {sorted(dup.unique())}")
    parent = tree["parent"].where(tree["parent"].notna(), None)
    unknown = parent[parent.notna() & ~parent.isin(units)]
    if not unknown.empty:
        raise ValueError(f"tree: unknown parent code(s): {sorted(unknown.unique())}")
    return units, pd.Series(parent.to_numpy(), index=units.to_numpy())


def ancestor_pairs(tree: pd.DataFrame) -> pd.DataFrame:
    """Every (unit, ancestor) pair of a tree, the unit itself included, with the distance.

    Parameters
    ----------
    tree : DataFrame
        Columns ``unit, parent``; ``parent`` is None/NaN for a root.

    Returns
    -------
    DataFrame
        Columns ``unit, ancestor, distance`` (0 for the unit itself).

    Notes
    -----
    Built by repeated vectorised parent look-ups (one per tree level); a cycle raises
    ``ValueError``.
    """
    units, parent_of = _check_frame(tree)
    frontier = pd.DataFrame({"unit": units.to_numpy(), "ancestor": units.to_numpy()})
    frontier["distance"] = 0
    parts = [frontier]
    for step in range(1, len(units) + 2):
        up = frontier["ancestor"].map(parent_of)
        frontier = frontier.assign(ancestor=up.to_numpy(), distance=step)[up.notna().to_numpy()]
        if frontier.empty:
            return pd.concat(parts, ignore_index=True)
        parts.append(frontier)
    raise ValueError("tree: the parent links contain a cycle")


def unit_levels(tree: pd.DataFrame) -> pd.Series:
    """Depth of each unit in the tree (a root is level 0), indexed by unit code in tree order.

    .. math:: \\operatorname{level}(u) = |\\operatorname{ancestors}(u)| - 1
    """
    pairs = ancestor_pairs(tree)
    levels = pairs.groupby("unit", sort=False)["distance"].max()
    return levels.reindex(tree["unit"].to_numpy()).rename("level").rename_axis("unit")


@dataclass(frozen=True)
class TreeDiff:
    """How a year's tree differs from the year before, each list sorted by code.

    ``renamed`` holds ``(code, old name, new name)``; ``moved`` holds ``(code, old parent,
    new parent)``. A unit can be both renamed and moved; a code that is new or removed is
    neither (a remap, not this diff, says where a removed unit went).
    """

    added: list[str]
    removed: list[str]
    renamed: list[tuple[str, str, str]]
    moved: list[tuple[str, str | None, str | None]]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.moved)


def tree_diff(
    old: Mapping[str, tuple[str, str | None]], new: Mapping[str, tuple[str, str | None]]
) -> TreeDiff:
    """Compare two trees given as ``{code: (name, parent code or None)}``.

    Units are matched by code only: codes are what links, exports and manager bindings carry
    from year to year, so a unit that kept its code is "the same unit" even if renamed.
    """
    kept = sorted(set(old) & set(new))
    return TreeDiff(
        added=sorted(set(new) - set(old)),
        removed=sorted(set(old) - set(new)),
        renamed=[(c, old[c][0], new[c][0]) for c in kept if old[c][0] != new[c][0]],
        moved=[
            (c, old[c][1] or None, new[c][1] or None)
            for c in kept
            if (old[c][1] or None) != (new[c][1] or None)
        ],
    )
