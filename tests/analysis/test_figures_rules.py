"""The families of tests and the headline's role weights are inputs of ``analysis.figures``.

One small organisation (a root with two units, 12 respondents per unit and role in both
years, the later year a little higher) goes through the whole pipeline without a database,
under the default :class:`analysis.figures.Rules` and under stated ones. The references are
the test's own: statsmodels' Benjamini–Hochberg within the stated families, and the headline
Σ w_r ŷ_r from the respondents' own scores (``own_scores``, the property test's scorer).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.comparison import build_aggregates
from analysis.families import FAMILIES, default_families
from analysis.figures import Figures, Rules
from analysis.headline import check_role_weights
from analysis.roles import ROLES
from tests.analysis.test_figures_properties import (
    Person,
    Q,
    check_bh_within_families,
    own_scores,
    run,
)

TREE = pd.DataFrame({"unit": ["U0", "U1", "U2"], "name": ["U0", "U1", "U2"]}).assign(
    parent=[None, "U0", "U0"]
)
#: A stated plan other than the instrument's: the capability categories join the headline
#: family, the legacy categories a family of their own (``plan_area``), the plan areas the
#: categories'; the rest as the instrument says.
SWAPPED = {"cap_": "headline", "leg_": "plan_area"}
STATED = {
    index: SWAPPED.get(index[:4], "category" if family == "plan_area" else family)
    for index, family in default_families(Q).items()
}
WEIGHTS = {"employee": 0.2, "manager": 0.5, "specialist": 0.3}


def people(seed: int, centre: float) -> list[Person]:
    """12 respondents per unit and role below the root, answering around ``centre`` (0–1 of
    each item's scale)."""
    rng = np.random.default_rng(seed)
    out = []
    for unit in ("U1", "U2"):
        for role in ROLES:
            for _ in range(12):
                answers: dict[str, int | None] = {}
                for cat in Q.categories:
                    low, high = cat.scale.min, cat.scale.max
                    for item in cat.items_for(role):
                        x = low + (high - low) * rng.normal(centre, 0.3)
                        answers[item.id] = int(np.clip(round(x), low, high))
                out.append(Person(unit, role, answers))
    return out


NOW, BEFORE = people(1, 0.6), people(2, 0.5)


@pytest.fixture(scope="module")
def default() -> Figures:
    return run(TREE, NOW, BEFORE)


def compared_rows(out: Figures) -> pd.DataFrame:
    agg = out.aggregates
    return agg[agg["p_adjusted"].notna()]


def test_the_default_rules_are_the_instruments_families_and_this_rounds_shares(default):
    stated = run(
        TREE,
        NOW,
        BEFORE,
        Rules(families=default_families(Q), role_weights=default.estimates.weights),
    )
    for name in ("aggregates", "reliability", "gaps", "comparisons", "units"):
        pd.testing.assert_frame_equal(getattr(stated, name), getattr(default, name))
    pd.testing.assert_frame_equal(stated.estimates.cells, default.estimates.cells)
    assert stated.estimates.headline == default.estimates.headline
    assert len(compared_rows(default)) > 50  # enough comparable rows for the tests below to bite


def test_stated_families_give_bh_within_them_as_statsmodels(default):
    out = run(TREE, NOW, BEFORE, Rules(families=STATED))
    agg = out.aggregates
    assert agg["family"].tolist() == agg["index"].map(STATED).tolist()
    check_bh_within_families(agg)
    rows = compared_rows(out)
    # the families changed the adjustment, not the tests
    before = compared_rows(default).set_index(["unit_code", "role", "index"])
    after = rows.set_index(["unit_code", "role", "index"])
    pd.testing.assert_series_equal(after["p_value"], before["p_value"])
    assert not np.allclose(after["p_adjusted"], before["p_adjusted"])


def test_stated_weights_give_the_headline_as_the_weighted_role_means(default):
    out = run(TREE, NOW, BEFORE, Rules(role_weights=WEIGHTS))
    assert out.estimates.weights == WEIGHTS
    headline = out.estimates.headline
    assert headline is not None

    def weighted(respondents: list[Person]) -> float:
        means = {
            role: math.fsum(s) / len(s)
            for role in ROLES
            for s in [[own_scores(Q, p)["maturity"] for p in respondents if p.role == role]]
        }
        return math.fsum(WEIGHTS[r] * means[r] for r in ROLES)

    assert headline["estimate"] == pytest.approx(weighted(NOW), abs=1e-9)
    assert headline["compare_estimate"] == pytest.approx(weighted(BEFORE), abs=1e-9)
    assert headline["estimate"] != pytest.approx(default.estimates.headline["estimate"])
    # the weights move the headline only: every cell is as before
    pd.testing.assert_frame_equal(out.aggregates, default.aggregates)
    pd.testing.assert_frame_equal(out.estimates.cells, default.estimates.cells)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"employee": 0.5, "manager": 0.5}, r"missing \['specialist'\], unknown \[\]"),
        ({**WEIGHTS, "all": 0.0}, r"missing \[\], unknown \['all'\]"),
        ({**WEIGHTS, "employee": -0.2, "manager": 0.9}, r"'employee' must be a number ≥ 0"),
        ({**WEIGHTS, "manager": float("nan")}, r"'manager' must be a number ≥ 0, not nan"),
        ({**WEIGHTS, "specialist": "0.3"}, r"'specialist' must be a number ≥ 0, not '0.3'"),
        ({**WEIGHTS, "specialist": 0.31}, r"must sum to 1, not 1.01"),
    ],
)
def test_wrong_role_weights_are_refused_with_what_is_wrong(weights, message):
    with pytest.raises(ValueError, match=message):
        Rules(role_weights=weights)
    with pytest.raises(ValueError, match=message):
        check_role_weights(weights)  # what round_estimates checks given weights with


def test_a_family_outside_the_three_or_an_index_without_one_is_refused(default):
    with pytest.raises(ValueError, match=r"unknown family of tests \('maturity' → 'primary'\)"):
        Rules(families={**STATED, "maturity": "primary"})
    without = {k: v for k, v in STATED.items() if k != "leg_data"}
    with pytest.raises(
        ValueError, match=r"no family of tests given for index\(es\) \['leg_data'\]"
    ):
        run(TREE, NOW, BEFORE, Rules(families=without))
    cells = pd.DataFrame(
        {"unit": "U0", "role": "all", "index": ["maturity", "leg_data"], "n": 20, "mean": 50.0}
    ).assign(sd=10.0, ci_low=45.0, ci_high=55.0)
    flags = pd.Series(False, index=pd.MultiIndex.from_frame(cells[["unit", "role", "index"]]))
    units = pd.DataFrame({"unit": ["U0"], "name": ["U0"], "level": [0]})
    with pytest.raises(ValueError, match=r"index\(es\) \['leg_data'\]"):
        build_aggregates(
            cells, None, units, round_name="R", year=2026, compare_round=None,
            suppressed=flags, compare_suppressed=None, families={"maturity": "headline"},
        )  # fmt: skip


def test_stated_rules_are_kept_as_read_only_copies():
    families, weights = dict(STATED), dict(WEIGHTS)
    rules = Rules(families=families, role_weights=weights)
    families["maturity"], weights["manager"] = "category", 0.9
    assert rules.families is not None and rules.families["maturity"] == "headline"
    assert rules.role_weights == WEIGHTS
    with pytest.raises(TypeError):
        rules.families["maturity"] = "category"
    assert hash(rules) == hash(Rules())  # the mappings are not part of the hash
    assert set(STATED.values()) == set(FAMILIES)
