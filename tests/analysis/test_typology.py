"""Typology (docs/method.md, section 8): capability × legacy split at 50."""

import math

import pandas as pd
import pytest

from analysis.typology import QUADRANTS, SPLIT, classify, quadrant


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
