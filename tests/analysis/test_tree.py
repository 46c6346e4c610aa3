"""Tree walks and the year-to-year remap rules of ``analysis.tree``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.tree import (
    ancestor_pairs,
    ancestors,
    children_map,
    code_mapping,
    common_ancestor,
    depth,
    ordered,
    parent_map,
    path_below,
    preorder,
    unit_levels,
)

#        CITY
#       /    \
#     EDU    CARE
#    /   \      \
# EDU-B  EDU-A  CARE-A
CITY = {
    "CITY": None,
    "EDU": "CITY",
    "EDU-B": "EDU",
    "EDU-A": "EDU",
    "CARE": "CITY",
    "CARE-A": "CARE",
}


def test_children_keep_the_map_order_or_sort_by_key():
    assert children_map(CITY)["EDU"] == ["EDU-B", "EDU-A"]
    assert children_map(CITY, key=str)["EDU"] == ["EDU-A", "EDU-B"]
    assert children_map(CITY)[None] == ["CITY"]
    assert "EDU-A" not in children_map(CITY)


def test_preorder_is_depth_first_with_depths():
    kids = children_map(CITY, key=str)
    assert preorder(kids, ["CITY"]) == [
        ("CITY", 0),
        ("CARE", 1),
        ("CARE-A", 2),
        ("EDU", 1),
        ("EDU-A", 2),
        ("EDU-B", 2),
    ]
    assert preorder(kids, ["EDU"]) == [("EDU", 0), ("EDU-A", 1), ("EDU-B", 1)]
    assert preorder(kids, []) == []


def test_ordered_puts_parents_first_and_leaves_out_cycles():
    assert ordered(CITY) == ["CITY", "EDU", "EDU-B", "EDU-A", "CARE", "CARE-A"]
    looped = {**CITY, "X": "Y", "Y": "X"}
    assert ordered(looped, key=str) == ordered(CITY, key=str)


def test_ancestors_depth_and_path():
    assert ancestors("EDU-A", CITY) == ["EDU-A", "EDU", "CITY"]
    assert ancestors("CITY", CITY) == ["CITY"]
    assert [depth(u, CITY) for u in ("CITY", "CARE", "CARE-A")] == [0, 1, 2]
    assert path_below("EDU-A", CITY, "CITY") == ["EDU", "EDU-A"]
    assert path_below("EDU-A", CITY, "EDU-A") == []
    with pytest.raises(ValueError, match="not an ancestor"):
        path_below("EDU-A", CITY, "CARE")
    with pytest.raises(ValueError, match="cycle"):
        ancestors("X", {"X": "Y", "Y": "X"})


def test_common_ancestor():
    assert common_ancestor(["EDU-A", "EDU-B"], CITY) == "EDU"
    assert common_ancestor(["EDU-A", "CARE-A"], CITY) == "CITY"
    assert common_ancestor(["EDU", "EDU-A"], CITY) == "EDU"
    assert common_ancestor(["EDU-A"], CITY) == "EDU-A"
    assert common_ancestor([], CITY) is None
    assert common_ancestor(["EDU", "OTHER"], {**CITY, "OTHER": None}) is None


def test_parent_map_reads_missing_parents_as_roots_and_rejects_duplicates():
    frame = pd.DataFrame({"unit": ["A", "B", "C"], "parent": [np.nan, "A", None]})
    assert parent_map(frame["unit"], frame["parent"]) == {"A": None, "B": "A", "C": None}
    with pytest.raises(ValueError, match="more than once"):
        parent_map(["A", "A"], [None, None])


# -- remaps ------------------------------------------------------------------------------------


def test_unchanged_tree_maps_every_code_to_itself():
    assert code_mapping([CITY, CITY], [{}]) == {c: c for c in CITY}
    assert code_mapping([CITY], []) == {c: c for c in CITY}
    assert list(code_mapping([CITY, CITY], [{}])) == list(CITY)  # the first tree's order


def test_renamed_code():
    new = {**{k: v for k, v in CITY.items() if k != "CARE-A"}, "CARE-HT": "CARE"}
    got = code_mapping([CITY, new], [{"CARE-A": ["CARE-HT"]}])
    assert got["CARE-A"] == "CARE-HT"
    assert got["EDU-A"] == "EDU-A"


def test_split_goes_to_the_nearest_common_ancestor():
    # EDU-A became EDU-A1 and EDU-A2 under EDU; its figures can only be compared at EDU.
    new = {**CITY, "EDU-A1": "EDU", "EDU-A2": "EDU"}
    del new["EDU-A"]
    got = code_mapping([CITY, new], [{"EDU-A": ["EDU-A1", "EDU-A2"]}])
    assert got["EDU-A"] == "EDU"
    # Split across two branches: only the city contains both parts.
    got = code_mapping([CITY, new], [{"EDU-A": ["EDU-A1", "CARE-A"]}])
    assert got["EDU-A"] == "CITY"


def test_merge_maps_both_old_codes_to_the_new_one():
    new = {k: v for k, v in CITY.items() if k not in ("EDU-A", "EDU-B")}
    new["EDU-AB"] = "EDU"
    got = code_mapping([CITY, new], [{"EDU-A": ["EDU-AB"], "EDU-B": ["EDU-AB"]}])
    assert got["EDU-A"] == got["EDU-B"] == "EDU-AB"
    assert got["EDU"] == "EDU"


def test_vanished_unit_goes_where_its_parent_went():
    new = {k: v for k, v in CITY.items() if k != "EDU-B"}
    assert code_mapping([CITY, new], [{}])["EDU-B"] == "EDU"
    # The parent was renamed in the same step: follow it.
    renamed = {k: ("SKOLA" if v == "EDU" else v) for k, v in new.items() if k != "EDU"}
    renamed["SKOLA"] = "CITY"
    got = code_mapping([CITY, renamed], [{"EDU": ["SKOLA"]}])
    assert got["EDU-B"] == "SKOLA"
    assert got["EDU-A"] == "EDU-A"
    # Parent gone too: up to the grandparent.
    bare = {"CITY": None, "CARE": "CITY", "CARE-A": "CARE"}
    got = code_mapping([CITY, bare], [{}])
    assert got["EDU-A"] == got["EDU-B"] == got["EDU"] == "CITY"


def test_a_declaration_wins_over_a_code_that_stays():
    # EDU-A still exists but its people moved to CARE-A (the code was reused).
    got = code_mapping([CITY, CITY], [{"EDU-A": ["CARE-A"]}])
    assert got["EDU-A"] == "CARE-A"


def test_codes_without_any_surviving_ancestor_are_dropped():
    other = {"TOWN": None, "T-1": "TOWN"}
    assert code_mapping([CITY, other], [{}]) == {}
    assert code_mapping([CITY, other], [{"CITY": ["TOWN"]}]) == {c: "TOWN" for c in CITY}


def test_chains_over_several_years():
    y2 = {**{k: v for k, v in CITY.items() if k != "CARE-A"}, "HT": "CARE"}  # rename
    y3 = {**{k: v for k, v in y2.items() if k != "HT"}, "HT-N": "CARE", "HT-S": "CARE"}  # split
    y4 = {k: v for k, v in y3.items() if k not in ("HT-N", "HT-S")}  # both vanish
    remaps = [{"CARE-A": ["HT"]}, {"HT": ["HT-N", "HT-S"]}, {}]
    assert code_mapping([CITY, y2], remaps[:1])["CARE-A"] == "HT"
    assert code_mapping([CITY, y2, y3], remaps[:2])["CARE-A"] == "CARE"
    assert code_mapping([CITY, y2, y3, y4], remaps)["CARE-A"] == "CARE"
    assert code_mapping([y2, y3, y4], remaps[1:])["HT"] == "CARE"
    with pytest.raises(ValueError, match="3 trees need 2 remaps"):
        code_mapping([CITY, y2, y3], remaps[:1])


# -- properties on random trees ----------------------------------------------------------------


@st.composite
def trees(draw: st.DrawFn) -> dict[str, str | None]:
    """A random forest: each node's parent is an earlier node, or none (a root)."""
    size = draw(st.integers(1, 30))
    parent: dict[str, str | None] = {"u0": None}
    for i in range(1, size):
        j = draw(st.integers(-1, i - 1))
        parent[f"u{i}"] = None if j < 0 else f"u{j}"
    order = draw(st.permutations(list(parent)))
    return {u: parent[u] for u in order}


