"""The synthetic city: deterministic rows, valid answers and the effects it claims to plant."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.instruments import load_questionnaire
from analysis.synthetic import (
    DEMO_PLAN,
    DEMO_YEARS,
    Plan,
    demo_org,
    demo_remap,
    grid_org,
    leaf_units,
    response_rows,
)
from analysis.tree import code_mapping, ordered

QUESTIONNAIRE = Path(__file__).resolve().parents[2] / "questionnaires" / "malmo-digital.yaml"


@pytest.fixture(scope="module")
def q():
    return load_questionnaire(QUESTIONNAIRE)


def _mean(rows, unit):
    """Mean of the numeric answers (reverse keys as given) of a unit's respondents."""
    values = [v for r in rows if r[0] == unit for v in r[2:] if isinstance(v, int)]
    return float(np.mean(values))


def test_same_seed_same_rows_and_valid_answers(q):
    units = leaf_units(demo_org(2025))
    first = response_rows(q, units, 400, np.random.default_rng(3), DEMO_PLAN, 1)
    again = response_rows(q, units, 400, np.random.default_rng(3), DEMO_PLAN, 1)
    other = response_rows(q, units, 400, np.random.default_rng(4), DEMO_PLAN, 1)
    assert first == again and first != other
    header, rows = first
    assert header == ["unit_code", "role", *q.items]
    items = list(q.items.values())
    for row in rows:
        assert row[0] in units and row[1] in ("employee", "manager", "specialist")
        for value, (item, cat) in zip(row[2:], items, strict=True):
            if row[1] not in item.roles:
                assert value == ""
            elif value == "dk":
                assert cat.scale.dont_know
            elif value != "":
                assert type(value) is int and cat.scale.min <= value <= cat.scale.max
    counts = {u: sum(r[0] == u for r in rows) for u in units}
    assert counts["SK-DSO"] == counts["MF-LAB"] == 3  # the tiny units' fixed size
    assert 390 <= sum(counts.values()) <= 406  # ≈ n; the tiny units' draws are replaced


def test_planted_trends_move_only_their_units(q):
    plan = Plan(trend={"A": 1.0, "B": -1.0}, missing=0.0, dont_know=0.0, roles={"employee": 1.0})
    shift = {}
    for unit in ("A", "B", "C"):
        means = []
        for step in (0, 2):
            _, rows = response_rows(q, [unit], 300, np.random.default_rng(9), plan, step)
            means.append(_mean(rows, unit))
        shift[unit] = means[1] - means[0]
    # Reverse-keyed items move the other way, so the mean of raw answers moves by less than 2.
    assert shift["A"] > 0.5 and shift["B"] < -0.5 and shift["C"] == 0


def test_demo_city_trees_and_the_merge(q):
    assert DEMO_YEARS == (2024, 2025, 2026)
    before, after = demo_org(2025), demo_org(2026)
    for rows in (before, after):
        parent = {c: p or None for c, _, p in rows}
        assert len(parent) == len(rows) and len(ordered(parent)) == len(rows)  # one tree
        assert [c for c, p in parent.items() if p is None] == ["STAD"]
    assert demo_remap(2025) == []
    remap = demo_remap(2026)
    declared: dict[str, list[str]] = {}
    for old, new in remap:
        declared.setdefault(old, []).append(new)
    trees = [{c: p or None for c, _, p in t} for t in (before, after)]
    mapping = code_mapping(trees, [declared])
    assert mapping["MF-1"] == mapping["MF-2"] == "MF-TILLSYN"
    assert all(mapping[c] == c for c in trees[0] if c not in ("MF-1", "MF-2"))
    assert {"SBK-4", "GRF-5", "HVO-2"} <= set(leaf_units(after))  # planted units exist


def test_grid_org():
    rows = grid_org(3, 4)
    assert len(rows) == 1 + 3 + 12
    assert leaf_units(rows) == [f"F{f:02d}-{u:02d}" for f in range(3) for u in range(4)]
