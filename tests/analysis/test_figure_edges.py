"""The figure modules' branches that only the HTTP and CLI tests reached, tested directly.

Measured with coverage (docs/architecture.md, "Test layers"): these refusals, fallbacks and
edge cases of ``analysis/`` ran only under the slow layers. Each is checked here on plain data
against a reference computed in the test (scipy, pingouin, sqlite3 or a few lines of Python).
"""

from __future__ import annotations

import math
import sqlite3

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats as sps

from analysis.aggregate import rollup
from analysis.comparability import comparison_sides
from analysis.comparison import build_aggregates
from analysis.disclosure import joint_suppression
from analysis.estimates import change, reference_weights, standardise
from analysis.gaps import competence_gaps
from analysis.plan_areas import check_plan_areas, plan_area_rows
from analysis.reliability import reliability_table, suppress_reliability
from analysis.rescale import rescale, rescale_sql
from analysis.stats import (
    bh_adjust,
    bh_adjust_within,
    cronbach_alpha_from_stats,
    mann_whitney_counts,
)
from analysis.typology import SPLIT, UNDETERMINED, Axis, place
from tests.privacy.cities import questionnaire

TREE = pd.DataFrame({"unit": ["P", "A", "B"], "parent": [None, "P", "P"]})
LEAF = pd.DataFrame(
    {"unit": ["A", "B"], "role": "employee", "index": "x", "n": [3, 4], "sum": [1.0, 2.0],
     "sumsq": [1.0, 2.0]}
)  # fmt: skip


def test_rollup_refuses_what_it_cannot_sum() -> None:
    with pytest.raises(ValueError, match=r"missing column\(s\) \['sumsq'\]"):
        rollup(LEAF.drop(columns="sumsq"), TREE)
    with pytest.raises(ValueError, match="more than once"):
        rollup(LEAF, TREE, indices=["x", "x"])
    with pytest.raises(ValueError, match=r"not in the given order: \['x'\]"):
        rollup(LEAF, TREE, indices=["y"])


def test_a_comparison_unit_without_respondents_is_no_cell_of_the_old_tree() -> None:
    """A count row of n = 0 is the same as no row: it adds nobody to an old cell."""
    keys = pd.DataFrame({"unit": ["P", "A", "B"], "role": "employee", "index": "x"})
    old = LEAF[["unit", "role", "index", "n"]]
    hidden = pd.Series(False, index=pd.MultiIndex.from_frame(keys))
    same = {u: u for u in "PAB"}
    without = comparison_sides(keys, old, TREE, hidden, same, TREE)
    zero = pd.concat([old, old.iloc[:1].assign(unit="P", n=0)], ignore_index=True)
    assert comparison_sides(keys, zero, TREE, hidden, same, TREE).equals(without)
    assert list(without) == ["", "", ""]


def _cells(n: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"unit": list(n), "role": "employee", "index": "x", "n": list(n.values()),
         "mean": 50.0, "sd": 10.0, "ci_low": 40.0, "ci_high": 60.0}
    )  # fmt: skip


def test_build_aggregates_refuses_cells_it_cannot_place() -> None:
    units = pd.DataFrame({"unit": ["P", "A"], "name": ["P", "A"], "level": [0, 1]})
    flags = pd.Series(False, index=pd.MultiIndex.from_frame(_cells({"P": 9})[["unit", "role"]]))
    kw = {"round_name": "R", "year": 2025, "compare_round": None, "compare_suppressed": None,
          "families": {"x": "category", "y": "category"}}  # fmt: skip
    with pytest.raises(ValueError, match=r"missing from units: \['B'\]"):
        build_aggregates(_cells({"P": 9, "B": 5}), None, units, suppressed=flags, **kw)
    with pytest.raises(ValueError, match="not in indices"):
        build_aggregates(_cells({"P": 9}), None, units, suppressed=flags, indices=["y"], **kw)
    with pytest.raises(ValueError, match="indexed by"):
        build_aggregates(_cells({"P": 9}), None, units, suppressed=flags, **kw)


def test_a_homogeneous_parent_hides_its_children_too() -> None:
    """Everyone in P answered alike, so everyone in A and in B did: below k_homogeneous all
    three cells are hidden (A and B shown would give P back as their weighted mean)."""
    rows = [(u, r, "x", n, u == "P" and r in ("all", "employee"))
            for u, n in (("P", 12), ("A", 6), ("B", 6)) for r in ("all", "employee")]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["unit", "role", "index", "n", "homogeneous"])
    out = frame.join(joint_suppression(frame, TREE, 5, k_homogeneous=15))
    assert out["suppressed"].all()
    assert set(out.loc[out["unit"] == "P", "reason"]) == {"homogeneous"}
    # A hidden group of a unit not in this year's tree (moved at close in another year's
    # tree) changes nothing here.
    odd = joint_suppression(frame, TREE, 5, hidden_groups=[("Z", "employee")])
    assert odd.equals(joint_suppression(frame, TREE, 5))


def test_reference_weights_fall_back_to_respondent_shares() -> None:
    leaf = pd.DataFrame({"role": ["employee", "manager", "employee"], "index": "m", "n": [6, 2, 4]})
    expected = {"employee": 10 / 12, "manager": 2 / 12, "specialist": 0.0}
    # Headcounts known for two roles only: the composition is not known, the sample's is used.
    heads = pd.DataFrame({"unit": "A", "role": ["employee", "manager"], "headcount": [50, 9]})
    assert reference_weights(heads, leaf, "m") == pytest.approx(expected)
    assert reference_weights(None, leaf.iloc[:0], "m") == dict.fromkeys(expected, 0.0)


