"""Where a closed round's responses are stored: no (unit, role) group below k, nothing lost."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from analysis.atrest import storage_units
from analysis.tree import ancestors

# CITY ─ EDU ─ EDU-A, EDU-B; CITY ─ CARE ─ CARE-A
TREE = {
    "CITY": None,
    "EDU": "CITY",
    "EDU-A": "EDU",
    "EDU-B": "EDU",
    "CARE": "CITY",
    "CARE-A": "CARE",
}


def _stored(counts: dict[tuple[str, str], int], target: dict[tuple[str, str], str]) -> Counter:
    out: Counter = Counter()
    for (unit, role), n in counts.items():
        out[(target[(unit, role)], role)] += n
    return out


def test_the_only_manager_of_a_unit_moves_to_where_managers_reach_k() -> None:
    counts = {("EDU-A", "employee"): 20, ("EDU-A", "manager"): 1, ("EDU-B", "manager"): 5}
    storage = storage_units(TREE, counts, 5)
    assert storage.target[("EDU-A", "employee")] == "EDU-A"
    # EDU holds 6 managers in its subtree: the lone one is stored there, not higher.
    assert storage.target[("EDU-A", "manager")] == "EDU"
    # ...which leaves EDU with a group of 1, so EDU-B's five join it (EDU-B's cell had to be
    # hidden anyway: EDU minus EDU-B would be that one manager).
    stored = _stored(counts, storage.target)
    assert min(stored.values()) >= 5 and not storage.below_k


def test_a_role_with_fewer_than_k_in_the_whole_tree_stays_at_the_top() -> None:
    counts = {("EDU-A", "employee"): 30, ("EDU-A", "specialist"): 1, ("CARE-A", "specialist"): 2}
    storage = storage_units(TREE, counts, 5)
    assert storage.target[("EDU-A", "specialist")] == "CITY"
    assert storage.target[("CARE-A", "specialist")] == "CITY"
    assert storage.below_k == {("CITY", "specialist"): 3}


def test_unknown_units_and_roles_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        storage_units(TREE, {("NOPE", "employee"): 3}, 5)
    with pytest.raises(ValueError, match="roles"):
        storage_units(TREE, {("EDU", "boss"): 3}, 5)


def _subtree(unit: str, stored: Counter, role: str) -> int:
    return sum(n for (u, r), n in stored.items() if r == role and unit in [u, *ancestors(u, TREE)])


@pytest.mark.parametrize("seed", range(60))
def test_random_trees_keep_every_response_and_every_role_cell_of_k(seed: int) -> None:
    rng = random.Random(seed)
    k = rng.choice([3, 5, 10])
    counts = {
        (u, r): n
        for u in TREE
        for r in ("employee", "manager", "specialist")
        if (n := rng.choice([0, 0, 1, 2, 3, 4, 6, 12])) > 0
    }
    storage = storage_units(TREE, counts, k)
    stored = _stored(counts, storage.target)
    assert sum(stored.values()) == sum(counts.values())  # nothing lost
    for (unit, _role), target in storage.target.items():
        assert target in [unit, *ancestors(unit, TREE)]  # only ever up the tree
    for (unit, role), n in stored.items():
        assert n >= k or storage.below_k.get((unit, role)) == n
    for (unit, role), n in storage.below_k.items():
        assert unit == "CITY" and n == sum(v for (_, r), v in counts.items() if r == role) < k
    before = Counter(counts)
    for unit in TREE:  # responses only move up: no cell gains, a small one is emptied
        for role in ("employee", "manager", "specialist"):
            old = _subtree(unit, before, role)
            new = _subtree(unit, stored, role)
            assert new <= old and (unit != "CITY" or new == old)
            assert old >= k or new == 0 or unit == "CITY", (unit, role, old, new)
