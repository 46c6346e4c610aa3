"""The disclosure auditor attacks the published rows; the joint rule must leave it nothing.

Each attack is also run on the rule it replaced (one index at a time, comparison figures
suppressed on the new tree), where it must find groups: an auditor that finds nothing
anywhere proves nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis.audit import Attack, AuditRound
from analysis.disclosure import score_suppression
from tests.privacy.cities import (
    attack,
    audit_round,
    hidden_groups,
    leaf_scores,
    publish,
    publish_items,
    publish_years,
    questionnaire,
    role_classes,
    tree_frame,
)

Q = questionnaire()
K = 5

#: B1 has six employees and one manager; its siblings and cousins are large.
ONE_MANAGER = tree_frame({"CITY": None, "A": "CITY", "B1": "A", "B2": "A", "C": "CITY"})
ONE_MANAGER_SIZES = {
    ("B1", "employee"): 6, ("B1", "manager"): 1,
    ("B2", "employee"): 20, ("B2", "manager"): 6, ("B2", "specialist"): 6,
    ("C", "employee"): 12, ("C", "manager"): 6, ("C", "specialist"): 6,
}  # fmt: skip


def test_the_old_rule_gives_away_the_one_manager_and_the_joint_rule_does_not():
    leaf = leaf_scores(Q, ONE_MANAGER_SIZES, seed=1)
    old = attack(Q, leaf, ONE_MANAGER, publish(Q, leaf, ONE_MANAGER, K, "old"), K)
    assert ("B1", "manager", "own", 1) in {(g.unit, g.role, g.scope, g.n) for g in old}
    assert attack(Q, leaf, ONE_MANAGER, publish(Q, leaf, ONE_MANAGER, K, "joint"), K) == []


def test_the_manager_is_exactly_seven_maturity_minus_six_workplace_on_the_old_rule():
    """The published attack by hand: 7 × maturity(B1, all) − 6 × cap_workplace(B1, employee)."""
    leaf = leaf_scores(Q, ONE_MANAGER_SIZES, seed=1)
    rows = publish(Q, leaf, ONE_MANAGER, K, "old").set_index(["unit_code", "role", "index"])
    truth = leaf.set_index(["unit", "role", "index"])
    manager = truth.loc[("B1", "manager", "maturity"), "sum"]
    guess = (
        7 * rows.loc[("B1", "all", "maturity"), "score"]
        - 6 * rows.loc[("B1", "employee", "cap_workplace"), "score"]
    )
    assert abs(guess - manager) < 1e-3
    joint = publish(Q, leaf, ONE_MANAGER, K, "joint").set_index(["unit_code", "role", "index"])
    assert joint.loc[("B1", "all", "maturity"), "suppressed"]


def _city(departments: int, units: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """Departments of units, each unit with one manager, a few employees, 0–3 specialists."""
    rng = np.random.default_rng(seed)
    parents: dict[str, str | None] = {"CITY": None}
    sizes: dict[tuple[str, str], int] = {("CITY", "manager"): 2}
    for d in range(departments):
        parents[f"D{d}"] = "CITY"
        sizes[(f"D{d}", "specialist")] = int(rng.integers(0, 4))
        for u in range(units):
            code = f"D{d}-{u}"
            parents[code] = f"D{d}"
            sizes[(code, "employee")] = int(rng.integers(2, 14))
            sizes[(code, "manager")] = 1
            sizes[(code, "specialist")] = int(rng.integers(0, 4))
    return tree_frame(parents), {key: n for key, n in sizes.items() if n}


def test_a_city_of_one_manager_units():
    tree, sizes = _city(4, 6, seed=7)
    leaf = leaf_scores(Q, sizes, seed=7, missing=0.05)
    assert len(attack(Q, leaf, tree, publish(Q, leaf, tree, K, "old"), K)) >= 1
    assert attack(Q, leaf, tree, publish(Q, leaf, tree, K, "joint"), K) == []


def _generated(parents: list[int], sizes: list[int]) -> tuple[pd.DataFrame, dict]:
    """A hypothesis-drawn tree (unit i under one of the units before it) and group sizes."""
    tree_map: dict[str, str | None] = {"U0": None}
    for i, p in enumerate(parents, start=1):
        tree_map[f"U{i}"] = f"U{min(p, i - 1)}"
    roles = ("employee", "manager", "specialist")
    chosen = {
        (unit, role): sizes[(3 * i + r) % len(sizes)]
        for i, unit in enumerate(tree_map)
        for r, role in enumerate(roles)
    }
    return tree_frame(tree_map), {key: n for key, n in chosen.items() if n}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parents=st.lists(st.integers(0, 5), min_size=1, max_size=6),
    sizes=st.lists(st.integers(0, 9), min_size=21, max_size=21),
    seed=st.integers(0, 1000),
)
def test_small_generated_trees(parents, sizes, seed):
    """Any small tree and group sizes: the joint rule's rows determine no small group.

    Everyone answers every item here; :func:`test_small_generated_trees_with_skipped_items`
    skips some."""
    tree, chosen = _generated(parents, sizes)
    assume(chosen)  # an example with nobody in it is discarded, and counted as such
    leaf = leaf_scores(Q, chosen, seed=seed)
    assert attack(Q, leaf, tree, publish(Q, leaf, tree, K, "joint"), K) == []


#: U2 (three managers and specialists) moves from D1 to D2 between the years.
OLD_TREE = tree_frame(
    {"CITY": None, "D1": "CITY", "U1": "D1", "U2": "D1", "D2": "CITY", "U3": "D2"}
)
NEW_TREE = tree_frame(
    {"CITY": None, "D1": "CITY", "U1": "D1", "D2": "CITY", "U2": "D2", "U3": "D2"}
)
YEAR_SIZES = {
    ("U1", "employee"): 12, ("U1", "manager"): 6, ("U1", "specialist"): 5,
    ("U2", "employee"): 9, ("U2", "manager"): 2, ("U2", "specialist"): 1,
    ("U3", "employee"): 15, ("U3", "manager"): 7, ("U3", "specialist"): 6,
    ("D2", "manager"): 1,
}  # fmt: skip
MAPPING = {code: code for code in OLD_TREE["unit"]}


def _attack_years(rule: str) -> list:
    old_leaf = leaf_scores(Q, YEAR_SIZES, seed=3)
    new_leaf = leaf_scores(Q, YEAR_SIZES, seed=4)
    old_rows, new_rows = publish_years(Q, old_leaf, OLD_TREE, new_leaf, NEW_TREE, MAPPING, K, rule)
    old_round, new_round = (
        audit_round(Q, "OLD", old_leaf, OLD_TREE),
        audit_round(Q, "NEW", new_leaf, NEW_TREE),
    )
    equations = Attack()
    equations.aggregates(old_round, old_rows)
    equations.aggregates(new_round, new_rows)
    equations.comparisons(old_round, new_rows, MAPPING, NEW_TREE)
    return equations.recovered([old_round, new_round], K)


def test_a_unit_moved_between_years():
    old = _attack_years("old")
    assert any(g.round == "OLD" for g in old)
    # The joint rule alone is not enough: last year's figures suppressed on this year's tree
    # give back U2's last-year managers and specialists ...
    new_tree_only = _attack_years("joint-new-tree")
    assert {("OLD", "U2", "manager")} <= {(g.round, g.unit, g.role) for g in new_tree_only}
    # ... while last year's own decision, on last year's tree, gives nothing.
    assert _attack_years("joint") == []


def test_a_reorganised_comparison_is_not_comparable_with_its_reason():
    old_leaf, new_leaf = leaf_scores(Q, YEAR_SIZES, seed=3), leaf_scores(Q, YEAR_SIZES, seed=4)
    _, rows = publish_years(Q, old_leaf, OLD_TREE, new_leaf, NEW_TREE, MAPPING, K, "joint")
    moved = rows.set_index(["unit_code", "role", "index"])
    # D2 now holds U2: last year's D2 + U2 is no cell of last year's tree.
    assert moved.loc[("D2", "all", "maturity"), "reason"] == "previous_reorganised"
    assert pd.isna(moved.loc[("D2", "all", "maturity"), "compare_score"])
    assert moved.loc[("CITY", "all", "maturity"), "reason"] == ""


def test_a_homogeneous_cell_is_hidden_and_cannot_be_worked_out():
    """Six employees who all answered alike: hidden (k_homogeneous 10), and no difference
    of shown cells gives their sum back."""
    leaf = leaf_scores(Q, ONE_MANAGER_SIZES | {("B1", "manager"): 6}, seed=2)
    same = (leaf["unit"] == "B1") & (leaf["role"] == "employee")
    leaf.loc[same, "sum"] = leaf.loc[same, "n"] * 50.0
    leaf.loc[same, "sumsq"] = leaf.loc[same, "n"] * 2500.0
    from analysis.aggregate import cells, rollup

    current = cells(rollup(leaf, ONE_MANAGER, indices=list(Q.indices)))
    decision = score_suppression(current, ONE_MANAGER, K, **role_classes(Q))
    assert decision.loc[("B1", "employee", "cap_workplace"), "reason"] == "homogeneous"
    rows = publish(Q, leaf, ONE_MANAGER, K, "joint")
    rnd = audit_round(Q, "R", leaf, ONE_MANAGER)
    equations = Attack()
    equations.aggregates(rnd, rows)
    cell = rnd.vector(["B1"], ["employee"], "cap_workplace")
    assert equations.determined([cell]) == [False]
    # ... while on the per-index rule it is shown outright.
    old = publish(Q, leaf, ONE_MANAGER, K, "old").set_index(["unit_code", "role", "index"])
    assert not old.loc[("B1", "employee", "cap_workplace"), "suppressed"]


def test_auditor_sees_an_exact_difference():
    """The auditor's own check: a parent minus its only other child is found."""
    tree = tree_frame({"P": None, "C1": "P", "C2": "P"})
    leaf = pd.DataFrame(
        {"unit": ["C1", "C2"], "role": "employee", "index": "cap_workplace", "n": [2, 9]}
    )
    rnd = AuditRound("R", tree, leaf, {})
    equations = Attack()
    equations.add(rnd.vector(["P", "C1", "C2"], ["employee"], "cap_workplace"))
    equations.add(rnd.vector(["C2"], ["employee"], "cap_workplace"))
    assert [(g.unit, g.n) for g in equations.recovered([rnd], K)] == [("C1", 2)]


