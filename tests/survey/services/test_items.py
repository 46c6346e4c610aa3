"""Item distributions: shares of the top two answers and of "vet ej", and hidden cells."""

from __future__ import annotations

import pandas as pd

from analysis.instruments import DONT_KNOW, load_questionnaire
from survey.services.items import ItemTable
from tests.support.factory import QUESTIONNAIRE


def test_shares_count_dont_know_apart_and_hidden_cells_have_no_figures() -> None:
    q = load_questionnaire(QUESTIONNAIRE)
    item = "cap_workplace_1"  # agree6 with "vet ej"
    counts = {"1": 1, "2": 1, "3": 2, "4": 2, "5": 3, "6": 1, DONT_KNOW: 2}
    frame = pd.DataFrame(
        [("A", "employee", item, v, c) for v, c in counts.items()],
        columns=["unit", "role", "item", "value", "count"],
    )
    hidden = pd.Series({("A", "employee", item): False, ("B", "employee", item): True})
    table = ItemTable(frame, hidden, None, None, q)
    row = next(r for r in table.rows("A", "employee") if r.item == item)
    assert row.n == 12 and row.counts == (1, 1, 2, 2, 3, 1) and row.dont_know == 2
    assert row.top_two == 100 * 4 / 10  # 5 and 6 among the ten who gave an answer
    assert row.dont_know_share == 100 * 2 / 12
    assert row.change == "not_comparable" and row.p_value is None
    other = next(r for r in table.rows("B", "employee") if r.item == item)
    assert other.suppressed and other.n is None and other.counts is None
    assert other.top_two is None and other.dont_know_share is None


def test_a_distribution_with_every_answer_in_one_option_is_homogeneous() -> None:
    """All answers in one option say what each respondent answered: such a cell needs
    K_HOMOGENEOUS answers (the joint rule hides it below that, with its parent or a sibling)."""
    from analysis.aggregate import rollup_counts
    from survey.services.items import _cells, _hidden

    leaf = pd.DataFrame(
        {
            "unit": ["A"] * 4 + ["B"] * 4,
            "role": "employee",
            "item": "i1",
            "value": ["1", "2", "3", DONT_KNOW] * 2,
            "count": [0, 7, 0, 0, 0, 12, 3, 0],
        }
    )
    tree = pd.DataFrame({"unit": ["P", "A", "B"], "parent": [None, "P", "P"]})
    counts = rollup_counts(leaf, tree)
    cells = _cells(counts).set_index(["unit", "role"])
    assert bool(cells.loc[("A", "employee"), "homogeneous"])
    assert not cells.loc[("B", "employee"), "homogeneous"]
    hidden = _hidden(counts, tree, 5, 10)
    assert hidden[("A", "employee", "i1")]
    assert hidden[("B", "employee", "i1")] or hidden[("P", "employee", "i1")]
    assert not _hidden(counts, tree, 5, 7)[("A", "employee", "i1")]
