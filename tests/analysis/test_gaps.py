"""Competence gaps (docs/method.md, section 7): hand examples, suppression and ranking."""

import math

import pandas as pd
import pytest

from analysis.gaps import GAP_COLUMNS, competence_gaps
from analysis.instruments import parse_questionnaire

TEXT = {"sv": "x", "en": "x"}


@pytest.fixture
def questionnaire():
    def cat(cid, target):
        items = [{"id": f"{cid}_{i}", "text": TEXT} for i in (1, 2)]
        return {"id": cid, "title": TEXT, "scale": "level5", "roles": list(target),
                "target": target, "items": items}  # fmt: skip

    return parse_questionnaire(
        {
            "id": "t",
            "version": "1",
            "title": TEXT,
            "scales": {"level5": {"min": 1, "max": 5, "labels": {"sv": list("abcde"),
                                                                  "en": list("abcde")}}},
            "dimensions": [
                {"id": "capability", "title": TEXT, "categories": [
                    {"id": "cap", "title": TEXT, "scale": "level5", "roles": ["manager"],
                     "items": [{"id": "cap_1", "text": TEXT}]}]},
                {"id": "competence", "title": TEXT, "categories": [
                    cat("safety", {"employee": 3, "manager": 3, "specialist": 4}),
                    cat("data", {"employee": 2, "manager": 3, "specialist": 4}),
                ]},
            ],
        }
    )  # fmt: skip


def stats(rows):
    return pd.DataFrame(rows, columns=["unit", "role", "category", "n", "level_sum", "below"])


def test_hand_example(questionnaire):
    rows = [
        ("A", "employee", "safety", 10, 25.0, 6),  # mean 2.5, target 3 -> gap 0.5
        ("A", "employee", "data", 10, 25.0, 2),  # mean 2.5, target 2 -> gap -0.5
        ("A", "manager", "safety", 5, 12.5, 4),  # mean 2.5, target 3 -> gap 0.5, share 0.8
        ("A", "specialist", "data", 4, 14.0, 1),  # n < k: suppressed
        ("A", "all", "data", 14, 39.0, 3),  # no target for "all": dropped
        ("B", "manager", "data", 6, 24.0, 0),  # mean 4, target 3 -> gap -1
    ]
    out = competence_gaps(stats(rows), questionnaire, k=5)
    assert tuple(out.columns) == GAP_COLUMNS
    assert "all" not in set(out.role)
    a = out[out.unit == "A"].set_index(["role", "category"])
    assert a.loc[("manager", "safety"), "rank"] == 1  # same gap, larger share below
    assert a.loc[("employee", "safety"), "rank"] == 2
    assert a.loc[("employee", "data"), "rank"] == 3
    assert a.loc[("employee", "safety"), "gap"] == pytest.approx(0.5)
    assert a.loc[("employee", "safety"), "share_below"] == pytest.approx(0.6)
    assert a.loc[("employee", "data"), "target"] == 2.0
    hidden = a.loc[("specialist", "data")]
    assert hidden["suppressed"] and pd.isna(hidden["n"]) and pd.isna(hidden["rank"])
    assert hidden["target"] == 4.0
    assert math.isnan(hidden["mean_level"]) and math.isnan(hidden["gap"])
    assert math.isnan(hidden["share_below"])
    assert list(out.unit) == ["A", "A", "A", "A", "B"]  # by unit, rank, suppressed last
    b = out[out.unit == "B"].iloc[0]
    assert b["gap"] == pytest.approx(-1.0) and b["rank"] == 1 and b["mean_level"] == 4.0


def test_complementary_suppression_is_honoured_and_global_ranking(questionnaire):
    frame = stats(
        [("A", "employee", "safety", 10, 20.0, 5), ("B", "employee", "safety", 8, 24.0, 1)]
    )
    frame["suppressed"] = [False, True]
    out = competence_gaps(frame, questionnaire, by=())
    assert list(out.suppressed) == [False, True]
    unknown = competence_gaps(frame.assign(suppressed=[False, None]), questionnaire, by=())
    assert list(unknown.suppressed) == [False, True]  # an unknown decision fails closed
    assert out["rank"].tolist()[0] == 1 and pd.isna(out["rank"].tolist()[1])
    ranked = competence_gaps(frame.drop(columns="suppressed"), questionnaire, by=())
    assert list(ranked.unit) == ["A", "B"] and list(ranked["rank"]) == [1, 2]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("A", "manager", "cap", 5, 10.0, 1), "no competence target"),
        (("A", "employee", "nope", 5, 10.0, 1), "no competence target"),
        (("A", "boss", "safety", 5, 10.0, 1), "unknown role"),
        (("A", "employee", "safety", 5, 10.0, 6), "below <= n"),
    ],
)
def test_bad_input(questionnaire, row, message):
    with pytest.raises(ValueError, match=message):
        competence_gaps(stats([row]), questionnaire)


def test_k_below_three_and_missing_columns(questionnaire):
    with pytest.raises(ValueError, match="at least 3"):
        competence_gaps(stats([]), questionnaire, k=2)
    with pytest.raises(ValueError, match="missing column"):
        competence_gaps(stats([]).drop(columns="below"), questionnaire)


def test_empty_input(questionnaire):
    out = competence_gaps(stats([]), questionnaire)
    assert tuple(out.columns) == GAP_COLUMNS and out.empty
