"""Scoring (docs/method.md, sections 1–2): hand-computed examples and agreement of the two paths."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.instruments import ROLES, parse_questionnaire
from analysis.scoring import ScoringPlan, category_level, score_answers

TEXT = {"sv": "x", "en": "x"}


def _items(prefix, count, extra=None):
    extra = extra or {}
    return [{"id": f"{prefix}_{i}", "text": TEXT, **extra.get(i, {})} for i in range(1, count + 1)]


def build_questionnaire(**overrides):
    """A small valid questionnaire; ``overrides`` replace a dimension's categories."""
    categories = {
        "capability": [
            {"id": "cap_a", "roles": ["manager", "specialist"], "items": _items("cap_a", 4,
                {4: {"reverse": True}, 3: {"roles": ["specialist"]}})},
            {"id": "cap_b", "roles": ["employee", "manager", "specialist"],
             "items": _items("cap_b", 2)},
        ],
        "legacy": [
            {"id": "leg_a", "roles": ["manager", "specialist"], "items": _items("leg_a", 3)},
        ],
        "competence": [
            {"id": "com_a", "scale": "level5", "roles": ["employee", "manager", "specialist"],
             "target": {"employee": 3, "manager": 3, "specialist": 4},
             "items": _items("com_a", 3)},
            {"id": "com_b", "scale": "level5", "roles": ["employee", "manager", "specialist"],
             "target": {"employee": 2, "manager": 3, "specialist": 4},
             "items": _items("com_b", 2)},
        ],
    }  # fmt: skip
    categories.update(overrides)
    doc = {
        "id": "test",
        "version": "1",
        "title": TEXT,
        "scales": {
            "agree6": {
                "min": 1,
                "max": 6,
                "dont_know": True,
                "labels": {"sv": list("abcdef"), "en": list("abcdef")},
            },
            "level5": {"min": 1, "max": 5, "labels": {"sv": list("abcde"), "en": list("abcde")}},
        },
        "dimensions": [
            {
                "id": dim,
                "title": TEXT,
                "categories": [{"title": TEXT, "scale": "agree6", **c} for c in cats],
            }
            for dim, cats in categories.items()
        ],
    }
    return parse_questionnaire(doc)


@pytest.fixture
def make_questionnaire():
    """Factory fixture for small questionnaires."""
    return build_questionnaire


def answers(rows):
    return pd.DataFrame(rows, columns=["respondent", "role", "item", "value"])


def scores_of(frame, respondent):
    sub = frame[frame.respondent == respondent]
    return dict(zip(sub["index"], sub["score"], strict=True))


def test_plan_counts_follow_item_roles(make_questionnaire):
    plan = ScoringPlan(make_questionnaire())
    assert plan.item_counts["manager"]["cap_a"] == 3  # cap_a_3 is for specialists only
    assert plan.item_counts["specialist"]["cap_a"] == 4
    assert "cap_a" not in plan.item_counts["employee"]
    assert plan.index_categories["employee"]["capability"] == ("cap_b",)
    assert "legacy" not in plan.index_categories["employee"]
    assert plan.index_categories["manager"]["maturity"] == ("cap_a", "cap_b", "leg_a")
    assert plan.item_category["com_b_2"] == "com_b"


