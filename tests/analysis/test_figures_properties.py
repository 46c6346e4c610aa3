"""Property tests of the whole figure pipeline (:func:`analysis.figures.figures`), no database.

Hypothesis draws small organisations (a root and one to three levels below it, two to six
units in all), 0–15 respondents per unit and role, and random answers to the shipped
instrument ("vet ej" and blanks included). The respondents' category sums go through
:func:`analysis.sufficient.accumulate`, as the database scan's do, and the pipeline is called
directly. Whatever is drawn:

* no shown cell has fewer than k respondents;
* the disclosure auditor (:mod:`analysis.audit`) recovers no group of fewer than k from the
  shown scores and gaps;
* a shown cell's n and mean are those of its respondents' scores, computed here by a scorer of
  the test's own (docs/method.md, sections 1–2);
* a gap is shown exactly when its score cell (unit, role, category) is;
* the same input gives identical frames, also under the default rules stated
  (the instrument's families, this round's role shares);
* drawn families and role weights change only the tests' adjustment (Benjamini–Hochberg within
  the drawn families, as statsmodels computes it) and the headline, no shown cell.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from analysis.audit import Attack, AuditRound
from analysis.families import FAMILIES, default_families
from analysis.figures import Figures, RoundData, Rules, figures
from analysis.instruments import Questionnaire
from analysis.nonresponse import Responses
from analysis.rescale import rescale
from analysis.roles import ALL, ROLES
from analysis.scoring import ScoringPlan
from analysis.sufficient import accumulate
from tests.privacy.cities import questionnaire

Q = questionnaire()
K = 5


@dataclass(frozen=True)
class Person:
    unit: str
    role: str
    answers: dict[str, int | None]  # item → raw value, None for "vet ej" or blank


City = tuple[pd.DataFrame, list[Person], list[Person] | None]


@st.composite
def cities(draw: st.DrawFn) -> City:
    """A tree (unit i under an earlier unit at most ``levels - 1`` deep), its respondents, and
    sometimes an earlier year's respondents on the same tree (the comparison round)."""
    levels = draw(st.integers(1, 3))
    size = draw(st.integers(2, 6))
    depth, parents = {"U0": 0}, {"U0": None}
    for i in range(1, size):
        allowed = [u for u, d in depth.items() if d < levels]
        parent = allowed[draw(st.integers(0, len(allowed) - 1))]
        depth[f"U{i}"], parents[f"U{i}"] = depth[parent] + 1, parent
    tree = pd.DataFrame(
        {"unit": list(parents), "name": list(parents), "parent": list(parents.values())}
    )
    people = draw(respondents(list(parents)))
    earlier = draw(respondents(list(parents))) if draw(st.booleans()) else None
    return tree, people, earlier


