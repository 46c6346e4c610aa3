"""Primary and complementary suppression of cells (docs/method.md section 5,
docs/privacy.md; treat as security).

A cell (unit with its descendants, role or ``all``, one index) shows n and a mean, i.e. a sum, so
a linear combination of shown cells shows the mean of the group it adds up to. Rule: none may
single out 1 … k−1 respondents.

*Model.* Atoms are (a unit's own respondents, role). In a layer (a role, or ``all``) the *block*
of a shown cell is its subtree minus its nearest shown descendants' subtrees; uncovered atoms
form the layer's *anchor*. A combination weighs atom (V, r) by ``a(P) + b(Q)`` (P, Q: V's blocks
in layer r and in ``all``; free per block, 0 on anchors). Join P–Q by an edge weighted by the n
of their common atoms (empty atoms constrain nothing). The combination is a group iff it is 0 or
1 on every edge, and the group is a union of cuts ``δ(X) = {P–Q : P ∈ X, Q ∉ X}``, X closed
(Q ∈ X ⇒ its neighbours ∈ X), anchors on one side: a table is safe iff no cut has 0 < n < k.
The least cut through an edge is a minimum cut (arcs P→Q of capacity n, Q→P unbounded, anchors
at the sink or the source), decided by at most k augmenting paths.

*Repair*, never unsuppressing, smallest n first (ties: unit code, role order): (1) to a
fixpoint, a block with residual 0 < n < k (a parent's own respondents included) or an ``all``
cell minus its shown role cells with 0 < n < k loses its smallest shown sub-cell; (2) each edge
with n < k is checked exactly and, while violated, the smallest cell whose suppression merges a
non-empty block across the cut is suppressed and the graph contracted; a passed edge stays safe
(suppression only shrinks what can be combined). Exact for linear combinations; greedy, not
minimal; the 0–100 bounds of scores (interval attacks) are outside the model.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.roles import OUTPUT_ROLES
from analysis.tree import ordered, parent_map

__all__ = [
    "ALL_LAYER",
    "CELL_ROLES",
    "ROLE_LAYERS",
    "CountTables",
    "count_tables",
    "may_show",
    "suppress_cells",
    "suppress_free_text",
]

#: Roles of a cell; ``all`` is the sum of the three respondent roles.
CELL_ROLES: tuple[str, ...] = OUTPUT_ROLES
#: A count table's columns ("layers"): 0 holds the ``all`` cells (the Q side of the graph),
#: 1–3 the roles of ``CELL_ROLES[1:]`` (the P side).
ALL_LAYER = 0
ROLE_LAYERS: tuple[int, ...] = (1, 2, 3)
LAYERS = 1 + len(ROLE_LAYERS)
#: The block of atoms no shown cell of a layer covers (the layer's anchor).
ANCHOR = -1


def _check_k(k: int, name: str = "k") -> int:
    if k < 3:
        raise ValueError(f"{name} must be at least 3, got {k}")
    return k


def may_show(n: int, k: int = 5) -> bool:
    """Return True when a cell passes the primary rule ``n >= k`` (k ≥ 3, else ValueError)."""
    return n >= _check_k(k)


def suppress_free_text(n: int, k_text: int = 10) -> bool:
    """Return True when free text of ``n`` respondents must be hidden: ``n < k_text`` (≥ 3)."""
    return n < _check_k(k_text, "k_text")


def suppress_cells(cells: pd.DataFrame, tree: pd.DataFrame, k: int = 5) -> pd.Series:
    """Decide which cells to suppress, one index at a time, by primary and complementary
    suppression. Published figures use :func:`analysis.disclosure.joint_suppression`, which
    decides per (unit, role) group across every index; this per-index rule is its building
    block and what the disclosure auditor attacks as the rule it replaced.

    Parameters
    ----------
    cells : DataFrame
        Columns ``unit, role, index, n``, ``role`` in :data:`CELL_ROLES`; a unit's n includes
        its descendants, ``all`` is the sum of the roles; a missing (unit, role) counts as 0.
    tree : DataFrame
        Columns ``unit, parent``; a root's parent is None/NaN.
    k : int, default 5
        Minimum group size, at least 3.

    Returns
    -------
    Series of bool
        ``suppressed``, aligned to ``cells.index``: True for ``n < k`` (``n = 0`` included:
        nothing to show) and for complementary suppression.

    Raises
    ------
    ValueError
        For ``k < 3``, missing columns, unknown roles or units, a cyclic tree, a repeated cell,
        an n not a whole number ≥ 0, or counts that do not add up (over the tree and roles).
    """
    _check_k(k)
    table = count_tables(cells, tree)
    out = np.ones(len(cells), dtype=bool)
    done: dict[bytes, np.ndarray] = {}  # indices with the same counts get the same pattern
    for index, rows in table.rows.items():
        counts = table.counts[index]
        if counts.tobytes() not in done:
            solved = _Table(table.codes, table.parent, counts.tolist(), k).solve()
            done[counts.tobytes()] = ~np.array(solved)
        out[rows] = done[counts.tobytes()][table.unit_of_row[rows], table.layer_of_row[rows]]
    return pd.Series(out, index=cells.index, name="suppressed")


@dataclass(frozen=True)
class CountTables:
    """Cells' counts as one (unit × layer) matrix per index, units in tree preorder.

    ``counts[index][unit, layer]``: n of the cell, layer 0 = ``all``, 1–3 the roles of
    :data:`CELL_ROLES`; ``rows[index]``: positions in the input frame of the index's cells,
    whose unit and layer are ``unit_of_row`` and ``layer_of_row``.
    """

    codes: list[str]
    parent: list[int]
    counts: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]
    unit_of_row: np.ndarray
    layer_of_row: np.ndarray


def count_tables(cells: pd.DataFrame, tree: pd.DataFrame) -> CountTables:
    """Check cells and tree (ValueError, see :func:`suppress_cells`) and build the matrices."""
    for name, frame, need in (("cells", cells, "unit role index n"), ("tree", tree, "unit parent")):
        if set(need.split()) - set(frame.columns):
            raise ValueError(f"{name}: missing column(s) {set(need.split()) - set(frame.columns)}")
    codes, par = _tree_order(tree)
    pos = {c: i for i, c in enumerate(codes)}
    if not cells["unit"].isin(pos).all():
        raise ValueError(f"cells: unknown unit(s) {sorted(set(cells['unit']) - set(pos))}")
    if not cells["role"].isin(CELL_ROLES).all():
        raise ValueError(f"cells: roles must be among {CELL_ROLES}")
    if cells.duplicated(["unit", "role", "index"]).any():
        raise ValueError("cells: the same unit, role and index appears more than once")
    n_all = pd.to_numeric(cells["n"]).to_numpy(dtype=float)
    if not (np.isfinite(n_all).all() and (n_all >= 0).all() and (n_all == np.floor(n_all)).all()):
        raise ValueError("cells: n must be a whole number >= 0")
    upos = cells["unit"].map(pos).to_numpy(dtype=np.int64)
    rpos = cells["role"].map({r: i for i, r in enumerate(CELL_ROLES)}).to_numpy(dtype=np.int64)
    kids = np.flatnonzero(np.asarray(par) >= 0)
    counts: dict[str, np.ndarray] = {}
    groups = cells.groupby("index", sort=False).indices
    for index, rows in groups.items():
        n = np.zeros((len(codes), LAYERS), dtype=np.int64)
        n[upos[rows], rpos[rows]] = n_all[rows]
        child = np.zeros_like(n)
        np.add.at(child, np.asarray(par)[kids], n[kids])
        roles = n[:, ALL_LAYER + 1 :].sum(1)
        for bad, what in ((n[:, ALL_LAYER] != roles, "n(all) is not the sum of the roles"),
                          ((n < child).any(1), "n is below the sum of its children")):  # fmt: skip
            if bad.any():
                raise ValueError(f"index {index!r}, unit {codes[np.argmax(bad)]!r}: {what}")
        counts[str(index)] = n
    rows_of = {str(i): np.asarray(r) for i, r in groups.items()}
    return CountTables(codes, par, counts, rows_of, upos, rpos)


def _tree_order(tree: pd.DataFrame) -> tuple[list[str], list[int]]:
    """Units in depth-first preorder (children by code) and each one's parent position."""
    parent = parent_map(tree["unit"], tree["parent"])
    strays = {p for p in parent.values() if p is not None} - set(parent)
    if strays:
        raise ValueError(f"tree: parent(s) {sorted(strays)} not units")
    codes = ordered(parent, key=str)
    if len(codes) != len(parent):
        raise ValueError("tree: the parent links contain a cycle")
    pos = {c: i for i, c in enumerate(codes)}
    return codes, [-1 if (p := parent[c]) is None else pos[p] for c in codes]


