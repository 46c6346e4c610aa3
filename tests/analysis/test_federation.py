"""The consistency check of imported figures against scipy, and the side-by-side rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats as sps

from analysis.federation import check_consistency
from analysis.federation_compare import Column, over_years, side_by_side


def _row(values: np.ndarray, **override: object) -> dict[str, object]:
    """A published cell of ``values`` with its CI from scipy, rounded as published."""
    n, mean, sd = len(values), float(values.mean()), float(values.std(ddof=1))
    low, high = sps.t.interval(0.95, n - 1, loc=mean, scale=sd / np.sqrt(n))
    row = {"n": n, "score": mean, "sd": sd, "ci_low": low, "ci_high": high, "delta": None}
    row = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in row.items()}
    return {**row, "suppressed": False, **override}


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["n"] = df["n"].astype("Int64")
    for c in ("score", "sd", "ci_low", "ci_high", "delta"):
        df[c] = df[c].astype(float)
    return df


def test_figures_made_as_the_method_says_pass_and_edited_ones_fail() -> None:
    rng = np.random.default_rng(19)
    good = [_row(rng.normal(60, 15, n)) for n in (5, 12, 400)]
    hidden = {"n": None, "score": None, "sd": None, "ci_low": None, "ci_high": None,
              "delta": None, "suppressed": True}  # fmt: skip
    assert check_consistency(_frame([*good, hidden]), k=5) == []
    wide = {**good[1], "ci_high": good[1]["ci_high"] + 0.01}
    small = _row(rng.normal(60, 15, 4))
    outside = {**good[2], "ci_low": 1.0, "ci_high": 2.0}
    leaky = {**hidden, "score": 55.0}
    problems = check_consistency(_frame([good[0], wide, small, outside, leaky]), k=5)
    assert [p.row for p in problems] == [6, 4, 5, 3]  # leak, n < k, outside, inconsistent
    assert "dold" in str(problems[0]) and "k = 5" in str(problems[1])


def test_side_by_side_keeps_every_cell_and_marks_what_one_side_lacks() -> None:
    ours = pd.DataFrame(
        {"role": ["all", "all"], "index": ["maturity", "legacy"], "n": [50, 20],
         "score": [60.0, 55.0], "ci_low": [58.0, 50.0], "ci_high": [62.0, 60.0],
         "suppressed": [False, False], "compare_round": [None, None], "delta": [None, None],
         "delta_ci_low": [None, None], "delta_ci_high": [None, None], "change": [None, None]}
    )  # fmt: skip
    theirs = ours.iloc[:1].assign(score=61.5, n=80)
    columns = [Column("Vi", "R2025", 2025, ours, own=True), Column("De", "D2025", 2025, theirs)]
    rows = side_by_side(columns, ["all"], ["maturity", "capability", "legacy"])
    assert [r["index"] for r in rows] == ["maturity", "legacy"]
    assert [c["score"] for c in rows[0]["cells"]] == [60.0, 61.5]
    assert rows[1]["cells"][1] is None
    earlier = Column("De", "D2024", 2024, theirs.assign(score=59.0))
    years = over_years([*columns, earlier], "all", "maturity")
    assert [(y["organisation"], y["year"], y["cell"]["score"]) for y in years] == [
        ("Vi", 2025, 60.0), ("De", 2024, 59.0), ("De", 2025, 61.5)
    ]  # fmt: skip