#: A generated tree (found by fuzzing the auditor) where, with 30 % of items skipped, the
#: difference of a composite and its categories gives back one specialist's leg_platforms.
PARTIAL_TREE = tree_frame(
    {"U0": None, "U1": "U0", "U2": "U1", "U3": "U0", "U4": "U3", "U5": "U0", "U6": "U0",
     "U7": "U4", "U8": "U2", "U9": "U0", "U10": "U2", "U11": "U6"}
)  # fmt: skip
PARTIAL_SIZES = {
    ("U0", "employee"): 5, ("U0", "manager"): 6, ("U1", "employee"): 3, ("U1", "manager"): 12,
    ("U1", "specialist"): 4, ("U2", "employee"): 4, ("U2", "manager"): 20,
    ("U2", "specialist"): 2, ("U3", "employee"): 4, ("U3", "manager"): 4,
    ("U3", "specialist"): 1, ("U4", "employee"): 6, ("U4", "manager"): 12,
    ("U4", "specialist"): 2, ("U5", "employee"): 4, ("U5", "specialist"): 3,
    ("U6", "employee"): 5, ("U7", "employee"): 8, ("U7", "specialist"): 12,
    ("U8", "employee"): 8, ("U8", "manager"): 3, ("U8", "specialist"): 1,
    ("U9", "employee"): 3, ("U9", "manager"): 4, ("U10", "employee"): 2,
    ("U10", "manager"): 20, ("U10", "specialist"): 5, ("U11", "employee"): 20,
    ("U11", "manager"): 3, ("U11", "specialist"): 5,
}  # fmt: skip


