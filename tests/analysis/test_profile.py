"""The personal competence profile: levels, strengths and areas to grow (analysis/profile.py).

Each level is checked against a mean written out here from the instrument file itself (the
items of a category for the role, "vet ej" and off-scale answers left out).
"""

from __future__ import annotations

import pytest
import yaml

from analysis.instruments import load_questionnaire
from analysis.profile import build_profile, category_levels
from tests.support.factory import QUESTIONNAIRE


@pytest.fixture(scope="module")
def q():
    return load_questionnaire(QUESTIONNAIRE)


def reference(role: str, values: dict[str, str]) -> dict[str, float]:
    """Category id → mean of the numeric answers, straight from the YAML document."""
    doc = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    out = {}
    for dim in doc["dimensions"]:
        if dim["id"] != "competence":
            continue
        for cat in dim["categories"]:
            if role not in cat["roles"]:
                continue
            ids = [i["id"] for i in cat["items"] if role in i.get("roles", cat["roles"])]
            numbers = [int(values[i]) for i in ids if values.get(i, "").isdigit()]
            numbers = [n for n in numbers if 1 <= n <= 5]
            if numbers:
                out[cat["id"]] = sum(numbers) / len(numbers)
    return out


def answers(q, role: str, per_category: dict[str, list[str]], default: str = "3") -> dict[str, str]:
    values = {}
    for cat in q.categories_for(role):
        picks = per_category.get(cat.id, [])
        for n, item in enumerate(cat.items_for(role)):
            values[item.id] = picks[n] if n < len(picks) else default
    return values


def test_levels_are_means_without_dont_know_or_unanswered(q) -> None:
    values = answers(
        q,
        "manager",
        {"comp_safety": ["5", "dk", "2"], "comp_problem": ["1", "2", "9", "4"]},
    )
    del values["comp_leadership_1"]
    levels = category_levels(q, "manager", values)
    ref = reference("manager", values)
    assert set(levels) == set(ref)
    assert "cap_governance" not in levels  # organisation statements are not about the person
    for cid, (mean, _n) in levels.items():
        assert mean == pytest.approx(ref[cid])
    assert levels["comp_safety"] == (pytest.approx(3.5), 2)
    assert levels["comp_problem"] == (pytest.approx(7 / 3), 3)
    assert levels["comp_leadership"][1] == 3


def test_a_category_with_no_answer_is_left_out(q) -> None:
    values = answers(q, "employee", {})
    for item in q.category("comp_content").items_for("employee"):
        values.pop(item.id)
    assert "comp_content" not in category_levels(q, "employee", values)


def test_top_category_is_a_strength_and_a_low_one_an_area_to_grow(q) -> None:
    values = answers(q, "employee", {"comp_communication": ["5"] * 3, "comp_safety": ["1"] * 3})
    p = build_profile(q, "employee", category_levels(q, "employee", values))
    assert [r.category.id for r in p.strengths] == ["comp_communication"]
    assert [r.category.id for r in p.to_grow] == ["comp_safety"]
    grow = p.to_grow[0]
    assert grow.target == 3 and grow.reached is False and grow.gap == pytest.approx(-2)
    assert grow.step is not None and grow.step.value == 1
    assert grow.step.learning[0].text["sv"].startswith("Gå organisationens grundutbildning")
    assert [r.category.id for r in p.rows] == [
        c.id for c in q.categories_for("employee") if c.dimension == "competence"
    ]


def test_at_most_three_each_ranked_by_distance_to_target(q) -> None:
    # manager targets: understanding 4, information 3, communication 3, content 3, safety 4,
    # problem 3, leadership 4
    per = {
        "comp_understanding": ["5"] * 3,  # +1
        "comp_information": ["5"] * 3,  # +2
        "comp_communication": ["4"] * 3,  # +1, lower level than understanding
        "comp_content": ["3"] * 3,  # 0
        "comp_safety": ["2"] * 3,  # -2
        "comp_problem": ["2"] * 4,  # -1
        "comp_leadership": ["1"] * 4,  # -3
    }
    p = build_profile(q, "manager", category_levels(q, "manager", answers(q, "manager", per)))
    assert [r.category.id for r in p.strengths] == [
        "comp_information",
        "comp_understanding",
        "comp_communication",
    ]
    assert [r.category.id for r in p.to_grow] == ["comp_leadership", "comp_safety", "comp_problem"]


def test_even_answers_give_neither_strengths_nor_areas(q) -> None:
    p = build_profile(q, "employee", category_levels(q, "employee", answers(q, "employee", {})))
    assert p.strengths == () and p.to_grow == ()
    assert all(r.reached for r in p.rows)


def test_rounding_to_a_level_text_is_half_up(q) -> None:
    levels = {"comp_safety": (3.5, 2), "comp_content": (2.49, 3)}
    rows = {r.category.id: r for r in build_profile(q, "employee", levels).rows}
    assert rows["comp_safety"].step is not None and rows["comp_safety"].step.value == 4
    assert rows["comp_content"].step is not None and rows["comp_content"].step.value == 2
