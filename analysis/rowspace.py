"""Whether vectors lie in the row space of a large, sparse set of linear equations.

Why a module of its own: the disclosure auditor (:mod:`analysis.audit`) asks this for thousands
of small groups against every published row at once. Rows with one unknown left are peeled off
first (that unknown is determined); the rest splits into independent blocks (connected by
shared unknowns), each tested with a dense SVD, so no matrix is ever as large as the file.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

__all__ = ["Key", "Vector", "in_row_space"]

#: An unknown: (round, quantity, unit where the respondents sit, role).
Key = tuple[str, str, str, str]
Vector = dict[Key, float]
TOLERANCE = 1e-7


def _peel(rows: list[Vector]) -> tuple[set[Key], list[Vector]]:
    """Unknowns determined by rows with one unknown left, repeatedly; the rows that remain."""
    live = [dict(r) for r in rows]
    holding: dict[Key, set[int]] = defaultdict(set)
    for i, row in enumerate(live):
        for key in row:
            holding[key].add(i)
    determined: set[Key] = set()
    queue = [i for i, row in enumerate(live) if len(row) == 1]
    while queue:
        i = queue.pop()
        if len(live[i]) != 1:
            continue
        (key,) = live[i]
        determined.add(key)
        for j in holding.pop(key, ()):
            live[j].pop(key, None)
            if len(live[j]) == 1:
                queue.append(j)
    return determined, [row for row in live if row]


def in_row_space(rows: list[Vector], candidates: list[Vector]) -> list[bool]:
    """Whether each candidate is a linear combination of the rows."""
    determined, rest = _peel(rows)
    root: dict[Key, Key] = {}

    def find(key: Key) -> Key:
        while root.setdefault(key, key) != key:
            root[key] = root[root[key]]
            key = root[key]
        return key

    for row in rest:
        first, *others = row
        for key in others:
            root[find(key)] = find(first)
    blocks: dict[Key, list[Vector]] = defaultdict(list)
    for row in rest:
        blocks[find(next(iter(row)))].append(row)
    bases = {block: _basis(block_rows) for block, block_rows in blocks.items()}
    out = []
    for vector in candidates:
        parts: dict[Key, Vector] = defaultdict(dict)
        inside = True
        for key, weight in vector.items():
            if key in determined or abs(weight) < TOLERANCE:
                continue
            if key not in root:
                inside = False
                break
            parts[find(key)][key] = weight
        out.append(inside and all(_spanned(bases[b], part) for b, part in parts.items()))
    return out


def _basis(rows: list[Vector]) -> tuple[dict[Key, int], np.ndarray]:
    """Column positions of a block's unknowns and an orthonormal basis of its row space."""
    columns = {key: i for i, key in enumerate(sorted({key for row in rows for key in row}))}
    matrix = np.zeros((len(rows), len(columns)))
    for i, row in enumerate(rows):
        for key, weight in row.items():
            matrix[i, columns[key]] = weight
    _, sigma, vt = np.linalg.svd(matrix, full_matrices=False)
    rank = int((sigma > TOLERANCE * max(1.0, sigma[0] if sigma.size else 0.0)).sum())
    return columns, vt[:rank]


def _spanned(basis: tuple[dict[Key, int], np.ndarray], part: Vector) -> bool:
    columns, vt = basis
    vector = np.zeros(len(columns))
    for key, weight in part.items():
        vector[columns[key]] = weight
    residual = vector - vt.T @ (vt @ vector)
    return bool(np.linalg.norm(residual) <= 1e-6 * np.linalg.norm(vector))
