"""The synthetic city: deterministic rows, valid answers and the effects it claims to plant."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from analysis.instruments import load_questionnaire
from analysis.synthetic import (
    DEMO_PLAN,
    DEMO_YEARS,
    IMPROVES,
    LEGACY_DECLINES,
    ROLE_MIX_SHIFTS,
    Plan,
    demo_org,
    demo_population,
    demo_remap,
    demo_respondents,
    demo_response_rate,
    grid_org,
    leaf_units,
    response_rows,
    unit_level,
)
from analysis.tree import code_mapping, ordered

DEPTS = ("SK", "FSK", "GRF", "GVF", "HVO", "FSF", "MF", "SBK")
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
    assert {"SBK-4", "GRF-5", "HVO-2"} <= set(leaf_units(after))


def test_grid_org():
    rows = grid_org(3, 4)
    assert len(rows) == 1 + 3 + 12
    assert leaf_units(rows) == [f"F{f:02d}-{u:02d}" for f in range(3) for u in range(4)]


def _scores(rows, unit, items, role=None):
    """Per-respondent mean of the 0–100 item scores of ``items`` (reverse keys turned back)."""
    out = []
    for r in rows:
        if r[0] != unit or (role and r[1] != role):
            continue
        values = []
        for value, (item, cat) in zip(r[2:], items, strict=True):
            if isinstance(value, int):
                low, high = cat.scale.min, cat.scale.max
                value = low + high - value if item.reverse else value
                values.append(100 * (value - low) / (high - low))
        if values:
            out.append(np.mean(values))
    return float(np.mean(out))


def test_a_merged_unit_keeps_its_parts_level(q):
    """The merger alone moves nothing: MF-TILLSYN's level is the mean of MF-1's and MF-2's."""
    parts = [unit_level(c, DEMO_PLAN) for c in ("MF-1", "MF-2")]
    assert unit_level("MF-TILLSYN", DEMO_PLAN) == pytest.approx(np.mean(parts))
    plan = replace(DEMO_PLAN, missing=0.0, dont_know=0.0, roles={"employee": 1.0})
    rng = np.random.default_rng(1)
    _, before = response_rows(q, ["MF-1", "MF-2"], 3000, rng, plan, 1)
    _, after = response_rows(q, ["MF-TILLSYN"], 3000, rng, plan, 2)
    items = list(q.items.values())
    was = np.mean([_scores(before, u, items) for u in ("MF-1", "MF-2")])
    assert abs(_scores(after, "MF-TILLSYN", items) - was) < 1.5  # sampling noise only


def test_units_spread_and_departments_differ():
    levels = {c: unit_level(c, DEMO_PLAN) for c in leaf_units(demo_org(2025))}
    regular = [v for c, v in levels.items() if c not in ("SK-DSO", "MF-LAB")]
    # About 5–7 points on 0–100 (a 1–6 scale: 20 points per scale step) before sampling noise.
    assert 0.18 < float(np.std(regular)) < 0.4
    means = [np.mean([v for c, v in levels.items() if c.startswith(f"{d}-")]) for d in DEPTS]
    assert float(np.std(means)) > 0.1  # förvaltningar differ, not only their units


def test_population_invites_everyone_and_rates_are_plausible():
    for year in DEMO_YEARS:
        people = demo_population(year, 4000)
        assert set(people) == set(leaf_units(demo_org(year)))
        answered = demo_respondents(people, year, np.random.default_rng(year))
        total = sum(sum(r.values()) for r in people.values())
        done = sum(sum(r.values()) for r in answered.values())
        assert 3600 < done < 4400 and 0.6 <= done / total <= 0.85
        for code, roles in answered.items():
            assert all(n <= people[code][r] for r, n in roles.items())
            if code not in ("SK-DSO", "MF-LAB"):
                assert 0.6 <= demo_response_rate(code, year) <= 0.85
        assert sum(answered["SK-DSO"].values()) == 3
    # The merged unit employs its parts' people; the role-mix förvaltning changes its mix only.
    before, after = demo_population(2025), demo_population(2026)
    merged = sum(sum(before[c].values()) for c in ("MF-1", "MF-2"))
    assert sum(after["MF-TILLSYN"].values()) == merged
    for code in (c for c in after if c.startswith(f"{ROLE_MIX_SHIFTS}-")):
        assert abs(sum(after[code].values()) - sum(before[code].values())) <= 2
        share = after[code]["employee"] / sum(after[code].values())
        assert share < before[code]["employee"] / sum(before[code].values()) - 0.1


def test_planted_dimension_trends(q):
    """Capability improves in one förvaltning, legacy declines in another, nothing else moves."""
    plan = replace(DEMO_PLAN, missing=0.0, dont_know=0.0, roles={"manager": 1.0})
    items = list(q.items.values())
    shift = {}
    for unit in (f"{IMPROVES}-1", f"{LEGACY_DECLINES}-1", "SK-1"):
        for dim in ("capability", "legacy"):
            means = []
            for step in (1, 2):
                _, rows = response_rows(q, [unit], 400, np.random.default_rng(5), plan, step)
                keep = [
                    [
                        r[0],
                        r[1],
                        *(
                            v if c.dimension == dim else ""
                            for v, (_, c) in zip(r[2:], items, strict=True)
                        ),
                    ]
                    for r in rows
                ]
                means.append(_scores(keep, unit, items))
            shift[unit, dim] = means[1] - means[0]
    assert shift[f"{IMPROVES}-1", "capability"] > 4 and abs(shift[f"{IMPROVES}-1", "legacy"]) < 1e-9
    assert shift[f"{LEGACY_DECLINES}-1", "legacy"] < -6
    assert abs(shift[f"{LEGACY_DECLINES}-1", "capability"]) < 1e-9
    assert shift["SK-1", "capability"] == shift["SK-1", "legacy"] == 0