# A breach of k: the cells it involves, and the shown ones whose suppression could mend it.
_Violation = tuple[list[tuple[int, int]], list[tuple[int, int]]]


class _Table:
    """One index's count table, repaired until no cut of its graph has ``0 < n < k``.

    ``n[unit][layer]``: a cell's count (its subtree); ``own``: the unit's own respondents;
    ``shown[unit][layer]``: whether the cell is still shown. The graph's nodes are blocks
    (:meth:`node`), ``adj[a][b]`` is the n of the atoms an edge joins.
    """

    def __init__(
        self,
        codes: list[str],
        par: list[int],
        n: list[list[int]],
        k: int,
        shown: list[list[bool]] | None = None,
    ) -> None:
        self.codes, self.par, self.n, self.k, self.size = codes, par, n, k, len(codes)
        self.width = self.size + 1
        self.own = [row[:] for row in n]  # direct respondents per layer
        self.end = list(range(1, self.size + 1))  # preorder: subtree of i = range(i, end[i])
        for i in reversed(range(self.size)):
            if par[i] >= 0:
                self.own[par[i]] = [a - b for a, b in zip(self.own[par[i]], n[i], strict=True)]
                self.end[par[i]] = max(self.end[par[i]], self.end[i])
        # ``shown`` given: the cells still shown (primary decisions made by the caller).
        self.shown = [row[:] for row in shown] if shown else [[x >= k for x in r] for r in n]
        self._smallest_first = lambda c: (n[c[0]][c[1]], codes[c[0]], c[1])  # ties: code, layer
        self.adj: dict[int, dict[int, int]] = {}
        self.root: dict[int, int] = {}  # union-find of nodes (connected components)
        self.safe: set[tuple[int, int]] = set()  # edges whose every cut has n >= k

    def node(self, layer: int, block: int) -> int:
        """The graph node of a layer's block, as one small integer.

        Why an integer: the minimum-cut search keeps the graph as a dict of dicts and visits
        nodes millions of times in a large city, so a node must hash and compare as cheaply as
        possible. Blocks are unit positions ``0 … size-1`` and :data:`ANCHOR` (-1), hence the
        ``+ 1``; each layer takes ``width = size + 1`` numbers, so node ``layer * width`` is
        the layer's anchor and every node ``>= width`` lies on the P (role) side.
        """
        return layer * self.width + block + 1

    def cell_of(self, node: int) -> tuple[int, int]:
        """The (unit, layer) whose block ``node`` is (:meth:`node` read back)."""
        return node % self.width - 1, node // self.width

    def is_anchor(self, node: int) -> bool:
        return node % self.width == 0

    def solve(self) -> list[list[bool]]:
        while self._hide_one_per_breach(self._local_breaches(*self._layers())):
            pass
        return self._cuts()

    def _layers(self) -> tuple[list[list[int]], list[dict[int, list[int]]]]:
        """Per layer: units' blocks (nearest shown ancestor-or-self) and blocks' shown sub-cells."""
        blocks, kids = [], []
        for layer in range(LAYERS):
            block_of, sub = [ANCHOR] * self.size, dict[int, list[int]]()
            for i, p in enumerate(self.par):
                block_of[i] = up = block_of[p] if p >= 0 else ANCHOR
                if self.shown[i][layer]:
                    block_of[i] = i
                    sub.setdefault(up, []).append(i)
            blocks.append(block_of)
            kids.append(sub)
        return blocks, kids

    def _hide_one_per_breach(self, violations: list[_Violation]) -> bool:
        """Hide the smallest mending cell of each breach that no earlier one touched."""
        touched: set[tuple[int, int]] = set()
        for involved, candidates in violations:
            if touched.isdisjoint(involved):
                i, layer = min(candidates, key=self._smallest_first)
                self.shown[i][layer] = False
                touched.add((i, layer))
        return bool(touched)

    def _local_breaches(
        self, blocks: list[list[int]], kids: list[dict[int, list[int]]]
    ) -> list[_Violation]:
        """Breaches seen without the graph: a block whose own atoms sum to ``0 < n < k``, or an
        ``all`` cell minus its shown role cells leaving ``0 < n < k``."""
        k, n, shown = self.k, self.n, self.shown
        violations: list[_Violation] = []
        for layer in range(LAYERS):
            residual = [0] * self.size
            for i, b in enumerate(blocks[layer]):
                if b != ANCHOR:
                    residual[b] += self.own[i][layer]
            for b in range(self.size):
                if shown[b][layer] and 0 < residual[b] < k:
                    subs = [(j, layer) for j in kids[layer].get(b, ())]
                    # No shown sub-cell: the cell itself weighs below k (a protected cell
                    # given as shown, see analysis.disclosure), so it goes.
                    violations.append(([(b, layer), *subs], subs or [(b, layer)]))
        for u in range(self.size):
            roles = [(u, r) for r in ROLE_LAYERS if shown[u][r]]
            rest = n[u][ALL_LAYER] - sum(n[u][r] for _, r in roles)
            if shown[u][ALL_LAYER] and roles and 0 < rest < k:
                violations.append(([(u, ALL_LAYER), *roles], roles))
        return violations

    def _edge(self, unit: int, layer: int) -> tuple[int, int]:
        """An atom's edge: its block in its role's layer (P) and its block in ``all`` (Q)."""
        blocks = self.blocks
        return self.node(layer, blocks[layer][unit]), self.node(ALL_LAYER, blocks[ALL_LAYER][unit])

    def _cuts(self) -> list[list[bool]]:
        """Check every edge below k exactly (minimum cuts), hiding cells until none is."""
        k = self.k
        anchors = {self.node(layer, ANCHOR) for layer in range(LAYERS)}
        self.blocks, self.kids = self._layers()
        atom_of: dict[tuple[int, int], tuple[int, int]] = {}  # edge → one (unit, layer) atom
        for i in range(self.size):
            for r in ROLE_LAYERS:
                if self.own[i][r] > 0:
                    e = self._edge(i, r)
                    self._link(*e, self.own[i][r])
                    atom_of.setdefault(e, (i, r))
        for p, q in sorted(atom_of, key=lambda e: (self.adj[e[0]][e[1]], e)):
            i, r = atom_of[(p, q)]  # follow one atom of the edge as blocks merge
            while True:
                p, q = self._edge(i, r)
                if self.adj[p][q] >= k or (p, q) in self.safe or {p, q} <= anchors:
                    break
                anchored = self._find(p) in {self._find(a) for a in anchors if a in self.adj}
                present = anchors & self.adj.keys() if anchored else set()
                tries = [({p}, {q} | present, True)] if p not in anchors else []
                tries += [({q}, {p} | present, False)] if present and q not in anchors else []
                side = next(filter(None, (self._small_cut(*t) for t in tries)), None)
                if side is None:
                    break
                self._suppress(*min(self._mending_cells(side), key=self._smallest_first))
            self.safe.add((p, q))
        return self.shown

    def _find(self, x: int) -> int:
        while self.root.setdefault(x, x) != x:
            x = self.root[x]
        return x

    def _link(self, p: int, q: int, weight: int) -> None:
        row = self.adj.setdefault(p, {})
        row[q] = self.adj.setdefault(q, {})[p] = row.get(q, 0) + weight
        self.root[self._find(p)] = self._find(q)

    def _mending_cells(self, side: set[int]) -> list[tuple[int, int]]:
        """Cells whose suppression merges a non-empty block across the cut, else any nearby."""
        strong: list[tuple[int, int]] = []
        weak: list[tuple[int, int]] = []
        for b in side:
            i, layer = self.cell_of(b)  # never an anchor: anchors are sinks or far side
            parent = self.par[i]
            up = self.node(layer, self.blocks[layer][parent] if parent >= 0 else ANCHOR)
            if up not in side:
                (strong if up in self.adj or self.is_anchor(up) else weak).append((i, layer))
            for j in self.kids[layer].get(i, ()):
                child = self.node(layer, j)
                if child not in side:
                    (strong if child in self.adj else weak).append((j, layer))
        return strong or weak or [self.cell_of(b) for b in side if not self.is_anchor(b)]

    def _suppress(self, i: int, layer: int) -> None:
        """Suppress a cell: merge its block into its parent's block, contracting the graph."""
        block_of = self.blocks[layer]
        self.shown[i][layer] = False
        up = block_of[self.par[i]] if self.par[i] >= 0 else ANCHOR
        for u in range(i, self.end[i]):
            if block_of[u] == i:
                block_of[u] = up
        self.kids[layer][up].remove(i)
        self.kids[layer][up] += self.kids[layer].pop(i, [])
        a, b = self.node(layer, i), self.node(layer, up)
        for v, weight in self.adj.pop(a, {}).items():
            del self.adj[v][a]
            self._link(*((b, v) if layer else (v, b)), weight)
            if ((a, v) if layer else (v, a)) in self.safe:
                self.safe.add((b, v) if layer else (v, b))

    def _small_cut(self, sources: set[int], sinks: set[int], from_p: bool) -> set[int] | None:
        """Augment flow from sources to sinks up to k; below k, return the source side of a
        minimum cut. Arcs leaving the P side (``from_p``; nodes ≥ width, see :meth:`node`) or
        the Q side have capacity ``adj[a][b]``, the reverse arcs are unbounded; ``flow[a, b]``
        is net flow."""
        adj, width, k, total = self.adj, self.width, self.k, 0  # node >= width: on the P side
        flow: dict[tuple[int, int], int] = {}
        while total < k:
            prev, queue, hit = dict.fromkeys(sources, -1), deque(sources), -1
            while queue and hit < 0:
                u = queue.popleft()
                capped = (u >= width) == from_p
                for v, c in adj[u].items():
                    if v in prev or (capped and c <= flow.get((u, v), 0)):
                        continue
                    prev[v] = u
                    if v in sinks:
                        hit = v
                        break
                    queue.append(v)
            if hit < 0:
                return set(prev)
            path, v = [], hit
            while prev[v] >= 0:
                path.append((prev[v], v, (prev[v] >= width) == from_p))
                v = prev[v]
            push = min([k - total] + [adj[u][v] - flow.get((u, v), 0) for u, v, c in path if c])
            for u, v, capped in path:
                key, sign = ((u, v), 1) if capped else ((v, u), -1)
                flow[key] = flow.get(key, 0) + sign * push
            total += push
        return None
