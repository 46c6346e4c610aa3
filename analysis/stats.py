"""Statistics from additive sufficient statistics (the rules of docs/method.md, sections 3–4).

Every function works on ``n``, ``Σx`` and ``Σx²`` (or count tables) so that cells can be
computed from SQL ``GROUP BY`` results and summed up the organisation tree, never from raw
answers. All functions are vectorised: they accept scalars, NumPy arrays or pandas Series and
keep full precision; rounding happens only when results are written (``analysis.opendata``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special
from scipy import stats as sps

__all__ = [
    "bh_adjust", "bh_adjust_within", "cronbach_alpha", "cronbach_alpha_from_stats", "describe",
    "hedges_g", "mann_whitney_counts", "welch",
]  # fmt: skip


def _arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _like(values: np.ndarray, template: Any) -> Any:
    """Shape ``values`` like ``template``: a Series keeps its index, a scalar stays a float."""
    if isinstance(template, pd.Series):
        return pd.Series(values, index=template.index)
    if np.ndim(values) == 0:
        return float(values)
    return values


def describe(n: ArrayLike, total: ArrayLike, total_sq: ArrayLike) -> tuple[Any, Any, Any, Any]:
    """Mean, sample SD and 95% CI of the mean from ``n``, ``Σx`` and ``Σx²``.

    .. math::

        \\bar x = \\frac{\\Sigma x}{n}, \\quad
        s = \\sqrt{\\frac{\\Sigma x^2 - n \\bar x^2}{n - 1}}, \\quad
        \\bar x \\pm t_{0.975,\\,n-1} \\frac{s}{\\sqrt n}

    A tiny negative numerator caused by floating-point rounding is clipped to 0. For ``n < 2``
    the SD and CI are NaN; for ``n = 0`` the mean is NaN as well.

    Parameters
    ----------
    n, total, total_sq : array_like
        Count, sum and sum of squares per cell (broadcast together).

    Returns
    -------
    mean, sd, ci_low, ci_high
        Same shape as the input (a Series keeps the index of ``n``).

    Notes
    -----
    Matches ``numpy.mean``, ``numpy.std(ddof=1)`` and
    ``scipy.stats.t.interval(0.95, n - 1, loc=mean, scale=sd / sqrt(n))`` on the raw values.
    """
    nn, s, ss = np.broadcast_arrays(_arr(n), _arr(total), _arr(total_sq))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(nn > 0, s / nn, np.nan)
        var = np.where(nn > 1, np.clip(ss - nn * mean**2, 0.0, None) / (nn - 1), np.nan)
        sd = np.sqrt(var)
        half = sps.t.ppf(0.975, np.where(nn > 1, nn - 1, np.nan)) * sd / np.sqrt(nn)
    return (_like(mean, n), _like(sd, n), _like(mean - half, n), _like(mean + half, n))


def welch(
    n1: ArrayLike, m1: ArrayLike, sd1: ArrayLike, n2: ArrayLike, m2: ArrayLike, sd2: ArrayLike
) -> pd.DataFrame:
    """Welch's unequal-variance t-test from summary statistics (sample 1 minus sample 2).

    .. math::

        \\Delta = \\bar x_1 - \\bar x_2, \\quad
        SE = \\sqrt{s_1^2/n_1 + s_2^2/n_2}, \\quad t = \\Delta / SE, \\quad
        \\nu = \\frac{SE^4}{\\frac{(s_1^2/n_1)^2}{n_1-1} + \\frac{(s_2^2/n_2)^2}{n_2-1}}

    95% CI :math:`\\Delta \\pm t_{0.975,\\nu} SE`; two-sided p :math:`2\\,P(T_\\nu > |t|)`.
    Rows with ``n < 2`` on either side or ``SE = 0`` give NaN.

    Returns
    -------
    DataFrame
        Columns ``delta, t, df, ci_low, ci_high, p_value``, one row per input element (the
        index of ``n1`` when it is a Series).

    Notes
    -----
    Matches ``scipy.stats.ttest_ind(a, b, equal_var=False)`` (statistic, pvalue, df and
    ``confidence_interval(0.95)``). Welch, B. L. (1947), Biometrika 34, 28–35.
    """
    a = np.broadcast_arrays(*(_arr(v) for v in (n1, m1, sd1, n2, m2, sd2)))
    nx, mx, sx, ny, my, sy = (np.atleast_1d(v) for v in a)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (nx > 1) & (ny > 1)
        vx = np.where(ok, sx**2 / nx, np.nan)
        vy = np.where(ok, sy**2 / ny, np.nan)
        se2 = vx + vy
        se2 = np.where(se2 > 0, se2, np.nan)
        se = np.sqrt(se2)
        delta = mx - my
        t = delta / se
        df = se2**2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1))
        p = 2.0 * sps.t.sf(np.abs(t), df)
        half = sps.t.ppf(0.975, df) * se
    index = n1.index if isinstance(n1, pd.Series) else None
    return pd.DataFrame(
        {
            "delta": delta,
            "t": t,
            "df": df,
            "ci_low": delta - half,
            "ci_high": delta + half,
            "p_value": np.minimum(p, 1.0),
        },
        index=index,
    )


def hedges_g(
    n1: ArrayLike, m1: ArrayLike, sd1: ArrayLike, n2: ArrayLike, m2: ArrayLike, sd2: ArrayLike
) -> Any:
    """Hedges' g (bias-corrected standardised mean difference, sample 1 minus sample 2).

    .. math::

        s_{av} = \\sqrt{\\frac{s_1^2 + s_2^2}{2}}, \\quad
        g = \\frac{\\bar x_1 - \\bar x_2}{s_{av}}\\left(1 - \\frac{3}{4(n_1+n_2) - 9}\\right)

    The standardiser is the average-variance SD, not the n-weighted pooled SD: the change is
    tested with Welch's test, which does not assume equal variances, and weighting each year's
    variance by its n would let the larger year's spread define "one standard deviation"
    (Cumming 2012, *Understanding the New Statistics*, ch. 11; Delacre et al. 2021). With equal
    groups the two are the same. The small-sample factor is Hedges' ``J``. NaN when either
    ``n < 2`` or the SD is 0.

    Notes
    -----
    With ``n1 == n2`` it matches ``pingouin.compute_effsize(x, y, eftype="hedges")``; otherwise
    the tests check it against the formula above written out independently. Hedges, L. V. &
    Olkin, I. (1985), *Statistical Methods for Meta-Analysis*, p. 80.
    """
    nx, mx, sx, ny, my, sy = np.broadcast_arrays(*(_arr(v) for v in (n1, m1, sd1, n2, m2, sd2)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (nx > 1) & (ny > 1)
        sav = np.sqrt((sx**2 + sy**2) / 2.0)
        sav = np.where(ok & (sav > 0), sav, np.nan)
        g = (mx - my) / sav * (1.0 - 3.0 / (4.0 * (nx + ny) - 9.0))
    return _like(g, n1)


def bh_adjust(p: ArrayLike) -> Any:
    """Benjamini–Hochberg adjusted p-values; NaNs stay NaN and are not counted in ``m``.

    .. math::

        \\tilde p_{(i)} = \\min\\left(1, \\min_{j \\ge i} \\frac{m\\,p_{(j)}}{j}\\right)

    for the ``m`` non-missing p-values sorted ascending.

    Notes
    -----
    Equals ``statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]`` on the
    non-missing values (same operations, same order). Benjamini, Y. & Hochberg, Y. (1995),
    JRSS B 57, 289–300.
    """
    values = _arr(p)
    if values.ndim != 1:
        raise ValueError("p must be one-dimensional")
    keep = ~np.isnan(values)
    ps = values[keep]
    if np.any((ps < 0) | (ps > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    out = np.full(values.shape, np.nan)
    if ps.size:
        order = np.argsort(ps)
        ecdf = np.arange(1, ps.size + 1) / float(ps.size)
        raw = ps[order] / ecdf
        adjusted = np.minimum.accumulate(raw[::-1])[::-1]
        adjusted[adjusted > 1] = 1
        unsorted = np.empty_like(adjusted)
        unsorted[order] = adjusted
        out[keep] = unsorted
    return _like(out, p)


def bh_adjust_within(p: ArrayLike, families: ArrayLike) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values within each family, never across families.

    A family is a set of tests decided in advance (docs/method.md, "Families of tests"); each
    is adjusted by :func:`bh_adjust` on its own, so a test's adjusted p depends only on the
    other tests of its family, not on how many units or categories the rest of the file holds.

    Parameters
    ----------
    p : array_like
        Raw p-values; NaN is not a test (left NaN, not counted in any family's ``m``).
    families : array_like
        One hashable family label per p-value (same length).

    Returns
    -------
    ndarray
        Adjusted p-values in the input order.
    """
    values = _arr(p)
    labels = pd.Series(np.asarray(families, dtype=object))
    if values.ndim != 1 or len(labels) != len(values):
        raise ValueError("p and families must be one-dimensional and of the same length")
    out = np.full(values.shape, np.nan)
    for rows in labels.groupby(labels, sort=False).indices.values():
        out[rows] = bh_adjust(values[rows])
    return out


