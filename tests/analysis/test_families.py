"""Tests a reader can trust: pre-specified families, BH within them, no duplicates, minimum n.

The cells are built from raw scores with the project's own ``analysis`` functions (``rollup``,
``cells``, ``build_aggregates``); the references (statsmodels, scipy, a global BH) are
independent of the code under test.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from analysis.aggregate import cells, rollup
from analysis.comparison import MIN_TEST_N, build_aggregates, comparison_table
from analysis.families import FAMILIES
from analysis.stats import bh_adjust

HEADLINE = ["maturity", "capability", "legacy", "competence"]
CATEGORIES = ["cap_workplace", "leg_data", "comp_safety"]
INDICES = [*HEADLINE, *CATEGORIES]
OF = {**dict.fromkeys(HEADLINE, "headline"), **dict.fromkeys(CATEGORIES, "category")}
CITY_TREE = pd.DataFrame({"unit": ["CITY", "A", "B"], "parent": [None, "CITY", "CITY"]})


def scores(rng, unit, role, n, level):
    """``n`` respondents of ``role`` in ``unit`` around ``level``: one score per index."""
    rows = []
    for _ in range(n):
        base = rng.normal(level, 12)
        for index in INDICES:
            if role == "employee" and index in ("legacy", "leg_data"):
                continue  # employees do not answer legacy
            value = base if role == "employee" and index in ("maturity", "capability") else None
            if value is None:
                value = rng.normal(level, 12)
            if role == "employee" and index == "cap_workplace":
                value = base  # an employee's maturity = capability = cap_workplace
            rows.append((unit, role, index, float(np.clip(value, 0, 100))))
    return rows


def leaf(rows):
    raw = pd.DataFrame(rows, columns=["unit", "role", "index", "score"])
    g = raw.assign(sq=raw["score"] ** 2).groupby(["unit", "role", "index"], sort=False)
    return g.agg(n=("score", "size"), sum=("score", "sum"), sumsq=("sq", "sum")).reset_index()


def city(seed, level=55.0):
    rng = np.random.default_rng(seed)
    rows = []
    for unit in ("A", "B"):
        rows += scores(rng, unit, "employee", 150, level)
        rows += scores(rng, unit, "manager", 30, level)
    return cells(rollup(leaf(rows), CITY_TREE, indices=INDICES))


def small_units(seed, count=50):
    """``count`` unrelated units of 12 employees each, nothing planted."""
    rng = np.random.default_rng(seed)
    codes = [f"X{i:02d}" for i in range(count)]
    tree = pd.DataFrame({"unit": codes, "parent": None})
    rows = [r for code in codes for r in scores(rng, code, "employee", 12, 50)]
    return cells(rollup(leaf(rows), tree, indices=INDICES)), codes


def meta(codes):
    return pd.DataFrame({"unit": codes, "name": codes, "level": 0})


def no_suppression(frame):
    return pd.Series(False, index=pd.MultiIndex.from_frame(frame[["unit", "role", "index"]]))


def compare(now, before, codes, families=OF, **kwargs):
    return build_aggregates(
        now, before, meta(codes), round_name="R2", year=2026, compare_round="R1",
        suppressed=no_suppression(now), compare_suppressed=no_suppression(before),
        indices=INDICES, reasons=True, families=families, **kwargs,
    )  # fmt: skip


def row(out, unit, role, index):
    hit = out[(out["unit_code"] == unit) & (out["role"] == role) & (out["index"] == index)]
    return hit.iloc[0]


@pytest.fixture(scope="module")
def planted():
    """The city 2026 with every score up 3 points over 2025."""
    return city(2, 58.0), city(1)


def test_fifty_unrelated_small_units_do_not_change_the_headline_label(planted):
    now, before = planted
    alone = compare(now, before, ["CITY", "A", "B"])
    headline = row(alone, "CITY", "all", "maturity")
    assert headline["change"] == "improved" and headline["p_adjusted"] < 0.05

    extra_now, codes = small_units(12)
    extra_before, _ = small_units(11)
    both = compare(
        pd.concat([now, extra_now], ignore_index=True),
        pd.concat([before, extra_before], ignore_index=True),
        ["CITY", "A", "B", *codes],
    )
    crowded = row(both, "CITY", "all", "maturity")
    assert crowded["change"] == headline["change"]
    assert crowded["p_adjusted"] == headline["p_adjusted"]  # its family did not grow
    # The test has teeth: one BH family over the whole file would have lost the finding.
    tested = both[both["reason"].eq("") & both["duplicate_of"].eq("")]
    global_adjusted = bh_adjust(tested["p_value"].to_numpy())
    position = list(tested.index).index(crowded.name)
    assert global_adjusted[position] >= 0.05


def test_a_manager_group_of_8_against_12_is_not_tested():
    rng = np.random.default_rng(5)
    tree = pd.DataFrame({"unit": ["U"], "parent": [None]})
    now = cells(rollup(leaf(scores(rng, "U", "manager", 8, 30)), tree, indices=INDICES))
    before = cells(rollup(leaf(scores(rng, "U", "manager", 12, 70)), tree, indices=INDICES))
    out = compare(now, before, ["U"])
    manager = out[out["role"] == "manager"]
    assert (manager["change"] == "not_comparable").all()
    assert (manager["reason"] == "too_few_to_test").all()
    assert manager[["p_value", "p_adjusted", "effect_size", "delta"]].isna().all().all()
    assert manager["score"].notna().all()  # the figures are shown, only not tested
    table = comparison_table(out)
    assert set(table.loc[table["role"] == "manager", "reason"]) == {"too_few_to_test"}
    # the same cells with a minimum of 8 are tested
    tested = compare(now, before, ["U"], min_test_n=8)
    assert (tested.loc[tested["role"] == "manager", "reason"] == "").all()
    assert MIN_TEST_N == 10


def test_no_duplicate_tests_and_bh_per_family_equals_statsmodels(planted):
    now, before = planted
    out = compare(now, before, ["CITY", "A", "B"])
    assert set(out["family"]) == set(FAMILIES) - {"plan_area"}  # no plan areas here
    assert (out.loc[out["index"].isin(HEADLINE), "family"] == "headline").all()
    tested = out[out["reason"] == ""]
    # An employee's maturity, capability and cap_workplace are one test, run once.
    employee = tested[(tested["unit_code"] == "A") & (tested["role"] == "employee")]
    dup = employee.set_index("index")["duplicate_of"]
    assert dup["maturity"] == "" and dup["capability"] == "maturity"
    assert dup["cap_workplace"] == "maturity"
    same = employee.set_index("index")
    assert same.loc["capability", "p_adjusted"] == same.loc["maturity", "p_adjusted"]
    assert same.loc["cap_workplace", "p_adjusted"] == same.loc["maturity", "p_adjusted"]
    originals = tested[tested["duplicate_of"] == ""]
    for _, family in originals.groupby(["unit_code", "role", "family"]):
        figures = family[["n", "score", "sd", "compare_n", "compare_score"]].round(9)
        assert not figures.duplicated().any()  # no test twice in a family
        expected = multipletests(family["p_value"].to_numpy(), method="fdr_bh")[1]
        np.testing.assert_allclose(family["p_adjusted"].to_numpy(), expected, rtol=1e-12)


def test_effect_size_and_change_words_only_for_significant_changes(planted):
    now, before = planted
    out = compare(now, before, ["CITY", "A", "B"])
    tested = out[out["reason"] == ""]
    changed = tested["change"].isin(["improved", "declined"])
    assert changed.any() and (~changed).any()
    assert tested.loc[changed, "effect_size"].notna().all()
    assert tested.loc[~changed, "effect_size"].isna().all()
    assert (tested.loc[~changed, "p_adjusted"] >= 0.05).all()
    assert (tested.loc[changed, "p_adjusted"] < 0.05).all()
    # g of the headline: the average-variance SD with Hedges' correction, by hand
    r = row(out, "CITY", "all", "maturity")
    n1, n2 = r["n"], r["compare_n"]
    s2 = before.set_index(["unit", "role", "index"]).loc[("CITY", "all", "maturity"), "sd"]
    d = (r["score"] - r["compare_score"]) / np.sqrt((r["sd"] ** 2 + s2**2) / 2)
    assert r["effect_size"] == pytest.approx(d * (1 - 3 / (4 * (n1 + n2) - 9)), rel=1e-12)
    p = sps.ttest_ind_from_stats(r["score"], r["sd"], n1, r["compare_score"], s2, n2, False)[1]
    assert r["p_value"] == pytest.approx(p, rel=1e-9)