def test_standardise_and_change_without_an_estimate_say_so() -> None:
    cells = pd.DataFrame({"unit": "A", "role": "employee", "index": "m", "estimate": [np.nan],
                          "se": [1.0]})  # fmt: skip
    assert all(math.isnan(v) for v in standardise(cells, {"employee": 1.0}, "A", "m"))
    assert change((60.0, 0.0), (55.0, 0.0))["change"] == "not_comparable"
    found = change((60.0, 1.5), (55.0, 2.0))
    z = 5.0 / math.hypot(1.5, 2.0)
    assert found["p_value"] == pytest.approx(2 * sps.norm.sf(z))
    assert found["change"] == "improved"


def test_gaps_refuse_the_same_cell_twice() -> None:
    q = questionnaire()
    cat = next(c for c in q.categories if c.dimension == "competence" and "employee" in c.target)
    row = {"unit": "A", "role": "employee", "category": cat.id, "n": 6, "level_sum": 18.0,
           "below": 2}  # fmt: skip
    with pytest.raises(ValueError, match="appears twice"):
        competence_gaps(pd.DataFrame([row, row]), q, 5)


def test_plan_area_checks_skip_what_the_schema_refuses_and_rows_are_the_areas() -> None:
    data = {
        "dimensions": [{"id": "d", "categories": [{"id": "c1"}]}],
        "plan_areas": ["not a mapping", {"id": 7, "categories": ["c1", "nope"]},
                       {"id": "c1", "categories": ["c1"]}],
    }  # fmt: skip
    problems = check_plan_areas(data, lambda place, text: (place, str(text)))
    assert [p[0] for p in problems] == [("plan_areas", 1, "categories", 1), ("plan_areas", 2, "id")]
    agg = pd.DataFrame({"index": ["a1", "c1", "a2", "a1"], "n": [1, 2, 3, 4]})
    rows = plan_area_rows(agg, {"a1", "a2"})
    assert rows.to_dict("list") == {"index": ["a1", "a2", "a1"], "n": [1, 3, 4]}


def test_reliability_from_totals_alone_matches_pingouin() -> None:
    """Without ``categories`` and ``sizes`` the table has the (category, role) pairs of the
    totals, in their order, and α is pingouin's on the same complete cases."""
    rng = np.random.default_rng(3)
    data = pd.DataFrame(rng.integers(1, 7, size=(9, 3)).astype(float), columns=["i1", "i2", "i3"])
    items = pd.DataFrame({"category": "c", "role": "manager", "item": list(data.columns),
                          "n": 9, "sum": data.sum().to_numpy(),
                          "sumsq": (data**2).sum().to_numpy()})  # fmt: skip
    total = data.sum(axis=1)
    totals = pd.DataFrame({"category": ["c"], "role": ["manager"], "n": [9],
                           "sum": [total.sum()], "sumsq": [(total**2).sum()]})  # fmt: skip
    out = reliability_table(items, totals, round_name="R")
    assert list(zip(out["category"], out["role"], out["items"], strict=True)) == [
        ("c", "manager", 3)
    ]
    alpha, (low, high) = pg.cronbach_alpha(data)
    assert out.loc[0, "alpha"] == pytest.approx(alpha)
    assert (out.loc[0, "ci_low"], out.loc[0, "ci_high"]) == pytest.approx((low, high), abs=1e-3)
    with pytest.raises(ValueError, match="differs from the complete cases"):
        reliability_table(items.assign(n=8), totals, round_name="R")
    small = suppress_reliability(out.drop(columns="imprecise").assign(n=3), k=5)
    assert "imprecise" not in small.columns and small["alpha"].isna().all()


def test_sql_rescale_is_the_python_rule_on_every_point() -> None:
    """The SQL expression evaluated by SQLite (the standard library's, no ORM) gives what
    :func:`rescale` gives, on every point of scales 1–4, 1–5, 1–6 and 0–10, both keyings."""
    points = [(x, lo, hi, rev) for lo, hi in ((1, 4), (1, 5), (1, 6), (0, 10))
              for x in range(lo, hi + 1) for rev in (0, 1)]  # fmt: skip
    with sqlite3.connect(":memory:") as con:
        con.execute("CREATE TABLE a (value INTEGER, low INTEGER, high INTEGER, reverse INTEGER)")
        con.executemany("INSERT INTO a VALUES (?, ?, ?, ?)", points)
        sql = rescale_sql("value", "low", "high", "reverse")
        found = [row[0] for row in con.execute(f"SELECT {sql} FROM a ORDER BY rowid")]
    assert found == [rescale(x, lo, hi, bool(rev)) for x, lo, hi, rev in points]


def test_stats_refuse_shapes_and_give_no_alpha_without_variance() -> None:
    with pytest.raises(ValueError, match="one-dimensional"):
        bh_adjust(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="same length"):
        bh_adjust_within([0.1, 0.2], ["a"])
    with pytest.raises(ValueError, match="at least one category"):
        mann_whitney_counts(3, 4)
    # Everyone gave the same total: Cronbach's α is undefined (pingouin divides by zero too).
    assert all(math.isnan(v) for v in cronbach_alpha_from_stats(4, 2, [8, 8], [16, 16], 16, 64))


def test_an_axis_without_a_ci_leaves_the_unit_undetermined() -> None:
    clear = Axis(9, SPLIT + 20, SPLIT + 10, SPLIT + 30)
    unknown = Axis(1, SPLIT + 20, math.nan, math.nan)
    found = place(clear, unknown)
    assert found.quadrant == UNDETERMINED and found.reasons == ("legacy",)
    assert place(clear, clear).quadrant != UNDETERMINED
