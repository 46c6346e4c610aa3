"""Typology (docs/method.md, section 8): capability × legacy split at 50."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analysis.typology import QUADRANTS, SPLIT, UNDETERMINED, classify, place_unit, quadrant


@pytest.mark.parametrize(
    ("capability", "legacy", "expected"),
    [
        (80.0, 70.0, "mature"),
        (50.0, 50.0, "mature"),  # exactly 50 counts as high
        (50.0, 49.999, "held_back"),
        (49.999, 50.0, "untapped"),
        (0.0, 0.0, "getting_started"),
        (100.0, 0.0, "held_back"),
        (float("nan"), 60.0, None),
        (60.0, None, None),
    ],
)
def test_quadrant(capability, legacy, expected):
    assert quadrant(capability, legacy) == expected


def test_quadrants_are_complete_and_bilingual():
    assert SPLIT == 50.0
    assert set(QUADRANTS) == {"mature", "held_back", "untapped", "getting_started"}
    assert QUADRANTS["mature"].name["sv"] == "Digitalt mogen"
    assert QUADRANTS["held_back"].name["en"] == "Capability held back by legacy"
    assert QUADRANTS["untapped"].name["sv"] == "Outnyttjad potential"
    assert QUADRANTS["getting_started"].name["sv"] == "I startgroparna"
    for q in QUADRANTS.values():
        assert (
            quadrant(75.0 if q.capability_high else 25.0, 75.0 if q.legacy_high else 25.0) == q.id
        )
        assert set(q.name) == set(q.advice) == {"sv", "en"}
        assert all(text.strip() for text in (*q.name.values(), *q.advice.values()))
    with pytest.raises(TypeError):
        QUADRANTS["mature"] = QUADRANTS["untapped"]  # read-only


def test_classify_adds_a_column_and_keeps_the_input():
    frame = pd.DataFrame({"unit": ["A", "B", "C"], "capability": [55.0, 10.0, math.nan],
                          "legacy": [30.0, 90.0, 50.0]})  # fmt: skip
    out = classify(frame)
    assert list(out["quadrant"]) == ["held_back", "untapped", None]
    assert "quadrant" not in frame.columns
    renamed = frame.rename(columns={"capability": "cap", "legacy": "leg"})
    assert list(classify(renamed, "cap", "leg")["quadrant"]) == ["held_back", "untapped", None]


def _rows(unit, cells):
    """Open-data rows of ``unit`` from raw scores per (role, index); none suppressed."""
    rows = []
    for (role, index), scores in cells.items():
        x = np.asarray(scores, dtype=float)
        half = sps.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
        rows.append(
            {
                "unit_code": unit, "role": role, "index": index, "n": len(x), "score": x.mean(),
                "sd": x.std(ddof=1), "ci_low": x.mean() - half, "ci_high": x.mean() + half,
                "suppressed": False,
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("cap", "leg", "expected", "reasons"),
    [
        ((60, 2, 40), (30, 2, 40), "held_back", ()),
        ((60, 2, 40), (51, 10, 40), "undetermined", ("legacy",)),
        ((49, 10, 40), (70, 2, 40), "undetermined", ("capability",)),
        ((50.5, 10, 40), (49.5, 10, 40), "undetermined", ("capability", "legacy")),
        ((40, 3, 40), (70, 3, 40), "untapped", ()),
    ],
)
def test_undetermined_when_a_ci_crosses_the_split(cap, leg, expected, reasons):
    rng = np.random.default_rng(3)

    def draw(mean, sd, n):
        x = rng.normal(0, 1, n)
        return mean + sd * (x - x.mean()) / x.std(ddof=1)  # exactly this mean and SD

    aggregates = _rows(
        "U", {("manager", "capability"): draw(*cap), ("manager", "legacy"): draw(*leg)}
    )
    placed = place_unit(aggregates, "U", "manager")
    assert placed is not None and placed.quadrant == expected and placed.reasons == reasons
    crosses = [placed.capability.ci_low < SPLIT <= placed.capability.ci_high]
    crosses.append(placed.legacy.ci_low < SPLIT <= placed.legacy.ci_high)
    assert (expected == UNDETERMINED) == any(crosses)


def test_all_roles_pools_managers_and_specialists_on_the_same_axes():
    rng = np.random.default_rng(8)
    raw = {
        ("employee", "capability"): rng.normal(80, 5, 200),  # not on the legacy axis: left out
        ("manager", "capability"): rng.normal(30, 8, 25),
        ("specialist", "capability"): rng.normal(40, 8, 15),
        ("manager", "legacy"): rng.normal(70, 8, 25),
        ("specialist", "legacy"): rng.normal(60, 8, 15),
    }
    aggregates = _rows("U", raw)
    placed = place_unit(aggregates, "U", "all")
    cap = np.concatenate([raw[("manager", "capability")], raw[("specialist", "capability")]])
    ci = sps.t.interval(0.95, len(cap) - 1, loc=cap.mean(), scale=sps.sem(cap))
    assert placed is not None and placed.capability.n == 40
    assert placed.capability.score == pytest.approx(cap.mean(), rel=1e-12)
    assert (placed.capability.ci_low, placed.capability.ci_high) == pytest.approx(ci, rel=1e-10)
    assert placed.quadrant == "untapped"
    assert place_unit(aggregates, "U", "employee") is None  # employees answer no legacy items
    hidden = aggregates.assign(suppressed=aggregates["role"].eq("specialist"))
    assert place_unit(hidden, "U", "all") is None  # a hidden cell: no placement at all
    assert place_unit(hidden, "U", "manager") is not None