def mann_whitney_counts(counts1: ArrayLike, counts2: ArrayLike) -> tuple[Any, Any]:
    """Two-sided Mann–Whitney U test from two count tables over the same ordered categories.

    With :math:`t_j = c_{1j} + c_{2j}` answers in category ``j`` and mid-rank
    :math:`r_j = \\sum_{i<j} t_i + (t_j + 1)/2`:

    .. math::

        U_1 = \\sum_j c_{1j} r_j - \\frac{n_1(n_1+1)}{2}, \\quad
        \\sigma = \\sqrt{\\frac{n_1 n_2}{12}\\left(n + 1 - \\frac{\\sum_j (t_j^3 - t_j)}{n(n-1)}
        \\right)}, \\quad
        z = \\frac{\\max(U_1, U_2) - n_1 n_2/2 - 0.5}{\\sigma}, \\quad p = \\min(1, 2\\Phi(-z))

    Parameters
    ----------
    counts1, counts2 : array_like
        Counts per category (last axis), e.g. answers 1..6; leading axes are separate tests.

    Returns
    -------
    U, p
        ``U`` is the statistic of the first sample (U1); NaN when a sample is empty.

    Notes
    -----
    Matches ``scipy.stats.mannwhitneyu(x, y, method="asymptotic")`` (tie-corrected normal
    approximation with continuity correction) on the expanded data.
    """
    c1, c2 = np.broadcast_arrays(_arr(counts1), _arr(counts2))
    if c1.ndim == 0:
        raise ValueError("count tables need at least one category")
    if np.any(c1 < 0) or np.any(c2 < 0):
        raise ValueError("counts must be non-negative")
    t = c1 + c2
    n1, n2 = c1.sum(axis=-1), c2.sum(axis=-1)
    n = n1 + n2
    ranks = np.cumsum(t, axis=-1) - t + (t + 1) / 2
    u1 = (c1 * ranks).sum(axis=-1) - n1 * (n1 + 1) / 2
    u = np.maximum(u1, n1 * n2 - u1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(n1 * n2 / 12 * ((n + 1) - (t**3 - t).sum(axis=-1) / (n * (n - 1))))
        z = (u - n1 * n2 / 2 - 0.5) / s
    p = np.clip(2 * special.ndtr(-z), 0.0, 1.0)
    empty = (n1 == 0) | (n2 == 0)
    u1, p = np.where(empty, np.nan, u1), np.where(empty, np.nan, p)
    if u1.ndim == 0:
        return float(u1), float(p)
    return u1, p


def cronbach_alpha(data: pd.DataFrame) -> tuple[float, float, float]:
    """Cronbach's α of a respondents × items frame with the Feldt 95% CI (complete cases).

    .. math::

        \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_i s_i^2}{s_T^2}\\right), \\quad
        \\left[1 - (1-\\alpha) F_{0.975}, \\; 1 - (1-\\alpha) F_{0.025}\\right]

    with ``F`` quantiles of :math:`F(n-1, (n-1)(k-1))`. Rows with any missing item are dropped;
    fewer than 2 respondents or items give NaN.

    Notes
    -----
    Matches ``pingouin.cronbach_alpha(data)`` (which rounds its CI to 3 decimals; this does
    not). Cronbach, L. J. (1951), Psychometrika 16, 297–334; Feldt, L. S. (1965),
    Psychometrika 30, 357–370.
    """
    complete = data.dropna(axis=0, how="any").to_numpy(dtype=float)
    n, k = complete.shape
    totals = complete.sum(axis=1)
    sums, sumsq = complete.sum(axis=0), (complete**2).sum(axis=0)
    return cronbach_alpha_from_stats(n, k, sums, sumsq, totals.sum(), (totals**2).sum())


def cronbach_alpha_from_stats(
    n: int, k: int, item_sum: ArrayLike, item_sumsq: ArrayLike, total_sum: float, total_sumsq: float
) -> tuple[float, float, float]:
    """Cronbach's α and its Feldt 95% CI from sufficient statistics of complete cases.

    Item variances :math:`s_i^2 = (\\Sigma x_i^2 - (\\Sigma x_i)^2/n)/(n-1)` and total variance
    :math:`s_T^2` likewise from the sum and sum of squares of each respondent's item total
    :math:`T = \\sum_i x_i`; then as :func:`cronbach_alpha`, which it equals.

    Parameters
    ----------
    n, k : int
        Respondents who answered every item; items (``len(item_sum)``).
    item_sum, item_sumsq : array_like
        Per item, Σx and Σx² over those respondents.
    total_sum, total_sumsq : float
        ΣT and ΣT² of the respondents' totals.

    Returns
    -------
    alpha, ci_low, ci_high : float
        NaN when ``n < 2``, ``k < 2`` or the total variance is 0.
    """
    sums, sumsq = _arr(item_sum), _arr(item_sumsq)
    if sums.shape != (k,) or sumsq.shape != (k,):
        raise ValueError(f"item_sum and item_sumsq must have k={k} entries")
    if n < 2 or k < 2:
        return (np.nan, np.nan, np.nan)
    item_var = (sumsq - sums**2 / n) / (n - 1)
    total_var = (total_sumsq - total_sum**2 / n) / (n - 1)
    if not total_var > 0:
        return (np.nan, np.nan, np.nan)
    alpha = (k / (k - 1)) * (1 - item_var.sum() / total_var)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * sps.f.isf(0.025, df1, df2)
    high = 1 - (1 - alpha) * sps.f.isf(0.975, df1, df2)
    return (float(alpha), float(low), float(high))
