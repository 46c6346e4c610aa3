"""The joint disclosure rule (``analysis.disclosure``) on hand-made counts."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.comparability import comparison_sides
from analysis.disclosure import homogeneous_gaps, joint_suppression

TREE = pd.DataFrame({"unit": ["P", "A", "B"], "parent": [None, "P", "P"]})


def _cells(counts: dict[tuple[str, str, str], int], flat: set | None = None) -> pd.DataFrame:
    """Cells from own counts per (unit, role, index), rolled up to P, with ``all``."""
    rows = []
    indices = sorted({i for _, _, i in counts})
    for index in indices:
        own = {(u, r): counts.get((u, r, index), 0) for u in "PAB" for r in ROLES}
        for unit in "PAB":
            below = "PAB" if unit == "P" else unit
            per_role = {r: sum(own[(u, r)] for u in below) for r in ROLES}
            for role, n in [("all", sum(per_role.values())), *per_role.items()]:
                rows.append((unit, role, index, n, (unit, role, index) in (flat or set())))
    return pd.DataFrame(rows, columns=["unit", "role", "index", "n", "homogeneous"])


ROLES = ("employee", "manager", "specialist")


def _decide(frame: pd.DataFrame, **kw) -> pd.DataFrame:
    out = joint_suppression(frame, TREE, 5, **kw)
    return frame.join(out).set_index(["unit", "role", "index"])


def test_a_group_is_hidden_in_every_index_when_one_of_them_is_small():
    counts = {("A", "employee", "x"): 8, ("B", "employee", "x"): 9, ("A", "employee", "y"): 3,
              ("B", "employee", "y"): 9}  # fmt: skip
    out = _decide(_cells(counts))
    assert out.loc[("A", "employee", "y"), "reason"] == "too_few"
    # x of A's employees has 8, but the group is hidden in every index ...
    assert out.loc[("A", "employee", "x"), "reason"] == "complementary"
    # ... and so is B's (P − B would give A back).
    assert out.loc[("B", "employee", "x"), "suppressed"]


def test_all_of_an_index_a_hidden_role_does_not_answer_is_hidden():
    """cap_workplace(all) is the employees' sum: shown beside a hidden manager it would be the
    employee cell, and maturity(all) minus it the manager."""
    counts = {("A", "employee", "w"): 9, ("A", "manager", "m"): 1, ("A", "employee", "m"): 9,
              ("B", "employee", "w"): 20, ("B", "employee", "m"): 20, ("B", "manager", "m"): 6,
              ("B", "manager", "w"): 0}  # fmt: skip
    out = _decide(_cells(counts))
    assert out.loc[("A", "manager", "m"), "suppressed"]
    assert out.loc[("A", "all", "w"), "suppressed"]
    assert out.loc[("A", "all", "m"), "suppressed"]


def test_a_homogeneous_cell_needs_k_homogeneous_and_is_protected():
    counts = {("A", "employee", "x"): 7, ("B", "employee", "x"): 12}
    flat = {("A", "employee", "x")}
    out = _decide(_cells(counts, flat), k_homogeneous=10)
    assert out.loc[("A", "employee", "x"), "reason"] == "homogeneous"
    # P − B = A: one of them must go too.
    assert (
        out.loc[("B", "employee", "x"), "suppressed"]
        or out.loc[("P", "employee", "x"), "suppressed"]
    )
    shown = _decide(_cells(counts, flat), k_homogeneous=7)
    assert not shown.loc[("A", "employee", "x"), "suppressed"]


def test_groups_hidden_elsewhere_stay_hidden_and_bad_settings_are_refused():
    counts = {("A", "employee", "x"): 8, ("B", "employee", "x"): 9}
    out = _decide(_cells(counts), hidden_groups=[("A", "employee")])
    assert out.loc[("A", "employee", "x"), "suppressed"]
    with pytest.raises(ValueError, match="k_homogeneous"):
        joint_suppression(_cells(counts), TREE, 5, k_homogeneous=4)


def test_gaps_with_everyone_below_or_above_target_are_homogeneous():
    rolled = pd.DataFrame(
        {"unit": ["A", "A", "B"], "role": "manager", "index": "c", "n": [6, 6, 6],
         "level_sum": 1.0, "below": [0, 3, 6]}
    )  # fmt: skip
    assert homogeneous_gaps(rolled.iloc[[0, 2]]) == [("A", "manager", "c"), ("B", "manager", "c")]
    assert homogeneous_gaps(rolled.iloc[[1]]) == []


def test_comparison_figures_only_where_the_old_tree_had_the_cell():
    """U2 moved from D1 to D2: last year's D2 + U2 is no cell of last year's tree."""
    old_tree = pd.DataFrame(
        {"unit": ["C", "D1", "U1", "U2", "D2"], "parent": [None, "C", "D1", "D1", "C"]}
    )
    new_tree = pd.DataFrame(
        {"unit": ["C", "D1", "U1", "D2", "U2"], "parent": [None, "C", "D1", "C", "D2"]}
    )
    old_counts = pd.DataFrame(
        {"unit": ["U1", "U2", "D2"], "role": "employee", "index": "x", "n": [9, 3, 8]}
    )
    old_hidden = pd.Series(
        {
            ("C", "employee", "x"): False,
            ("D1", "employee", "x"): False,
            ("U1", "employee", "x"): False,
            ("U2", "employee", "x"): True,
            ("D2", "employee", "x"): False,
        }  # fmt: skip
    )
    keys = pd.DataFrame({"unit": ["C", "D1", "U1", "D2", "U2"], "role": "employee", "index": "x"})
    mapping = {u: u for u in old_tree["unit"]}
    sides = comparison_sides(keys, old_counts, old_tree, old_hidden, mapping, new_tree)
    assert list(sides) == ["", "", "", "previous_reorganised", "previous_suppressed"]


def test_a_composite_is_hidden_where_few_of_its_respondents_are_partial():
    """A's three employees (a hidden group) include one who lacks one of composite c's
    categories: c − mean of its categories over P's employees would be that person's alone, so
    c (not its category x) is hidden there and wherever it would give it back, while the same
    respondent in a group of k or more counts for nothing (no one can name them)."""
    from analysis.disclosure import score_suppression

    counts = {("A", "employee", "c"): 3, ("B", "employee", "c"): 9,
              ("A", "employee", "x"): 3, ("B", "employee", "x"): 9,
              ("A", "manager", "c"): 6, ("A", "manager", "x"): 6,
              ("B", "manager", "c"): 7, ("B", "manager", "x"): 7}  # fmt: skip
    current = _cells(counts).drop(columns="homogeneous").assign(sd=10.0)
    partial = pd.DataFrame({"unit": ["A"], "role": ["employee"], "index": ["c"], "n": [1]})
    out = score_suppression(current, TREE, 5, partial=partial)
    before = score_suppression(current, TREE, 5)
    for role in ("employee", "all"):
        assert not before.loc[("P", role, "c"), "suppressed"]
        assert out.loc[("P", role, "c"), "suppressed"]
        assert not out.loc[("P", role, "x"), "suppressed"]
    # The same person among B's seven managers (a group anyone can name has k or more).
    in_b = partial.assign(unit="B", role="manager")
    assert score_suppression(current, TREE, 5, partial=in_b)["suppressed"].equals(
        before["suppressed"]
    )