def test_hand_computed_manager(make_questionnaire):
    q = make_questionnaire()
    rows = [
        ("r1", "manager", "cap_a_1", 6),  # 100
        ("r1", "manager", "cap_a_2", 1),  # 0
        ("r1", "manager", "cap_a_4", 2),  # reverse: 5 -> 80
        ("r1", "manager", "cap_b_1", None),  # vet ej
        ("r1", "manager", "cap_b_2", 4),  # 60
        ("r1", "manager", "leg_a_1", 3),  # 40
        ("r1", "manager", "leg_a_2", float("nan")),
        ("r1", "manager", "leg_a_3", None),
        ("r1", "manager", "com_a_1", 3),  # 50
        ("r1", "manager", "com_a_2", 5),  # 100
        ("r1", "manager", "com_b_1", 1),  # 0
    ]
    got = scores_of(score_answers(answers(rows), q), "r1")
    assert got["cap_a"] == pytest.approx(60.0)
    assert got["cap_b"] == pytest.approx(60.0)  # 1 of 2 answered: exactly half counts
    assert "leg_a" not in got  # 1 of 3 answered: fewer than half
    assert got["capability"] == pytest.approx(60.0)
    assert got["maturity"] == pytest.approx(60.0)  # 2 of 3 categories available
    assert "legacy" not in got  # 0 of 1
    assert got["com_a"] == pytest.approx(75.0)
    assert got["com_b"] == pytest.approx(0.0)
    assert got["competence"] == pytest.approx(37.5)
    assert list(got) == ["maturity", "capability", "competence", "cap_a", "cap_b", "com_a", "com_b"]


def test_half_rule_for_indices_at_the_boundary(make_questionnaire):
    plan = ScoringPlan(make_questionnaire())
    # manager maturity has 3 applicable categories: 2 available is enough, 1 is not
    two = plan.respondent_scores("manager", {"cap_a": (150.0, 2), "leg_a": (90.0, 2)})
    assert two["maturity"] == pytest.approx((75.0 + 45.0) / 2)
    one = plan.respondent_scores("manager", {"cap_a": (150.0, 2)})
    assert "maturity" not in one and one["capability"] == pytest.approx(75.0)
    # cap_a has 3 manager items: 2 answered is available, 1 is not
    assert "cap_a" not in plan.respondent_scores("manager", {"cap_a": (50.0, 1)})
    # a specialist has 4 cap_a items: exactly 2 is half
    assert plan.respondent_scores("specialist", {"cap_a": (50.0, 2)})["cap_a"] == 25.0
    assert "cap_a" not in plan.respondent_scores("specialist", {"cap_a": (50.0, 1)})


def test_role_routing_and_absent_indices(make_questionnaire):
    plan = ScoringPlan(make_questionnaire())
    got = plan.respondent_scores("employee", {"cap_b": (100.0, 1), "com_a": (150.0, 2)})
    assert got == {"maturity": 100.0, "capability": 100.0, "competence": 75.0,
                   "cap_b": 100.0, "com_a": 75.0}  # fmt: skip
    with pytest.raises(ValueError, match="no items for role"):
        plan.respondent_scores("employee", {"cap_a": (10.0, 1)})
    with pytest.raises(ValueError, match="unknown role"):
        plan.respondent_scores("all", {})
    with pytest.raises(ValueError, match="answers but"):
        plan.respondent_scores("manager", {"cap_a": (10.0, 4)})


def test_score_answers_refuses_bad_input(make_questionnaire):
    q = make_questionnaire()
    with pytest.raises(ValueError, match="nope"):
        score_answers(answers([("r", "manager", "nope", 1)]), q)
    with pytest.raises(ValueError, match="does not apply"):
        score_answers(answers([("r", "manager", "cap_a_3", 1)]), q)
    with pytest.raises(ValueError, match="not on its scale"):
        score_answers(answers([("r", "manager", "cap_a_1", 7)]), q)
    with pytest.raises(ValueError, match="not on its scale"):
        score_answers(answers([("r", "manager", "cap_a_1", 2.5)]), q)
    with pytest.raises(ValueError, match="not on its scale"):
        score_answers(answers([("r", "manager", "cap_a_1", "dk")]), q)
    with pytest.raises(ValueError, match="twice"):
        score_answers(answers([("r", "manager", "cap_a_1", 1)] * 2), q)
    with pytest.raises(ValueError, match="more than one role"):
        score_answers(answers([("r", "manager", "cap_b_1", 1), ("r", "employee", "cap_b_2", 1)]), q)
    with pytest.raises(ValueError, match="unknown role"):
        score_answers(answers([("r", "boss", "cap_b_1", 1)]), q)
    with pytest.raises(ValueError, match="missing column"):
        score_answers(answers([]).drop(columns="value"), q)


