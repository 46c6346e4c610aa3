"""analysis.stats checked against scipy, statsmodels and pingouin on the raw data."""

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from analysis.stats import (
    bh_adjust,
    bh_adjust_within,
    cronbach_alpha,
    cronbach_alpha_from_stats,
    describe,
    hedges_g,
    mann_whitney_counts,
    welch,
)


def summary(x):
    x = np.asarray(x, dtype=float)
    return len(x), x.mean(), x.std(ddof=1) if len(x) > 1 else np.nan


@pytest.mark.parametrize("seed", range(5))
def test_describe_matches_numpy_and_scipy(seed):
    x = np.random.default_rng(seed).normal(60, 15, size=7 + seed * 40)
    mean, sd, low, high = describe(len(x), x.sum(), (x**2).sum())
    ci = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    assert mean == pytest.approx(x.mean(), rel=1e-12)
    assert sd == pytest.approx(x.std(ddof=1), rel=1e-9)
    assert (low, high) == pytest.approx(ci, rel=1e-9)


def test_describe_vectorised_small_n_and_series_index():
    n = pd.Series([0, 1, 2, 3], index=list("abcd"))
    total = pd.Series([0.0, 40.0, 100.0, 150.0], index=n.index)
    sq = pd.Series([0.0, 1600.0, 5200.0, 7550.0], index=n.index)
    mean, sd, low, high = describe(n, total, sq)
    assert list(mean.index) == list("abcd")
    assert np.isnan(mean["a"]) and mean["b"] == 40.0 and mean["c"] == 50.0
    assert np.isnan(sd["a"]) and np.isnan(sd["b"]) and np.isnan(low["b"]) and np.isnan(high["b"])
    assert sd["c"] == pytest.approx(np.std([40, 60], ddof=1))
    assert sd["d"] == pytest.approx(np.std([45, 50, 55], ddof=1))


def test_describe_clips_rounding_negative_variance_to_zero():
    mean, sd, low, high = describe(3, 3.0, 3.0 - 1e-13)  # Σx² − n·mean² = −1e-13
    assert (mean, sd, low, high) == (1.0, 0.0, 1.0, 1.0)


@pytest.mark.parametrize("seed", range(6))
def test_welch_matches_scipy_ttest_ind(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(55, 10 + seed, size=5 + 13 * seed)
    b = rng.normal(50, 20, size=40 - 3 * seed)
    ref = sps.ttest_ind(a, b, equal_var=False)
    ci = ref.confidence_interval(0.95)
    out = welch(*summary(a), *summary(b))
    row = out.iloc[0]
    assert row["delta"] == pytest.approx(a.mean() - b.mean(), rel=1e-12)
    assert row["t"] == pytest.approx(ref.statistic, rel=1e-10)
    assert row["df"] == pytest.approx(ref.df, rel=1e-10)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)


def test_welch_vectorised_with_series_index_and_small_n():
    rng = np.random.default_rng(1)
    samples = [(rng.normal(50, 10, 12), rng.normal(45, 12, 9)), (rng.normal(0, 1, 30), [1.0])]
    stats1 = pd.DataFrame([summary(a) for a, _ in samples], index=["x", "y"])
    stats2 = pd.DataFrame([summary(b) for _, b in samples], index=["x", "y"])
    out = welch(*(stats1[c] for c in stats1), *(stats2[c] for c in stats2))
    assert list(out.index) == ["x", "y"]
    assert out.loc["x", "p_value"] == pytest.approx(sps.ttest_ind(*samples[0], equal_var=False)[1])
    assert out.loc["y", ["t", "df", "ci_low", "ci_high", "p_value"]].isna().all()


@pytest.mark.parametrize("seed", range(5))
def test_hedges_g_matches_pingouin_for_equal_groups(seed):
    # With n1 == n2 the average-variance SD equals pingouin's n-weighted pooled SD.
    rng = np.random.default_rng(seed)
    a, b = rng.normal(60, 12, 8 + 10 * seed), rng.normal(52, 15, 8 + 10 * seed)
    expected = pingouin.compute_effsize(a, b, eftype="hedges")
    assert hedges_g(*summary(a), *summary(b)) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_hedges_g_uses_the_average_variance_sd_for_unequal_groups(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(60, 12, 8 + 10 * seed), rng.normal(52, 15, 30)
    # Written out from the definition: d_av = Δ / sqrt((s1² + s2²) / 2), times Hedges' J.
    s1, s2 = np.var(a, ddof=1), np.var(b, ddof=1)
    d_av = (np.mean(a) - np.mean(b)) / np.sqrt((s1 + s2) / 2)
    j = 1 - 3 / (4 * (len(a) + len(b)) - 9)
    assert hedges_g(*summary(a), *summary(b)) == pytest.approx(d_av * j, rel=1e-12)
    pooled = pingouin.compute_effsize(a, b, eftype="hedges")
    assert hedges_g(*summary(a), *summary(b)) != pytest.approx(pooled, rel=1e-6)


def test_hedges_g_nan_for_tiny_or_constant_samples():
    assert np.isnan(hedges_g(1, 50, np.nan, 10, 40, 5))
    assert np.isnan(hedges_g(5, 50, 0.0, 5, 40, 0.0))


def test_bh_matches_statsmodels_with_nans_left_out():
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.5, np.nan, 0.001, 0.04])
    out = bh_adjust(p)
    keep = ~np.isnan(p)
    assert np.isnan(out[~keep]).all()
    np.testing.assert_array_equal(out[keep], multipletests(p[keep], method="fdr_bh")[1])
    assert out[0] == pytest.approx(0.01 * 6 / 2)  # rank 2 of m = 6