def test_partial_answers_count_as_a_group_of_their_own():
    """Respondents who lack one of a composite's categories (or have a category without its
    composite) are what ``composite − mean of categories`` sums. Counted only by (unit, role)
    group, the rule leaves one specialist's leg_platforms to that difference; counting them
    per composite as a group of their own (``ScoringPlan.partial_composites``) leaves nothing."""
    leaf = leaf_scores(Q, PARTIAL_SIZES, seed=306, missing=0.3)
    groups_only = publish(Q, leaf, PARTIAL_TREE, K, "joint-groups-only")
    found = attack(Q, leaf, PARTIAL_TREE, groups_only, K)
    assert ("U3", "specialist", "leg_platforms") in {(g.unit, g.role, g.index) for g in found}
    assert attack(Q, leaf, PARTIAL_TREE, publish(Q, leaf, PARTIAL_TREE, K, "joint"), K) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parents=st.lists(st.integers(0, 5), min_size=1, max_size=8),
    sizes=st.lists(st.integers(0, 12), min_size=24, max_size=24),
    seed=st.integers(0, 1000),
    missing=st.sampled_from([0.1, 0.3]),
)
def test_small_generated_trees_with_skipped_items(parents, sizes, seed, missing):
    """As :func:`test_small_generated_trees`, with items skipped, so that some respondents are
    partial, and with the item distributions published too: the rows still determine no small
    group, nor how many of one gave an answer."""
    tree, chosen = _generated(parents, sizes)
    assume(chosen)  # an example with nobody in it is discarded, and counted as such
    leaf = leaf_scores(Q, chosen, seed=seed, missing=missing)
    assert _attack_all(leaf, tree, "joint") == []