def test_empty_answers_give_an_empty_frame(make_questionnaire):
    out = score_answers(answers([]), make_questionnaire())
    assert list(out.columns) == ["respondent", "role", "index", "score"] and out.empty


def test_category_level_inverts_the_rescaling(make_questionnaire):
    scale = make_questionnaire().category("com_a").scale
    assert category_level(0.0, scale) == 1.0
    assert category_level(100.0, scale) == 5.0
    assert category_level(scale.rescale(4), scale) == pytest.approx(4.0)
    assert math.isnan(category_level(float("nan"), scale))


def _reference(q, role, answered):
    """Straight from the rules in docs/method.md, without the plan."""
    cats = {}
    for c in q.categories:
        items = c.items_for(role)
        ys = [c.scale.rescale(answered[i.id], i.reverse) for i in items if i.id in answered]
        if items and 2 * len(ys) >= len(items):
            cats[c.id] = sum(ys) / len(ys)
    out = {}
    for index in ("maturity", "capability", "legacy", "competence"):
        applicable = [c.id for c in q.index_categories(index) if c.items_for(role)]
        have = [cats[c] for c in applicable if c in cats]
        if applicable and 2 * len(have) >= len(applicable):
            out[index] = sum(have) / len(have)
    return {**out, **cats}


@st.composite
def respondents(draw, q):
    rows = []
    for r in range(draw(st.integers(1, 6))):
        role = draw(st.sampled_from(ROLES))
        for item in q.items_for(role):
            scale = q.items[item.id][1].scale
            value = draw(st.one_of(st.none(), st.integers(scale.min, scale.max)))
            if draw(st.booleans()) or value is not None:
                rows.append((f"r{r}", role, item.id, value))
    return rows


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_score_answers_agrees_with_plan_and_reference(data):
    q = build_questionnaire()
    rows = data.draw(respondents(q))
    out = score_answers(answers(rows), q)
    plan = ScoringPlan(q)
    for respondent, sub in answers(rows).groupby("respondent"):
        role = sub.role.iloc[0]
        answered = {i: v for i, v in zip(sub.item, sub.value, strict=True) if pd.notna(v)}
        stats = {}
        for item_id, value in answered.items():
            item, cat = q.items[item_id]
            total, count = stats.get(cat.id, (0.0, 0))
            stats[cat.id] = (total + cat.scale.rescale(value, item.reverse), count + 1)
        expected = plan.respondent_scores(role, stats)
        assert expected == pytest.approx(_reference(q, role, answered))
        assert scores_of(out, respondent) == pytest.approx(expected, rel=1e-12)
        assert list(scores_of(out, respondent)) == list(expected)


def test_partial_composites_name_who_is_not_the_mean_of_their_categories(make_questionnaire):
    """The disclosure rule counts these people per composite (``analysis.disclosure``)."""
    plan = ScoringPlan(make_questionnaire())
    cats = plan.item_counts["manager"]
    everything = plan.respondent_scores("manager", {c: (50.0 * m, m) for c, m in cats.items()})
    assert plan.partial_composites("manager", everything) == ()
    assert plan.partial_composites("manager", {}) == ()
    # maturity from two of its three categories: partial in maturity, not in legacy
    two = plan.respondent_scores("manager", {"cap_a": (150.0, 2), "leg_a": (90.0, 2)})
    assert "maturity" in plan.partial_composites("manager", two)
    assert "legacy" not in plan.partial_composites("manager", two)
    # a legacy category without maturity: partial in maturity (a category, no composite)
    alone = plan.respondent_scores("manager", {"leg_a": (90.0, 2)})
    assert "maturity" not in alone and "maturity" in plan.partial_composites("manager", alone)