@settings(max_examples=60, deadline=None)
@given(trees())
def test_walks_agree_with_each_other(parent):
    walk = preorder(children_map(parent, key=str), children_map(parent, key=str).get(None, []))
    assert sorted(u for u, _ in walk) == sorted(parent)
    seen: set[str] = set()
    for unit, level in walk:
        assert parent[unit] is None or parent[unit] in seen  # parents first
        assert (
            level
            == depth(unit, parent)
            == len(path_below(unit, parent, ancestors(unit, parent)[-1]))
        )
        seen.add(unit)
    assert [u for u, _ in walk] == ordered(parent, key=str)
    frame = pd.DataFrame({"unit": list(parent), "parent": list(parent.values())})
    pairs = ancestor_pairs(frame)
    assert {(u, a) for u, a in zip(pairs["unit"], pairs["ancestor"], strict=True)} == {
        (u, a) for u in parent for a in ancestors(u, parent)
    }
    assert unit_levels(frame).to_dict() == {u: depth(u, parent) for u in parent}


@settings(max_examples=60, deadline=None)
@given(trees(), st.data())
def test_common_ancestor_is_the_nearest_shared_one(parent, data):
    nodes = data.draw(st.lists(st.sampled_from(list(parent)), min_size=1, max_size=4))
    found = common_ancestor(nodes, parent)
    shared = set.intersection(*(set(ancestors(n, parent)) for n in nodes))
    if found is None:
        assert not shared
    else:
        assert found in shared
        assert all(depth(found, parent) >= depth(s, parent) for s in shared)


@settings(max_examples=60, deadline=None)
@given(trees(), st.data())
def test_units_that_vanish_map_to_their_nearest_surviving_ancestor(parent, data):
    gone = set(data.draw(st.lists(st.sampled_from(list(parent)), max_size=10)))
    # Survivors hang from their nearest surviving ancestor, as in next year's file.
    new = {
        u: next((a for a in ancestors(u, parent)[1:] if a not in gone), None)
        for u in parent
        if u not in gone
    }
    got = code_mapping([parent, new], [{}])
    for unit in parent:
        survivor = next((a for a in ancestors(unit, parent) if a not in gone), None)
        assert got.get(unit) == survivor
