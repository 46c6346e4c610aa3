"""tree_diff: what changed between two years' trees, matched by code."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analysis.tree import TreeDiff, tree_diff

OLD = {
    "CITY": ("Staden", None),
    "EDU": ("Utbildning", "CITY"),
    "EDU-A": ("Skola A", "EDU"),
    "EDU-B": ("Skola B", "EDU"),
    "CARE": ("Omsorg", "CITY"),
}


def test_new_removed_renamed_and_moved_units() -> None:
    new = {
        "CITY": ("Staden", None),
        "EDU": ("Barn och utbildning", "CITY"),  # renamed
        "EDU-B": ("Skola Bäcken", "CARE"),  # renamed and moved
        "CARE": ("Omsorg", "CITY"),
        "CARE-X": ("Hemtjänst", "CARE"),  # new
    }  # EDU-A removed
    diff = tree_diff(OLD, new)
    assert diff.added == ["CARE-X"]
    assert diff.removed == ["EDU-A"]
    assert diff.renamed == [
        ("EDU", "Utbildning", "Barn och utbildning"),
        ("EDU-B", "Skola B", "Skola Bäcken"),
    ]
    assert diff.moved == [("EDU-B", "EDU", "CARE")]
    assert diff


def test_the_same_tree_has_no_differences_and_empty_parent_is_a_root() -> None:
    same = {code: (name, parent or "") for code, (name, parent) in OLD.items()}
    diff = tree_diff(OLD, same)
    assert diff == TreeDiff([], [], [], [])
    assert not diff


def test_against_no_previous_tree_everything_is_new() -> None:
    diff = tree_diff({}, OLD)
    assert diff.added == sorted(OLD)
    assert not (diff.removed or diff.renamed or diff.moved)


codes = st.sampled_from(["A", "B", "C", "D", "E"])
trees = st.dictionaries(codes, st.tuples(st.sampled_from(["x", "y"]), st.none() | codes))


@given(trees, trees)
def test_every_code_is_accounted_for_once(old, new) -> None:
    diff = tree_diff(old, new)
    assert set(diff.added) == set(new) - set(old)
    assert set(diff.removed) == set(old) - set(new)
    kept = set(old) & set(new)
    assert {c for c, *_ in diff.renamed} == {c for c in kept if old[c][0] != new[c][0]}
    assert {c for c, *_ in diff.moved} == {c for c in kept if old[c][1] != new[c][1]}
    reverse = tree_diff(new, old)
    assert reverse.added == diff.removed and reverse.removed == diff.added
