"""Response rates, "vet ej" shares and role-mix notes beside the cells (plain frames)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.instruments import load_questionnaire
from analysis.nonresponse import (
    cell_response,
    dont_know_shares,
    low_response,
    role_mix_notes,
    role_mix_shifts,
    with_response,
)

TREE = pd.DataFrame({"unit": ["C", "A", "B"], "parent": [None, "C", "C"]})
Q = load_questionnaire(
    Path(__file__).resolve().parents[2] / "questionnaires" / "malmo-digital.yaml"
)


def test_rates_roll_up_and_hidden_counts_give_no_rate():
    own = pd.DataFrame(
        [("A", "employee", 40, 30), ("A", "manager", 6, 2), ("B", "employee", 20, 12)],
        columns=["unit", "role", "invited", "completed"],
    )
    out = cell_response(own, TREE, {"C": 80, "A": 50, "B": 30}, k=5).set_index(["unit", "role"])
    assert out.loc[("C", "all"), "invited"] == 66 and out.loc[("C", "all"), "headcount"] == 80
    assert pd.isna(out.loc[("A", "employee"), "headcount"])  # headcounts are per unit only
    # Two managers answered in A: below k, so no count and no rate, there or where it can be
    # worked out (complementary suppression over the tree and the roles).
    assert pd.isna(out.loc[("A", "manager"), "response_rate"])
    assert pd.isna(out.loc[("C", "manager"), "response_rate"])
    shown = out["response_rate"].dropna()
    assert ("B", "employee") in shown.index
    assert shown[("B", "employee")] == pytest.approx(12 / 20)
    for key, rate in shown.items():
        assert rate == pytest.approx(out.loc[key, "completed"] / out.loc[key, "invited"])


def test_dont_know_share_equals_a_count_by_hand():
    dk_items = [i for i, (_, c) in Q.items.items() if c.scale.dont_know and c.id == "cap_workplace"]
    answers = pd.DataFrame(
        [("A", "employee", dk_items[0], 10, 2), ("A", "employee", dk_items[1], 10, 0),
         ("B", "employee", dk_items[0], 5, 5)],
        columns=["unit", "role", "item", "answered", "dont_know"],
    )  # fmt: skip
    out = dont_know_shares(answers, TREE, Q).set_index(["unit", "role", "index"])
    assert out.loc[("A", "employee", "cap_workplace"), "dont_know_share"] == pytest.approx(2 / 20)
    assert out.loc[("C", "all", "cap_workplace"), "dont_know_share"] == pytest.approx(7 / 25)
    assert ("C", "all", "comp_safety") not in out.index  # level5 items offer no "vet ej"


def test_hidden_rows_carry_no_response_figures():
    agg = pd.DataFrame(
        {"unit_code": ["C", "A"], "role": ["all", "all"], "index": ["maturity"] * 2,
         "suppressed": [False, True]}
    )  # fmt: skip
    response = pd.DataFrame(
        {"unit": ["C", "A"], "role": ["all", "all"], "invited": [10, 4], "headcount": [12, 5],
         "completed": [8, 3], "response_rate": [0.8, 0.75]}
    )  # fmt: skip
    dk = pd.DataFrame(
        {"unit": ["C", "A"], "role": ["all", "all"], "index": ["maturity"] * 2,
         "dont_know_share": [0.1, 0.2]}
    )  # fmt: skip
    out = with_response(agg, response, dk)
    assert out["response_rate"].tolist()[0] == 0.8 and np.isnan(out["response_rate"].tolist()[1])
    assert np.isnan(out["dont_know_share"].tolist()[1])
    none = with_response(agg, None, None)
    assert none["invited"].isna().all() and none["response_rate"].isna().all()


def test_role_mix_shift_and_low_rate():
    now = pd.DataFrame(
        [("A", "employee", 64), ("A", "manager", 20), ("A", "specialist", 16),
         ("B", "employee", 80), ("B", "manager", 20)],
        columns=["unit", "role", "n"],
    )  # fmt: skip
    then = pd.DataFrame(
        [("A", "employee", 80), ("A", "manager", 12), ("A", "specialist", 8),
         ("B", "employee", 78), ("B", "manager", 22)],
        columns=["unit", "role", "n"],
    )  # fmt: skip
    assert role_mix_shifts(now, then, 0.10) == {"A": pytest.approx(0.16)}
    assert low_response(0.49, 0.5) and not low_response(0.5, 0.5) and not low_response(None, 0.5)


def test_role_mix_notes_read_shown_maturity_rows_only():
    rows = []
    for unit, hidden in (("A", False), ("B", True)):
        for role, n, before in (("employee", 64, 80), ("manager", 20, 12), ("specialist", 16, 8)):
            gone = hidden and role == "specialist"
            rows.append(
                (unit, role, "maturity", None if gone else n, None if gone else before, gone)
            )
    agg = pd.DataFrame(rows, columns=["unit_code", "role", "index", "n", "compare_n", "suppressed"])
    # B's hidden specialists would make the note rest on a hidden count: no note there.
    assert role_mix_notes(agg, 0.10) == {"A": pytest.approx(0.16)}