@st.composite
def respondents(draw: st.DrawFn, units: list[str]) -> list[Person]:
    """0–15 respondents per unit and role, answering at random ("vet ej" and blanks too)."""
    groups = {(u, r): draw(st.integers(0, 15)) for u in units for r in ROLES}
    missing = draw(st.sampled_from([0.0, 0.15]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    people = []
    for (unit, role), count in groups.items():
        for _ in range(count):
            answers = {
                item.id: None
                if rng.random() < missing
                else int(rng.integers(cat.scale.min, cat.scale.max + 1))
                for cat in Q.categories
                for item in cat.items_for(role)
            }
            people.append(Person(unit, role, answers))
    return people


def own_scores(q: Questionnaire, person: Person) -> dict[str, float]:
    """The test's own scorer: the mean of a category's answered items on 0–100 when at least
    half of its items for the role are answered; a composite the mean of its available
    categories when at least half of its applicable categories are available."""
    category: dict[str, float] = {}
    for cat in q.categories:
        items = cat.items_for(person.role)
        ys = []
        for item in items:
            x = person.answers[item.id]
            if x is not None:
                x = cat.scale.max + cat.scale.min - x if item.reverse else x
                ys.append(100.0 * (x - cat.scale.min) / (cat.scale.max - cat.scale.min))
        if items and ys and 2 * len(ys) >= len(items):
            category[cat.id] = sum(ys) / len(ys)
    out = dict(category)
    for index in q.composites:
        cats = [c.id for c in q.index_categories(index) if c.items_for(person.role)]
        have = [category[c] for c in cats if c in category]
        if have and 2 * len(have) >= len(cats):
            out[index] = sum(have) / len(have)
    return out


def signature(q: Questionnaire, person: Person, scores: dict[str, float]) -> str:
    """The auditor's ``part``: the composites that are not the mean of the person's own
    categories (one skipped, or a category without its composite)."""
    partial = []
    for index in q.composites:
        cats = [c.id for c in q.index_categories(index) if c.items_for(person.role)]
        have = sum(c in scores for c in cats)
        if cats and ((index in scores) != (have == len(cats)) or (index not in scores and have)):
            partial.append(index)
    return "partial:" + "+".join(partial) if partial else "exact"


def scan_rows(q: Questionnaire, people: list[Person]) -> list[tuple]:
    """What the database scan yields per respondent: category sums and packed raw values."""
    rows = []
    for person in people:
        cats: dict[str, tuple[float, int]] = {}
        packed: dict[str, str] = {}
        for cat in q.categories:
            total, parts = 0.0, []
            for item in cat.items_for(person.role):
                x = person.answers[item.id]
                if x is None:
                    continue
                total += rescale(x, cat.scale.min, cat.scale.max, item.reverse)
                raw = cat.scale.min + cat.scale.max - x if item.reverse else x
                parts.append(f"{item.id}={raw}")
            if parts:
                cats[cat.id], packed[cat.id] = (total, len(parts)), ",".join(parts)
        rows.append((person.unit, person.role, cats, packed))
    return rows


def round_data(name: str, year: int, tree: pd.DataFrame, people: list[Person]) -> RoundData:
    return RoundData(name, year, Q, accumulate(scan_rows(Q, people), Q), tree, K)


def run(
    tree: pd.DataFrame,
    people: list[Person],
    earlier: list[Person] | None = None,
    rules: Rules | None = None,
) -> Figures:
    """The pipeline on this year's ``people``, compared with ``earlier`` (same tree) if given,
    under ``rules`` (default: ``Rules()``)."""
    answered: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for person in people:
        for item, x in person.answers.items():
            answered[(person.unit, person.role, item)][0] += 1
            answered[(person.unit, person.role, item)][1] += x is None
    answers = pd.DataFrame(
        [(u, r, i, a, d) for (u, r, i), (a, d) in answered.items()],
        columns=["unit", "role", "item", "answered", "dont_know"],
    )
    compare = mapping = None
    if earlier is not None:
        compare, mapping = round_data("P", 2025, tree, earlier), {u: u for u in tree["unit"]}
    data = round_data("R", 2026, tree, people)
    return figures(data, Responses(answers=answers), rules or Rules(), compare, mapping)


def subtree(tree: pd.DataFrame) -> dict[str, set[str]]:
    parent = {
        u: None if pd.isna(p) else p for u, p in zip(tree["unit"], tree["parent"], strict=True)
    }
    out: dict[str, set[str]] = {u: set() for u in parent}
    for unit in parent:
        up: str | None = unit
        while up is not None:
            out[up].add(unit)
            up = parent[up]
    return out


def audit_round(name: str, tree: pd.DataFrame, people: list[Person]) -> AuditRound:
    """The round as the auditor models it: true counts per atom and partial signature."""
    counts = pd.DataFrame(
        [
            (p.unit, p.role, index, signature(Q, p, scores))
            for p, scores in ((p, own_scores(Q, p)) for p in people)
            for index in scores
        ],
        columns=["unit", "role", "index", "part"],
    )
    counts = counts.groupby(["unit", "role", "index", "part"]).size().rename("n").reset_index()
    plan = ScoringPlan(Q)
    composites = {role: dict(plan.index_categories[role]) for role in plan.index_categories}
    return AuditRound(name, tree[["unit", "parent"]], counts, composites)


def check_cells(tree: pd.DataFrame, people: list[Person], out: Figures) -> None:
    """No shown cell below k; every shown n and mean that of its respondents' own scores; a
    gap shown exactly when its score cell is."""
    agg = out.aggregates
    shown = agg[~agg["suppressed"].astype(bool)]
    assert (shown["n"] >= K).all()
    assert agg.loc[agg["suppressed"].astype(bool), "score"].isna().all()
    scored = [(p, own_scores(Q, p)) for p in people]
    below = subtree(tree)
    for unit, role, index, n, score in zip(
        shown["unit_code"], shown["role"], shown["index"], shown["n"], shown["score"], strict=True
    ):
        values = [
            s[index]
            for p, s in scored
            if p.unit in below[unit] and role in (ALL, p.role) and index in s
        ]
        assert n == len(values)
        assert math.isclose(score, math.fsum(values) / len(values), rel_tol=0, abs_tol=1e-9)
    hidden = {
        (u, r, i): bool(h)
        for u, r, i, h in zip(
            agg["unit_code"], agg["role"], agg["index"], agg["suppressed"], strict=True
        )
    }
    gaps = out.gaps
    for unit, role, cat, gap_hidden in zip(
        gaps["unit"], gaps["role"], gaps["category"], gaps["suppressed"], strict=True
    ):
        assert bool(gap_hidden) == hidden.get((unit, role, cat), True)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(city=cities())
def test_the_pipeline_shows_only_safe_true_figures(city: City) -> None:
    tree, people, earlier = city
    out = run(tree, people, earlier)
    check_cells(tree, people, out)
    this = audit_round("R", tree, people)
    attack, rounds = Attack(), [this]
    attack.aggregates(this, out.aggregates)
    attack.gaps(this, out.gaps)
    if earlier is not None:
        # The comparison round's own report is public too; its figures beside this year's
        # show only where that report shows them, so together they give nothing away.
        own = run(tree, earlier)
        check_cells(tree, earlier, own)
        before = audit_round("P", tree, earlier)
        attack.aggregates(before, own.aggregates)
        attack.gaps(before, own.gaps)
        attack.comparisons(before, out.aggregates, {u: u for u in tree["unit"]}, tree)
        rounds.append(before)
        key = ["unit_code", "role", "index"]
        was = own.aggregates.set_index(key)
        compared = out.aggregates[out.aggregates["compare_score"].notna()]
        for row in compared.itertuples(index=False):
            cell = was.loc[(row.unit_code, row.role, row.index)]
            assert not cell["suppressed"] and cell["n"] == row.compare_n
            assert math.isclose(cell["score"], row.compare_score, abs_tol=1e-9)
    assert attack.recovered(rounds, K) == []


def check_bh_within_families(agg: pd.DataFrame) -> None:
    """Every tested row's ``p_adjusted`` is statsmodels' Benjamini–Hochberg over the original
    tests of its (unit, role, family); a repeated test takes its original's."""
    rows = agg[agg["p_adjusted"].notna()]
    originals = rows[rows["duplicate_of"] == ""]
    for _, family in originals.groupby(["unit_code", "role", "family"]):
        expected = multipletests(family["p_value"].to_numpy(), method="fdr_bh")[1]
        np.testing.assert_allclose(family["p_adjusted"].to_numpy(), expected, rtol=1e-12)
    adjusted = originals.set_index(["unit_code", "role", "index"])["p_adjusted"]
    for row in rows[rows["duplicate_of"] != ""].itertuples(index=False):
        assert row.p_adjusted == adjusted[(row.unit_code, row.role, row.duplicate_of)]


#: What a different family of tests may change in a row: its tests' labels, nothing shown else.
TEST_COLUMNS = ["p_adjusted", "family", "duplicate_of", "effect_size", "change"]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    city=cities(),
    plan=st.lists(st.sampled_from(FAMILIES), min_size=len(Q.indices), max_size=len(Q.indices)),
    parts=st.tuples(*[st.integers(0, 5)] * len(ROLES)).filter(any),
)
def test_the_same_input_gives_identical_figures(
    city: City, plan: list[str], parts: tuple[int, ...]
) -> None:
    tree, people, earlier = city
    first = run(tree, people, earlier)
    # The default rules are the instrument's families and this round's shares, stated.
    weights = first.estimates.weights
    shares = weights if math.isclose(math.fsum(weights.values()), 1.0, abs_tol=1e-9) else None
    stated = Rules(families=default_families(Q), role_weights=shares)
    second = run(tree, people, earlier, stated)
    for name in ("aggregates", "reliability", "gaps", "comparisons", "units"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    pd.testing.assert_frame_equal(first.estimates.cells, second.estimates.cells)
    assert first.estimates.headline == second.estimates.headline
    # Other families and weights move the tests' adjustment and the headline, nothing else.
    drawn = Rules(
        families=dict(zip(Q.indices, plan, strict=True)),
        role_weights={r: p / sum(parts) for r, p in zip(ROLES, parts, strict=True)},
    )
    other = run(tree, people, earlier, drawn)
    check_bh_within_families(other.aggregates)
    kept = [c for c in first.aggregates.columns if c not in TEST_COLUMNS]
    pd.testing.assert_frame_equal(first.aggregates[kept], other.aggregates[kept])
    pd.testing.assert_frame_equal(first.estimates.cells, other.estimates.cells)
    for name in ("reliability", "gaps", "comparisons"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(other, name))
