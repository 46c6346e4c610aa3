"""The complete-case accumulator behind ``reliability.csv``, checked against pingouin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.reliability import CompleteCases, reliability_table

SIZES = {"a": 3, "b": 2}


def _answers(seed: int, n: int = 200, missing: float = 0.15) -> dict[str, pd.DataFrame]:
    """Per category, answers 1–5 that share a respondent level, with some items skipped."""
    rng = np.random.default_rng(seed)
    level = rng.normal(3, 0.8, size=n)
    out = {}
    for category, k in SIZES.items():
        x = np.clip(np.round(level[:, None] + rng.normal(0, 0.9, size=(n, k))), 1, 5)
        x[rng.random((n, k)) < missing] = np.nan
        out[category] = pd.DataFrame(x, columns=[f"{category}{i}" for i in range(k)])
    return out


def _feed(answers: dict[str, pd.DataFrame]) -> CompleteCases:
    acc = CompleteCases(SIZES)
    for category, frame in answers.items():
        for _, row in frame.iterrows():
            given_ = [(item, float(v)) for item, v in row.items() if not np.isnan(v)]
            acc.add(category, len(given_), given_)
    return acc


def test_alpha_from_the_accumulator_matches_pingouin_on_complete_cases():
    answers = _answers(1)
    items, totals = _feed(answers).tables()
    table = reliability_table(items, totals, round_name="R", categories=list(SIZES))
    for row in table.itertuples():
        complete = answers[row.category].dropna()
        alpha, ci = pingouin.cronbach_alpha(data=complete)
        assert row.n == len(complete) < 200  # incomplete respondents were left out
        assert row.items == SIZES[row.category]
        assert row.alpha == pytest.approx(alpha, abs=1e-12)
        assert (row.ci_low, row.ci_high) == pytest.approx(tuple(ci), abs=1e-3)  # pingouin rounds
        assert 0.3 < row.alpha < 1  # the shared level makes the items agree


def test_incomplete_cases_are_not_read():
    acc = CompleteCases(SIZES)

    def explode():
        raise AssertionError("values of an incomplete case were read")
        yield  # pragma: no cover

    acc.add("a", 2, explode())
    acc.add("b", 2, [("b0", 4.0), ("b1", 2.0)])
    items, totals = acc.tables()
    assert totals.to_dict("records") == [{"category": "b", "n": 1, "sum": 6.0, "sumsq": 36.0}]
    assert items.to_dict("records") == [
        {"category": "b", "item": "b0", "n": 1, "sum": 4.0, "sumsq": 16.0},
        {"category": "b", "item": "b1", "n": 1, "sum": 2.0, "sumsq": 4.0},
    ]
    with pytest.raises(KeyError):
        acc.add("unknown", 1, [])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(5, 60))
def test_sums_equal_those_of_the_complete_rows(seed, n):
    answers = _answers(seed, n)
    items, totals = _feed(answers).tables()
    for category, frame in answers.items():
        complete = frame.dropna()
        got = totals.set_index("category")
        if complete.empty:
            assert category not in got.index
            continue
        assert got.at[category, "n"] == len(complete)
        assert got.at[category, "sum"] == pytest.approx(complete.sum(axis=1).sum())
        assert got.at[category, "sumsq"] == pytest.approx((complete.sum(axis=1) ** 2).sum())
        per_item = items[items.category == category].set_index("item")
        assert per_item["sum"].to_dict() == pytest.approx(complete.sum().to_dict())
        assert per_item["sumsq"].to_dict() == pytest.approx((complete**2).sum().to_dict())


def test_alpha_of_fewer_than_k_is_not_published():
    """The attack: reliability.csv gave Cronbach's α (and its n) of two, three, four people."""
    from analysis.reliability import suppress_reliability

    table = pd.DataFrame(
        {
            "round": "R",
            "category": ["a", "b", "c", "d", "e"],
            "n": [0, 2, 4, 5, 40],
            "items": 3,
            "alpha": [np.nan, 0.5, 0.6, 0.7, 0.8],
            "ci_low": [np.nan, 0.1, 0.2, 0.3, 0.7],
            "ci_high": [np.nan, 0.9, 0.9, 0.9, 0.9],
        }
    )
    out = suppress_reliability(table, 5)
    assert out["n"].isna().tolist() == [False, True, True, False, False]
    assert out["alpha"].isna().tolist() == [True, True, True, False, False]
    assert out["ci_low"].isna().tolist() == [True, True, True, False, False]
    assert out.loc[4, "alpha"] == 0.8 and out.loc[0, "n"] == 0 and out["items"].eq(3).all()
