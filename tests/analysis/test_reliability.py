"""The complete-case accumulator behind ``reliability.csv``, checked against pingouin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.reliability import (
    IMPRECISE_N,
    LOW_ALPHA,
    RELIABILITY_COLUMNS,
    CompleteCases,
    reliability_table,
    shown_alpha,
)

#: Items per role and category: like leg_platforms, category "a" has a fourth item that only
#: specialists are asked, so a manager is complete on three.
SIZES = {"manager": {"a": 3, "b": 2}, "specialist": {"a": 4, "b": 2}}
COUNTS = {"manager": 120, "specialist": 25}


def _answers(seed: int, missing: float = 0.15) -> dict[tuple[str, str], pd.DataFrame]:
    """Per (role, category), answers 1–5 sharing a respondent level, some items skipped."""
    rng = np.random.default_rng(seed)
    out = {}
    for role, sizes in SIZES.items():
        n = COUNTS[role]
        level = rng.normal(3, 0.8, size=n)
        for category, k in sizes.items():
            x = np.clip(np.round(level[:, None] + rng.normal(0, 0.9, size=(n, k))), 1, 5)
            x[rng.random((n, k)) < missing] = np.nan
            out[(role, category)] = pd.DataFrame(x, columns=[f"{category}{i}" for i in range(k)])
    return out


def _feed(answers: dict[tuple[str, str], pd.DataFrame]) -> CompleteCases:
    acc = CompleteCases(SIZES)
    for (role, category), frame in answers.items():
        for _, row in frame.iterrows():
            given_ = [(item, float(v)) for item, v in row.items() if not np.isnan(v)]
            acc.add(role, category, len(given_), given_)
    return acc


def test_alpha_per_role_matches_pingouin_on_each_roles_own_items():
    answers = _answers(1)
    items, totals = _feed(answers).tables()
    table = reliability_table(items, totals, round_name="R", categories=["a", "b"], sizes=SIZES)
    assert list(table.columns) == list(RELIABILITY_COLUMNS)
    assert list(zip(table["category"], table["role"], strict=True)) == [
        ("a", "manager"), ("a", "specialist"), ("b", "manager"), ("b", "specialist"),
    ]  # fmt: skip
    for row in table.itertuples():
        complete = answers[(row.role, row.category)].dropna()
        alpha, ci = pingouin.cronbach_alpha(data=complete)
        assert row.n == len(complete) < COUNTS[row.role]  # incomplete respondents left out
        assert row.items == SIZES[row.role][row.category]
        assert row.alpha == pytest.approx(alpha, abs=1e-12)
        assert (row.ci_low, row.ci_high) == pytest.approx(tuple(ci), abs=1e-3)  # pingouin rounds
        assert row.imprecise == (row.n < IMPRECISE_N)
    managers_a = table[(table["category"] == "a") & (table["role"] == "manager")].iloc[0]
    assert managers_a["items"] == 3 and managers_a["n"] > 30  # managers count on their 3 items
    assert table["imprecise"].any() and not table["imprecise"].all()


def test_a_category_nobody_of_a_role_completed_keeps_its_row():
    answers = _answers(2)
    answers[("specialist", "b")].iloc[:, 0] = np.nan
    items, totals = _feed(answers).tables()
    table = reliability_table(items, totals, round_name="R", categories=["a", "b"], sizes=SIZES)
    row = table[(table["category"] == "b") & (table["role"] == "specialist")].iloc[0]
    assert row["n"] == 0 and row["items"] == 2 and np.isnan(row["alpha"]) and not row["imprecise"]


def test_incomplete_cases_are_not_read():
    acc = CompleteCases(SIZES)

    def explode():
        raise AssertionError("values of an incomplete case were read")
        yield  # pragma: no cover

    acc.add("specialist", "a", 3, explode())  # a specialist has four items in "a"
    acc.add("manager", "b", 2, [("b0", 4.0), ("b1", 2.0)])
    acc.add("employee", "a", 3, explode())  # no items for the role: never complete
    items, totals = acc.tables()
    assert totals.to_dict("records") == [
        {"category": "b", "role": "manager", "n": 1, "sum": 6.0, "sumsq": 36.0}
    ]
    assert items.to_dict("records") == [
        {"category": "b", "role": "manager", "item": "b0", "n": 1, "sum": 4.0, "sumsq": 16.0},
        {"category": "b", "role": "manager", "item": "b1", "n": 1, "sum": 2.0, "sumsq": 4.0},
    ]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_sums_equal_those_of_the_complete_rows(seed):
    answers = _answers(seed, missing=0.3)
    items, totals = _feed(answers).tables()
    got = totals.set_index(["category", "role"])
    for (role, category), frame in answers.items():
        complete = frame.dropna()
        if complete.empty:
            assert (category, role) not in got.index
            continue
        assert got.at[(category, role), "n"] == len(complete)
        assert got.at[(category, role), "sum"] == pytest.approx(complete.sum(axis=1).sum())
        assert got.at[(category, role), "sumsq"] == pytest.approx((complete.sum(axis=1) ** 2).sum())
        mine = items[(items.category == category) & (items.role == role)].set_index("item")
        assert mine["sum"].to_dict() == pytest.approx(complete.sum().to_dict())
        assert mine["sumsq"].to_dict() == pytest.approx((complete**2).sum().to_dict())


@pytest.mark.parametrize(
    ("alpha", "decimals", "shown"),
    [
        (0.6993, 2, 0.69),  # would round to 0.70 beside "under 0.70"
        (0.6951, 2, 0.69),
        (0.6949, 2, 0.69),
        (0.69996, 3, 0.699),
        (0.7, 2, 0.7),
        (0.70004, 2, 0.7),
        (0.8137, 2, 0.81),
        (0.5, 3, 0.5),
    ],
)
def test_printed_alpha_never_rounds_across_070(alpha, decimals, shown):
    got = shown_alpha(alpha, decimals)
    assert got == pytest.approx(shown, abs=1e-12)
    assert (got < LOW_ALPHA) == (alpha < LOW_ALPHA)
    assert shown_alpha(float("nan")) is None and shown_alpha(None) is None


def test_alpha_of_fewer_than_k_is_not_published():
    """The attack: reliability.csv gave Cronbach's α (and its n) of two, three, four people."""
    from analysis.reliability import suppress_reliability

    table = pd.DataFrame(
        {
            "round": "R",
            "category": ["a", "b", "c", "d", "e"],
            "role": "manager",
            "n": [0, 2, 4, 5, 40],
            "items": 3,
            "alpha": [np.nan, 0.5, 0.6, 0.7, 0.8],
            "ci_low": [np.nan, 0.1, 0.2, 0.3, 0.7],
            "ci_high": [np.nan, 0.9, 0.9, 0.9, 0.9],
            "imprecise": [False, True, True, True, False],
        }
    )
    out = suppress_reliability(table, 5)
    assert out["imprecise"].isna().tolist() == [False, True, True, False, False]
    assert out["n"].isna().tolist() == [False, True, True, False, False]
    assert out["alpha"].isna().tolist() == [True, True, True, False, False]
    assert out["ci_low"].isna().tolist() == [True, True, True, False, False]
    assert out.loc[4, "alpha"] == 0.8 and out.loc[0, "n"] == 0 and out["items"].eq(3).all()