def test_bh_within_families_equals_statsmodels_per_family():
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 0.2, 40)
    p[[3, 17]] = np.nan
    families = np.array(["a", "b", "c"] * 13 + ["d"], dtype=object)
    out = bh_adjust_within(p, families)
    for family in set(families):
        rows = (families == family) & ~np.isnan(p)
        expected = multipletests(p[rows], method="fdr_bh")[1]
        np.testing.assert_array_equal(out[rows], expected)
    assert np.isnan(out[[3, 17]]).all()


def test_bh_keeps_series_index_and_handles_empty():
    s = pd.Series([0.2, 0.01], index=["a", "b"])
    assert bh_adjust(s).to_dict() == {"a": 0.2, "b": 0.02}
    assert np.isnan(bh_adjust([np.nan, np.nan])).all()
    assert bh_adjust([]).size == 0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bh_adjust([0.5, 1.5])


p_values = st.lists(
    st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.05, 1.0, np.nan])), min_size=1, max_size=60
)


@settings(max_examples=100, deadline=None)
@given(p_values)
def test_bh_properties(p):
    p = np.array(p, dtype=float)
    out = bh_adjust(p)
    keep = ~np.isnan(p)
    assert np.array_equal(np.isnan(out), ~keep)
    ps, adj = p[keep], out[keep]
    if ps.size:
        np.testing.assert_array_equal(adj, multipletests(ps, method="fdr_bh")[1])
        assert (adj >= ps).all() and (adj <= 1).all()
        order = np.argsort(ps, kind="stable")
        assert (np.diff(adj[order]) >= 0).all()


def expand(counts, values=None):
    values = np.arange(1, len(counts) + 1) if values is None else values
    return np.repeat(values, counts)


@pytest.mark.parametrize("seed", range(8))
def test_mann_whitney_counts_matches_scipy_on_tied_likert_data(seed):
    rng = np.random.default_rng(seed)
    c1 = rng.multinomial(rng.integers(3, 200), rng.dirichlet(np.ones(6)))
    c2 = rng.multinomial(rng.integers(3, 200), rng.dirichlet(np.ones(6)))
    ref = sps.mannwhitneyu(expand(c1), expand(c2), method="asymptotic")
    u, p = mann_whitney_counts(c1, c2)
    assert u == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-9)


def test_mann_whitney_counts_vectorised_and_degenerate_tables():
    c1 = np.array([[5, 0, 3, 9, 2, 1], [0, 0, 4, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    c2 = np.array([[1, 4, 4, 2, 0, 8], [0, 0, 6, 0, 0, 0], [1, 2, 3, 0, 0, 0]])
    u, p = mann_whitney_counts(c1, c2)
    for row in range(2):
        ref = sps.mannwhitneyu(expand(c1[row]), expand(c2[row]), method="asymptotic")
        assert u[row] == pytest.approx(ref.statistic) and p[row] == pytest.approx(ref.pvalue)
    assert p[1] == 1.0  # everyone gave the same answer
    assert np.isnan(u[2]) and np.isnan(p[2])  # first sample empty


def test_mann_whitney_counts_rejects_negative_counts():
    with pytest.raises(ValueError, match="non-negative"):
        mann_whitney_counts([1, -1], [2, 2])


def item_stats(frame):
    x = frame.dropna().to_numpy(dtype=float)
    t = x.sum(axis=1)
    return len(x), x.shape[1], x.sum(axis=0), (x**2).sum(axis=0), t.sum(), (t**2).sum()


def test_cronbach_alpha_matches_pingouin_dataset():
    data = pingouin.read_dataset("cronbach_alpha").pivot_table(
        index="Subj", columns="Items", values="Scores"
    )
    alpha, low, high = cronbach_alpha(data)
    ref_alpha, ref_ci = pingouin.cronbach_alpha(data=data)
    assert alpha == pytest.approx(ref_alpha, rel=1e-12)
    assert alpha == pytest.approx(0.5917188485995826, rel=1e-12)  # pingouin's documented value
    np.testing.assert_allclose([low, high], ref_ci, atol=5e-4)  # pingouin rounds to 3 decimals
    assert cronbach_alpha_from_stats(*item_stats(data)) == pytest.approx((alpha, low, high))


@pytest.mark.parametrize("seed", range(4))
def test_cronbach_alpha_random_frame_and_sufficient_statistics(seed):
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=(60 + seed * 50, 1))
    data = pd.DataFrame(np.clip(np.round(3.5 + trait + rng.normal(size=(len(trait), 5))), 1, 6))
    alpha, low, high = cronbach_alpha(data)
    ref_alpha, ref_ci = pingouin.cronbach_alpha(data=data)
    assert alpha == pytest.approx(ref_alpha, rel=1e-10)
    np.testing.assert_allclose([low, high], ref_ci, atol=5e-4)
    assert low < alpha < high
    assert cronbach_alpha_from_stats(*item_stats(data)) == pytest.approx(
        (alpha, low, high), rel=1e-10
    )


def test_cronbach_alpha_uses_complete_cases_and_nan_when_undefined():
    rng = np.random.default_rng(3)
    data = pd.DataFrame(rng.integers(1, 7, size=(40, 4)).astype(float))
    with_gaps = data.copy()
    with_gaps.iloc[[2, 7], [1, 3]] = np.nan
    assert cronbach_alpha(with_gaps) == pytest.approx(cronbach_alpha(data.drop(index=[2, 7])))
    assert np.isnan(cronbach_alpha(data[[0]])).all()
    assert np.isnan(cronbach_alpha(data.iloc[:1])).all()
    with pytest.raises(ValueError, match="k=3"):
        cronbach_alpha_from_stats(10, 3, [1.0, 2.0], [1.0, 2.0], 3.0, 9.0)
