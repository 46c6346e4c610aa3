"""analysis.aggregate: roll-ups up the tree equal statistics recomputed from raw scores."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.aggregate import (
    ALL_ROLES,
    RESPONDENT_ROLES,
    ancestor_pairs,
    cells,
    rollup,
    rollup_counts,
    unit_levels,
)


@pytest.fixture
def tree():
    return pd.DataFrame(
        {
            "unit": ["CITY", "SOF", "SOF-IFO", "SOF-AO", "UBF"],
            "parent": [None, "CITY", "SOF", "SOF", "CITY"],
        }
    )


def leaf_stats(raw):
    """The SQL GROUP BY of the bridge: n, Σx, Σx² per (unit, role, index)."""
    g = raw.assign(sq=raw["score"] ** 2).groupby(["unit", "role", "index"], sort=False)
    return g.agg(n=("score", "size"), sum=("score", "sum"), sumsq=("sq", "sum")).reset_index()


def descendants(tree):
    children = tree.groupby("parent")["unit"].apply(list).to_dict()

    def walk(u):
        return [u, *(d for c in children.get(u, []) for d in walk(c))]

    return {u: set(walk(u)) for u in tree["unit"]}


def test_rollup_small_tree_by_hand(tree):
    raw = pd.DataFrame(
        {
            "unit": ["SOF-IFO", "SOF-IFO", "SOF", "SOF-AO", "UBF", "CITY"],
            "role": ["employee", "employee", "manager", "employee", "specialist", "manager"],
            "index": ["maturity"] * 6,
            "score": [40.0, 60.0, 80.0, 50.0, 10.0, 100.0],
        }
    )
    out = cells(rollup(leaf_stats(raw), tree)).set_index(["unit", "role", "index"])
    assert len(out) == 5 * 4 * 1
    assert out.loc[("SOF", "all", "maturity"), "n"] == 4
    assert out.loc[("SOF", "all", "maturity"), "mean"] == pytest.approx(57.5)
    assert out.loc[("SOF", "employee", "maturity"), "sd"] == pytest.approx(10.0)
    assert out.loc[("CITY", "manager", "maturity"), "sum"] == 180.0
    assert out.loc[("CITY", "all", "maturity"), "sumsq"] == pytest.approx((raw["score"] ** 2).sum())
    empty = out.loc[("SOF-AO", "manager", "maturity")]
    assert empty["n"] == 0 and empty["sum"] == 0 and np.isnan(empty["mean"])
    assert out.loc[("UBF", "specialist", "maturity"), "n"] == 1
    assert np.isnan(out.loc[("UBF", "specialist", "maturity"), "sd"])


def test_rollup_order_dtypes_and_explicit_indices(tree):
    leaf = pd.DataFrame(
        {
            "unit": ["UBF"],
            "role": ["manager"],
            "index": ["legacy"],
            "n": [3],
            "sum": [150.0],
            "sumsq": [7700.0],
        }
    )
    out = rollup(leaf, tree, indices=["maturity", "legacy"])
    assert list(out.columns) == ["unit", "role", "index", "n", "sum", "sumsq"]
    assert list(out["unit"].unique()) == list(tree["unit"])
    assert list(out["role"][:8]) == [r for r in ALL_ROLES for _ in range(2)]
    assert list(out["index"][:2]) == ["maturity", "legacy"]
    assert out["n"].dtype == np.int64 and out["n"].sum() == 3 * 2 * 2  # UBF and CITY, role + all
    with pytest.raises(ValueError, match="legacy"):
        rollup(leaf, tree, indices=["maturity"])


def test_ancestor_pairs_and_levels(tree):
    pairs = ancestor_pairs(tree)
    got = set(pairs.loc[pairs["unit"] == "SOF-IFO", "ancestor"])
    assert got == {"SOF-IFO", "SOF", "CITY"}
    assert unit_levels(tree).to_dict() == {"CITY": 0, "SOF": 1, "SOF-IFO": 2, "SOF-AO": 2, "UBF": 1}
    nan_root = tree.assign(parent=tree["parent"].where(tree["parent"].notna(), np.nan))
    assert unit_levels(nan_root).to_dict() == unit_levels(tree).to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parent": ["UBF", "CITY", "SOF", "SOF", "CITY"]}, "cycle"),
        ({"parent": [None, "CITY", "NOPE", "SOF", "CITY"]}, "unknown parent"),
        ({"unit": ["CITY", "SOF", "SOF", "SOF-AO", "UBF"]}, "more than once"),
    ],
)
def test_bad_trees_are_rejected(tree, change, message):
    with pytest.raises(ValueError, match=message):
        ancestor_pairs(tree.assign(**change))


def test_rollup_rejects_unknown_units_and_roles(tree):
    leaf = pd.DataFrame(
        {
            "unit": ["X"],
            "role": ["employee"],
            "index": ["m"],
            "n": [1],
            "sum": [1.0],
            "sumsq": [1.0],
        }
    )
    with pytest.raises(ValueError, match="not in the tree"):
        rollup(leaf, tree)
    with pytest.raises(ValueError, match="unknown role"):
        rollup(leaf.assign(unit="SOF", role="all"), tree)


@st.composite
def org_and_answers(draw):
    size = draw(st.integers(1, 12))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, size)]
    codes = [f"U{i}" for i in draw(st.permutations(range(size)))]
    tree = pd.DataFrame(
        {"unit": codes, "parent": [None if p is None else codes[p] for p in parents]}
    )
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(codes),
                st.sampled_from(RESPONDENT_ROLES),
                st.sampled_from(["maturity", "competence"]),
                st.floats(0, 100, allow_nan=False),
            ),
            max_size=60,
        )
    )
    raw = pd.DataFrame(rows, columns=["unit", "role", "index", "score"])
    return tree, raw.astype({"score": float})


@settings(max_examples=100, deadline=None)
@given(org_and_answers())
def test_rollup_equals_statistics_of_raw_scores(data):
    tree, raw = data
    indices = ["maturity", "competence"]
    out = cells(rollup(leaf_stats(raw), tree, indices=indices))
    assert len(out) == len(tree) * 4 * 2
    below = descendants(tree)
    units, roles, index = (raw[c].to_numpy() for c in ("unit", "role", "index"))
    scores = raw["score"].to_numpy()
    for row in out.itertuples(index=False):
        mask = np.isin(units, list(below[row.unit])) & (index == row.index)
        if row.role != "all":
            mask &= roles == row.role
        x = scores[mask]
        assert row.n == len(x)
        if len(x):
            assert row.mean == pytest.approx(x.mean(), abs=1e-9)
        else:
            assert np.isnan(row.mean)
        if len(x) > 1:
            assert row.sd == pytest.approx(x.std(ddof=1), rel=1e-6, abs=1e-4)
        else:
            assert np.isnan(row.sd)


@settings(max_examples=50, deadline=None)
@given(org_and_answers())
def test_rollup_counts_equal_raw_counts(data):
    tree, raw = data
    raw = raw.assign(item=raw["index"] + "_1", value=(raw["score"] // 20).astype(int) + 1)
    counts = raw.groupby(["unit", "role", "item", "value"]).size().rename("count").reset_index()
    assume(not counts.empty)  # an example without answers is discarded, and counted as such
    out = rollup_counts(counts, tree)
    pairs = counts[["item", "value"]].drop_duplicates()
    assert len(out) == len(tree) * 4 * len(pairs)
    below = descendants(tree)
    for row in out.sample(min(len(out), 40), random_state=0).itertuples(index=False):
        mask = raw["unit"].isin(below[row.unit]) & (raw["item"] == row.item)
        mask &= raw["value"] == row.value
        if row.role != "all":
            mask &= raw["role"] == row.role
        assert row.count == mask.sum()
    for _, group in out.groupby(["unit", "role", "item"], sort=False):
        assert group["value"].is_monotonic_increasing
