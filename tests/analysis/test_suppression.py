"""Suppression (docs/method.md, section 5): hand cases, validation, brute-force disclosure."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.suppression import CELL_ROLES, may_show, suppress_cells, suppress_free_text

ROLE_CELLS = CELL_ROLES[1:]


def make_table(parents, own, index="x"):
    """Cells and tree of units u0..; parents[i] < i (-1 = root); own[i] = direct (e, m, s)."""
    codes = [f"u{i}" for i in range(len(parents))]
    total = [list(o) for o in own]
    for i in reversed(range(len(parents))):
        if parents[i] >= 0:
            total[parents[i]] = [a + b for a, b in zip(total[parents[i]], total[i], strict=True)]
    rows = []
    for code, t in zip(codes, total, strict=True):
        rows.append((code, "all", index, sum(t)))
        rows += [(code, r, index, v) for r, v in zip(ROLE_CELLS, t, strict=True)]
    tree = pd.DataFrame({"unit": codes, "parent": [None if p < 0 else codes[p] for p in parents]})
    return pd.DataFrame(rows, columns=["unit", "role", "index", "n"]), tree


def cell_masks(parents):
    """Bit mask over atoms (unit, role) of every cell's group, empty atoms included."""
    subtree = [{i} for i in range(len(parents))]
    for i in reversed(range(len(parents))):
        if parents[i] >= 0:
            subtree[parents[i]] |= subtree[i]
    masks = {}
    for i, units in enumerate(subtree):
        for role in CELL_ROLES:
            roles = range(3) if role == "all" else [ROLE_CELLS.index(role)]
            masks[(f"u{i}", role)] = sum(1 << (3 * v + r) for v in units for r in roles)
    return masks


def shown_of(cells, suppressed):
    return {
        (u, r): n
        for u, r, n, s in zip(cells.unit, cells.role, cells.n, suppressed, strict=True)
        if not s
    }


def disjoint_differences(parents, cells, suppressed):
    """Every n(G) - sum n(S_i): G shown, S_i other shown, pairwise disjoint subgroups of G."""
    masks, shown = cell_masks(parents), shown_of(cells, suppressed)
    for g, n_g in shown.items():
        subs = [c for c in shown if c != g and masks[c] & ~masks[g] == 0]
        covered = {0: 0}  # union of a disjoint family -> its n
        for c in subs:
            for m, n in list(covered.items()):
                if m & masks[c] == 0:
                    covered[m | masks[c]] = n + shown[c]
        yield from ((g, n_g - n) for n in covered.values())


def linear_leaks(parents, own, cells, suppressed, k):
    """Groups of 1..k-1 respondents whose indicator lies in the span of the shown cells."""
    masks, shown = cell_masks(parents), shown_of(cells, suppressed)
    weight = [w for o in own for w in o]
    atoms = [a for a, w in enumerate(weight) if w > 0]  # empty atoms constrain nothing
    small = [a for a in atoms if weight[a] < k]
    groups, stack = [], [((), 0, 0)]
    while stack:
        chosen, start, total = stack.pop()
        if chosen:
            groups.append(chosen)
        for j in range(start, len(small)):
            if total + weight[small[j]] < k:
                stack.append(((*chosen, small[j]), j + 1, total + weight[small[j]]))
    if not shown or not groups:
        return []
    m = np.array([[(masks[c] >> a) & 1 for a in atoms] for c in shown], dtype=float)
    projector = np.linalg.pinv(m) @ m
    v = np.array([[a in g for a in atoms] for g in groups], dtype=float)
    inside = np.abs(v - v @ projector).max(axis=1) < 1e-8
    return [groups[i] for i in np.flatnonzero(inside)]


def suppressed_set(cells, tree, k=5):
    s = suppress_cells(cells, tree, k)
    return {(u, r) for u, r, x in zip(cells.unit, cells.role, s, strict=True) if x}


tables = st.integers(1, 7).flatmap(
    lambda size: st.tuples(
        st.tuples(st.just(-1), *(st.integers(0, i - 1) for i in range(1, size))),
        st.lists(st.tuples(*[st.integers(0, 12)] * 3), min_size=size, max_size=size),
        st.sampled_from([3, 5]),
    )
)


@settings(max_examples=200, deadline=None)
@given(tables)
def test_no_shown_difference_of_disjoint_subgroups_is_small(table):
    parents, own, k = table
    cells, tree = make_table(list(parents), own)
    suppressed = suppress_cells(cells, tree, k)
    assert (cells.n[~suppressed] >= k).all()
    for g, residual in disjoint_differences(parents, cells, suppressed):
        assert residual == 0 or residual >= k, (g, residual)


@settings(max_examples=200, deadline=None)
@given(tables)
def test_no_linear_combination_singles_out_a_small_group(table):
    parents, own, k = table
    cells, tree = make_table(list(parents), own)
    suppressed = suppress_cells(cells, tree, k)
    assert linear_leaks(parents, own, cells, suppressed, k) == []


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 6),
    st.sampled_from([3, 5]),
    st.data(),
)
def test_flat_tree_with_large_roles_shows_everything(children, k, data):
    own_counts = st.tuples(*[st.integers(k, 12)] * 3)
    root = data.draw(st.one_of(st.just((0, 0, 0)), own_counts))
    own = [root] + [data.draw(own_counts) for _ in range(children)]
    cells, tree = make_table([-1] + [0] * children, own)
    suppressed = suppress_cells(cells, tree, k)
    assert (suppressed == (cells.n == 0)).all()