def _people(leaf: pd.DataFrame, tree: pd.DataFrame, rule: str) -> pd.DataFrame:
    """Published counts of respondents (fieldwork, response rates): every unit and layer that
    ``count_cells`` shows ("joint"), or every count of k or more ("primary")."""
    from analysis.tables import count_cells

    rnd = audit_round(Q, "R", leaf, tree)
    own = pd.DataFrame(
        [(u, r, n) for (u, r), n in rnd.people.items()], columns=["unit", "role", "n"]
    )
    counts = count_cells(own, tree, K)
    hidden = counts["suppressed"] if rule == "joint" else (counts["n"] < K)
    counts = counts.assign(completed=counts["n"].where(~hidden))
    return counts.rename(columns={"unit": "unit_code"})[["unit_code", "role", "completed"]]


def _attack_all(leaf: pd.DataFrame, tree: pd.DataFrame, rule: str) -> list:
    """Aggregates (with their n), counts of respondents and item distributions at once, as a
    results page and the open data show them."""
    rows = publish(Q, leaf, tree, K, "joint")
    distributions = publish_items(leaf, tree, K, rule, hidden_groups(rows, Q))
    rnd = audit_round(Q, "R", leaf, tree)
    equations = Attack()
    equations.aggregates(rnd, rows)
    equations.counts(rnd, rows)
    equations.counts(rnd, _people(leaf, tree, rule))
    equations.items(rnd, distributions)
    return equations.recovered([rnd], K)


def test_counts_of_respondents_give_away_the_one_manager_without_complementary_suppression():
    leaf = leaf_scores(Q, ONE_MANAGER_SIZES, seed=5)
    found = _attack_all(leaf, ONE_MANAGER, "primary")
    assert ("B1", "manager", "n:people") in {(g.unit, g.role, g.index) for g in found}


def test_item_distributions_give_away_the_one_manager_without_complementary_suppression():
    """Without it, ``all − employees`` of an item both roles answer is the manager's answer."""
    leaf = leaf_scores(Q, ONE_MANAGER_SIZES, seed=5, missing=0.1)
    old = _attack_all(leaf, ONE_MANAGER, "primary")
    assert any(g.unit == "B1" and g.role == "manager" and "=" in g.index for g in old)
    assert _attack_all(leaf, ONE_MANAGER, "joint") == []


def test_item_distributions_on_a_city_of_one_manager_units():
    tree, sizes = _city(3, 5, seed=11)
    leaf = leaf_scores(Q, sizes, seed=11, missing=0.1)
    assert _attack_all(leaf, tree, "joint") == []


def test_plan_area_rows_are_equations_of_the_attack():
    """The instrument's plan areas (``plan_areas``) are published rows like any index, so every
    attack above has them among its equations. The test has teeth: on the per-index rule,
    without the headline rows that gave the manager away above, the categories alone give
    nothing, but with the area rows 7 × area_technology(all) − 6 × cap_workplace (the
    employees' area) is the one manager's area; the joint rule shows the areas and leaves the
    attack nothing."""
    leaf = leaf_scores(Q, ONE_MANAGER_SIZES, seed=1)
    old = publish(Q, leaf, ONE_MANAGER, K, "old")
    categories = old[old["index"].isin([c.id for c in Q.categories])]
    assert attack(Q, leaf, ONE_MANAGER, categories, K) == []
    with_areas = old[old["index"].isin([c.id for c in Q.categories] + list(Q.plan_area_ids))]
    found = attack(Q, leaf, ONE_MANAGER, with_areas, K)
    assert ("B1", "manager", "area_technology") in {(g.unit, g.role, g.index) for g in found}
    joint = publish(Q, leaf, ONE_MANAGER, K, "joint")
    assert set(Q.plan_area_ids) <= set(joint.loc[joint["score"].notna(), "index"])
    assert attack(Q, leaf, ONE_MANAGER, joint, K) == []
