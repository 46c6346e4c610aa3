"""Which comment groups may be read: the primary rule and the remainder against nested groups."""

from __future__ import annotations

import itertools

import pytest

from analysis.comments import WHOLE, readable_groups

# D has D1 (big), D3 (one comment) and D2 (none); E is a sibling of D.
TREE = {"R": None, "D": "R", "D1": "D", "D2": "D", "D3": "D", "E": "R"}


def test_a_group_whose_remainder_is_one_person_is_hidden() -> None:
    shown = readable_groups(TREE, {"D1": 10, "D3": 1}, 10)
    assert shown["D1"] and not shown["D3"]
    assert not shown["D"]  # D minus D1 would be D3's one comment
    assert not shown["R"] and not shown[WHOLE]  # and so would R minus D1


def test_remainders_of_zero_or_k_are_fine() -> None:
    shown = readable_groups(TREE, {"D1": 10, "D3": 10, "E": 10}, 10)
    assert shown["D"] and shown["R"] and shown[WHOLE]
    shown = readable_groups(TREE, {"D1": 10, "D3": 2, "E": 8}, 10)
    assert shown["D1"] and not shown["D"]  # D minus D1: 2
    assert shown["R"] and shown[WHOLE]  # R minus D1: 10, and D is not shown
    shown = readable_groups(TREE, {"D1": 10, "D3": 2, "E": 3}, 10)
    assert not shown["R"]  # R minus D1: 5
    assert not readable_groups(TREE, {"D1": 9}, 10)["D1"]  # the primary rule


@pytest.mark.parametrize("seed", range(40))
def test_no_difference_of_shown_nested_groups_is_small(seed: int) -> None:
    """Every shown U and shown descendant D differ by 0 or at least k, including unions."""
    import random

    rng = random.Random(seed)
    own = {u: rng.choice([0, 0, 1, 2, 3, 5, 8]) for u in TREE}
    k = 5
    shown = readable_groups(TREE, own, k)

    def size(u: str | None) -> int:
        return sum(n for v, n in own.items() if u is None or u in _chain(v))

    nodes: list[str | None] = [WHOLE, *TREE]
    for u in nodes:
        if shown[u]:
            assert size(u) >= k
    for u, d in itertools.permutations(nodes, 2):
        if shown[u] and shown[d] and d is not None and (u is None or u in _chain(d)):
            assert not 0 < size(u) - size(d) < k, (u, d, own)


def _chain(v: str) -> list[str]:
    out: list[str] = []
    cur: str | None = v
    while cur is not None:
        out.append(cur)
        cur = TREE[cur]
    return out