def test_primary_rule_and_empty_cells():
    cells, tree = make_table([-1], [(7, 2, 0)])
    assert suppressed_set(cells, tree) == {
        ("u0", "manager"),
        ("u0", "specialist"),
        ("u0", "employee"),
    }


def test_leaf_with_one_manager_hides_the_employee_cell():
    # all − employee would be the single manager
    cells, tree = make_table([-1], [(10, 1, 0)])
    assert suppressed_set(cells, tree) == {("u0", r) for r in ROLE_CELLS}


def test_parent_own_manager_takes_the_smallest_child_with_it():
    # (u0, manager) − children's manager cells would be u0's own single manager
    cells, tree = make_table([-1, 0, 0], [(0, 1, 0), (10, 6, 0), (10, 7, 0)])
    hidden = suppressed_set(cells, tree)
    assert {("u1", "manager"), ("u1", "all")} <= hidden
    assert ("u2", "manager") not in hidden and ("u0", "manager") not in hidden
    assert ("u0", "all") not in hidden and ("u2", "all") not in hidden


def test_parent_by_role_difference_is_blocked():
    # (u0,e) − [(u1,all) − (u1,m) − (u1,s)] is u0's 3 own employees, though every unit-only
    # and role-only difference is fine once (u1, e) is hidden
    parents, own = [-1, 0], [(3, 0, 6), (6, 6, 12)]
    cells, tree = make_table(parents, own)
    suppressed = suppress_cells(cells, tree, 5)
    combo = {("u0", "employee"), ("u1", "all"), ("u1", "manager"), ("u1", "specialist")}
    assert not combo <= set(shown_of(cells, suppressed))
    assert linear_leaks(parents, own, cells, suppressed, 5) == []
    assert not suppressed[(cells.unit == "u0") & (cells.role == "all")].any()


def test_indices_are_independent_and_order_does_not_matter():
    a, tree = make_table([-1, 0, 0], [(0, 1, 0), (10, 6, 0), (10, 7, 0)], index="a")
    b, _ = make_table([-1, 0, 0], [(8, 0, 5), (6, 5, 9), (3, 0, 0)], index="b")
    both = pd.concat([a, b], ignore_index=True)
    together = suppress_cells(both, tree)
    alone = pd.concat([suppress_cells(a, tree), suppress_cells(b, tree)], ignore_index=True)
    pd.testing.assert_series_equal(together, alone)
    shuffled = both.sample(frac=1, random_state=1)
    pd.testing.assert_series_equal(suppress_cells(shuffled, tree).sort_index(), together)


def test_missing_cells_count_as_empty_and_forest_is_allowed():
    cells, _ = make_table([-1], [(6, 0, 0)])
    cells = cells[cells.n > 0]
    tree = pd.DataFrame({"unit": ["u0", "v0"], "parent": [None, np.nan]})
    assert not suppress_cells(cells, tree).any()


@pytest.mark.parametrize("k", [2, 0, -1])
def test_k_below_three_is_refused(k):
    cells, tree = make_table([-1], [(6, 6, 6)])
    with pytest.raises(ValueError, match="at least 3"):
        suppress_cells(cells, tree, k)
    with pytest.raises(ValueError, match="at least 3"):
        may_show(10, k)
    with pytest.raises(ValueError, match="k_text"):
        suppress_free_text(10, k)


def test_helpers():
    assert may_show(5) and not may_show(4) and may_show(3, k=3)
    assert suppress_free_text(9) and not suppress_free_text(10)
    assert suppress_free_text(4, k_text=5) and not suppress_free_text(5, k_text=5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c, t: (c.assign(n=c.n.where(c.role != "all", 99)), t), "sum of the roles"),
        (lambda c, t: (c.assign(n=c.n.where(c.unit != "u0", 0)), t), "children"),
        (lambda c, t: (c.assign(role=c.role.replace("manager", "boss")), t), "roles"),
        (lambda c, t: (c.assign(unit=c.unit.replace("u1", "zz")), t), "unknown unit"),
        (lambda c, t: (pd.concat([c, c.head(1)]), t), "more than once"),
        (lambda c, t: (c.assign(n=c.n.astype(float).where(c.role != "all", 0.5)), t), "whole"),
        (lambda c, t: (c, t.assign(parent=["u1", "u0"])), "cycle"),
        (lambda c, t: (c, t.assign(parent=[None, "nope"])), "not units"),
        (lambda c, t: (c.drop(columns="n"), t), "missing column"),
    ],
)
def test_bad_input_is_refused(change, message):
    cells, tree = change(*make_table([-1, 0], [(5, 5, 5), (6, 6, 6)]))
    with pytest.raises(ValueError, match=message):
        suppress_cells(cells, tree)
