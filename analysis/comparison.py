"""The open-data rows of a round: one per cell that applies, with the year-on-year comparison.

``build_aggregates`` joins this round's cells with the comparison round's (already mapped onto
this year's units), drops the cells that do not apply to a role, applies the suppression decided
by ``analysis.suppression``, and adds the Welch difference, Hedges' g and Benjamini–Hochberg
adjusted p-values within pre-specified families of tests (docs/method.md, "Families of tests").
Whether a row is comparable and, if not, why, is one decision
(:func:`_reasons`): the ``change`` column and ``comparisons.csv`` both read it, so they can never
disagree.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.aggregate import ALL_ROLES
from analysis.families import FAMILIES, check_families
from analysis.stats import bh_adjust_within, hedges_g, welch

__all__ = [
    "AGGREGATE_COLUMNS",
    "CHANGES",
    "COMPARISON_COLUMNS",
    "MIN_TEST_N",
    "REASONS",
    "build_aggregates",
    "comparison_table",
]

AGGREGATE_COLUMNS: tuple[str, ...] = (
    "round", "year", "unit_code", "unit_name", "unit_level", "role", "index", "n", "score", "sd",
    "ci_low", "ci_high", "compare_round", "compare_n", "compare_score", "delta", "delta_ci_low",
    "delta_ci_high", "p_value", "p_adjusted", "family", "duplicate_of", "effect_size", "change",
    "suppressed", "hidden_reason",
)  # fmt: skip
CHANGES: tuple[str, ...] = ("improved", "declined", "no_change", "not_comparable")
#: Why a row is ``not_comparable``, in the order they are checked (the first that holds wins):
#: the structural reasons first (nothing to compare with at all), then this year's cell, then
#: last year's.
REASONS: tuple[str, ...] = (
    "no_compare_round",  # no earlier closed round of the instrument (or none was given)
    "unit_new",  # no unit of the comparison year maps into this unit (codes and remaps)
    "no_previous_cell",  # the index did not apply to the role in the comparison questionnaire
    "current_suppressed",  # this year's cell is suppressed
    "current_too_small",  # this year's cell has n < 2 (no variance, no test)
    # the comparison round's respondents mapped into this unit are not one cell of its own
    # tree (a reorganisation), so showing their figures would undo its suppression
    "previous_reorganised",
    "previous_suppressed",  # the comparison cell is suppressed (fewer than k, or complementary)
    "previous_too_small",  # the comparison cell has n < 2
    # either year's cell has fewer than the minimum n for a test (MOGNAD_MIN_TEST_N): the
    # figures are shown, but a test on so few says nothing a reader should act on
    "too_few_to_test",
)
#: The default smallest n, in both years, of a cell that is tested (``MOGNAD_MIN_TEST_N``).
MIN_TEST_N = 10
COMPARISON_COLUMNS: tuple[str, ...] = (
    "round", "unit_code", "role", "index", "compare_round", "comparable", "reason",
)  # fmt: skip
ALPHA = 0.05
KEY = ["unit", "role", "index"]
CURRENT_FIGURES = ["n", "score", "sd", "ci_low", "ci_high"]
COMPARE_FIGURES = [
    "compare_n", "compare_score", "delta", "delta_ci_low", "delta_ci_high", "p_value",
    "p_adjusted", "effect_size",
]  # fmt: skip
#: Digits a test's figures are compared on to find the same test twice (sums rolled up in a
#: different order may differ in the last bits; no two different cells agree to 9 decimals).
SAME_TEST_DIGITS = 9


def _flags(flags: pd.Series, keys: pd.MultiIndex, name: str) -> np.ndarray:
    if not isinstance(flags, pd.Series) or flags.index.nlevels != 3:
        raise ValueError(f"{name}: a boolean Series indexed by (unit, role, index) is required")
    # A cell without a decision is treated as suppressed (fail closed).
    return flags.astype(bool).reindex(keys, fill_value=True).to_numpy()


def _applies(frame: pd.DataFrame, applicable: Mapping[str, Collection[str]]) -> np.ndarray:
    pairs = {(role, index) for role, indices in applicable.items() for index in indices}
    return np.array(
        [(r, i) in pairs for r, i in zip(frame["role"], frame["index"], strict=True)], dtype=bool
    )


def _reasons(
    cur: pd.DataFrame,
    cmp: pd.DataFrame | None,
    hidden: np.ndarray,
    cmp_hidden: np.ndarray | None,
    new_units: Collection[str],
    compare_applicable: Mapping[str, Collection[str]] | None,
    reorganised: np.ndarray | None = None,
    min_test_n: int = MIN_TEST_N,
) -> np.ndarray:
    """The reason each row is not comparable, ``""`` for a comparable row (see REASONS)."""
    size = len(cur)
    if cmp is None or cmp_hidden is None:
        return np.full(size, REASONS[0], dtype=object)
    missing = cmp["n"].isna().to_numpy().copy()
    if compare_applicable is not None:
        missing |= ~_applies(cur, compare_applicable)
    conditions = [
        np.zeros(size, dtype=bool),
        cur["unit"].isin(list(new_units)).to_numpy(),
        missing,
        hidden,
        cur["n"].to_numpy() < 2,
        np.zeros(size, dtype=bool) if reorganised is None else reorganised,
        cmp_hidden,
        cmp["n"].fillna(0).to_numpy() < 2,
        (cur["n"].to_numpy() < min_test_n) | (cmp["n"].fillna(0).to_numpy() < min_test_n),
    ]
    return np.select(conditions, list(REASONS), "").astype(object)


def build_aggregates(
    current: pd.DataFrame,
    compare: pd.DataFrame | None,
    units: pd.DataFrame,
    *,
    round_name: str,
    year: int,
    compare_round: str | None,
    suppressed: pd.Series,
    compare_suppressed: pd.Series | None,
    indices: Sequence[str] | None = None,
    applicable: Mapping[str, Collection[str]] | None = None,
    compare_applicable: Mapping[str, Collection[str]] | None = None,
    new_units: Collection[str] = (),
    reasons: bool = False,
    compare_sides: pd.Series | None = None,
    hidden_reasons: pd.Series | None = None,
    families: Mapping[str, str],
    min_test_n: int = MIN_TEST_N,
) -> pd.DataFrame:
    """One open-data row per (unit, role, index) cell with the comparison to an earlier round.

    For a comparable row (both sides shown, ``n ≥ min_test_n`` on both):
    :math:`\\Delta = \\bar x_{cur} - \\bar x_{cmp}` with the Welch 95% CI and two-sided p
    (:func:`analysis.stats.welch`); ``p_adjusted`` = Benjamini–Hochberg within the row's family
    (its unit, role and ``family``, as ``families`` says: :func:`analysis.stats.bh_adjust_within`);
    ``change`` is ``improved`` / ``declined`` when ``p_adjusted < 0.05`` and Δ > 0 / Δ < 0,
    else ``no_change``; ``effect_size`` = Hedges' g (:func:`analysis.stats.hedges_g`) only for
    an improved or declined row. Any other row is ``not_comparable`` (comparison figures empty)
    for the first of :data:`REASONS` that holds.

    The same test is run once per unit and role: a row whose figures (both years' n, mean and
    SD) equal an earlier row's of the same unit and role (headline indices first, then in index
    order) names that row's index in ``duplicate_of``, is not counted in its family's
    Benjamini–Hochberg ``m``, and takes that row's p-values (e.g. an employee's maturity and
    capability are both the score of cap_workplace).

    A suppressed row has ``suppressed=True`` and every figure empty, ``n`` included: next to the
    shown figures of its parent or siblings, its ``n`` would narrow down who is in it. A cell
    that does not apply to its role is not a row at all.

    Parameters
    ----------
    current, compare : DataFrame
        :func:`analysis.aggregate.cells` outputs (``unit, role, index, n, mean, sd, ci_low,
        ci_high``) over this year's unit codes; ``compare`` may be None (no comparison round).
    units : DataFrame
        Columns ``unit, name, level`` in tree order (the output order).
    round_name, year, compare_round
        Written to ``round``, ``year`` and ``compare_round`` (the latter only with ``compare``).
    suppressed, compare_suppressed : Series of bool
        Indexed by (unit, role, index), from ``analysis.suppression``. A cell missing from them
        counts as suppressed. ``compare_suppressed`` is required when ``compare`` is given.
    indices : sequence of str, optional
        Index order; default: order of first appearance in ``current``.
    applicable, compare_applicable : mapping of role to indices, optional
        :func:`analysis.scoring.applicable_indices` of this round's and the comparison round's
        questionnaire; rows outside ``applicable`` are dropped; a row outside
        ``compare_applicable`` has no previous cell. Default: everything applies.
    new_units : collection of str
        This year's units that no unit of the comparison year maps into (``unit_new``).
    reasons : bool, default False
        Add a last column ``reason`` (``""`` for a comparable row).
    compare_sides : Series of str, optional
        Indexed by (unit, role, index), from :func:`analysis.comparability.comparison_sides`:
        whether the comparison round's own suppression, on its own tree, shows the figure
        (``""``), hides it (``previous_suppressed``) or has no such cell
        (``previous_reorganised``). A row missing from it is not comparable.
    hidden_reasons : Series of str, optional
        Indexed by (unit, role, index): why a suppressed cell is hidden
        (:data:`analysis.disclosure.REASONS`), written to ``hidden_reason`` (empty when
        shown); without it a hidden row's reason is ``too_few`` when ``n < 2`` or unknown
        (``complementary``).
    families : mapping of str to str
        Each index's family of tests (``headline``, ``category`` or ``plan_area``;
        :func:`analysis.families.default_families` gives the instrument's). An index of
        ``indices`` without one is refused (ValueError), never put in a family by default.
    min_test_n : int, default MIN_TEST_N
        Smallest n, in both years, of a tested cell; a smaller one is ``too_few_to_test``.

    Returns
    -------
    DataFrame
        Exactly :data:`AGGREGATE_COLUMNS` (and ``reason``), ordered by unit, role (all,
        employee, manager, specialist), index. ``n``/``compare_n`` are nullable integers,
        missing figures NaN/NA.
    """
    if compare is not None and compare_suppressed is None:
        raise ValueError("compare_suppressed is required when a comparison round is given")
    unit_pos = {u: i for i, u in enumerate(units["unit"])}
    unknown = set(current["unit"]) - set(unit_pos)
    if unknown:
        raise ValueError(f"unit code(s) missing from units: {sorted(map(str, unknown))}")
    order = list(indices) if indices is not None else list(pd.unique(current["index"]))
    index_pos = {ix: i for i, ix in enumerate(order)}
    if set(current["index"]) - set(index_pos):
        raise ValueError("current holds index ids that are not in indices")
    check_families(families, order)
    role_pos = {r: i for i, r in enumerate(ALL_ROLES)}

    cur = current[[*KEY, "n", "mean", "sd", "ci_low", "ci_high"]].rename(columns={"mean": "score"})
    if applicable is not None:
        cur = cur[_applies(cur, applicable)]
    cur = cur.assign(
        _u=cur["unit"].map(unit_pos), _r=cur["role"].map(role_pos), _i=cur["index"].map(index_pos)
    )
    cur = cur.sort_values(["_u", "_r", "_i"], kind="stable").drop(columns=["_u", "_r", "_i"])
    cur = cur.reset_index(drop=True)
    keys = pd.MultiIndex.from_frame(cur[KEY])
    hidden = _flags(suppressed, keys, "suppressed")

    if compare is None:
        cmp = pd.DataFrame({"n": np.nan, "mean": np.nan, "sd": np.nan}, index=cur.index)
        why = _reasons(cur, None, hidden, None, new_units, compare_applicable, None, min_test_n)
    else:
        cmp = compare.set_index(KEY)[["n", "mean", "sd"]].reindex(keys).reset_index(drop=True)
        assert compare_suppressed is not None  # refused above when missing with a comparison
        cmp_hidden = _flags(compare_suppressed, keys, "compare_suppressed")
        reorganised = None
        if compare_sides is not None:
            side = compare_sides.reindex(keys, fill_value="previous_suppressed").to_numpy()
            reorganised = side == "previous_reorganised"
            cmp_hidden = cmp_hidden | (side == "previous_suppressed")
        why = _reasons(
            cur, cmp, hidden, cmp_hidden, new_units, compare_applicable, reorganised, min_test_n
        )
    shown = why == ""

    test = welch(cur["n"], cur["score"], cur["sd"], cmp["n"], cmp["mean"], cmp["sd"])
    g = hedges_g(cur["n"], cur["score"], cur["sd"], cmp["n"], cmp["mean"], cmp["sd"])
    p = test["p_value"].where(shown)
    family = np.array([families[index] for index in cur["index"]], dtype=str)
    duplicate_of, original = _duplicates(cur, cmp, shown, family)
    labels: pd.Series = cur["unit"].astype(str) + "\x1f" + cur["role"].astype(str) + "\x1f" + family
    counted = p.where(duplicate_of == "")
    p_adj = bh_adjust_within(counted, labels.to_numpy())[original]
    change = np.select(
        [~shown, (p_adj < ALPHA) & (test["delta"] > 0), (p_adj < ALPHA) & (test["delta"] < 0)],
        ["not_comparable", "improved", "declined"],
        "no_change",
    )
    # An effect size beside "no change" reads as a finding; it is given only for a change.
    g = g.where(np.isin(change, ("improved", "declined")))

    names = units.set_index("unit")
    out = pd.DataFrame(
        {
            "round": round_name,
            "year": int(year),
            "unit_code": cur["unit"],
            "unit_name": cur["unit"].map(names["name"]),
            "unit_level": cur["unit"].map(names["level"]).astype("Int64"),
            "role": cur["role"],
            "index": cur["index"],
            "n": cur["n"].astype("Int64"),
            "score": cur["score"].astype(float),
            "sd": cur["sd"].astype(float),
            "ci_low": cur["ci_low"].astype(float),
            "ci_high": cur["ci_high"].astype(float),
            "compare_round": compare_round if compare is not None else None,
            "compare_n": cmp["n"].astype("Int64"),
            "compare_score": cmp["mean"].astype(float),
            "delta": test["delta"],
            "delta_ci_low": test["ci_low"],
            "delta_ci_high": test["ci_high"],
            "p_value": p,
            "p_adjusted": p_adj,
            "family": family,
            "duplicate_of": np.where(shown, duplicate_of, ""),
            "effect_size": g,
            "change": change,
            "suppressed": hidden,
            "hidden_reason": _hidden_reasons(hidden_reasons, keys, hidden, cur["n"]),
        }
    )
    out.loc[~shown, COMPARE_FIGURES] = np.nan
    out.loc[hidden, CURRENT_FIGURES] = np.nan
    out["compare_round"] = out["compare_round"].astype(object)
    if reasons:
        return out[list(AGGREGATE_COLUMNS)].assign(reason=why)
    return out[list(AGGREGATE_COLUMNS)]


def _duplicates(
    cur: pd.DataFrame, cmp: pd.DataFrame, tested: np.ndarray, family: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which tested rows repeat an earlier test of the same unit and role.

    Returns ``duplicate_of`` (the original's index id, ``""`` for an original or untested row)
    and, per row, the position of the row whose adjusted p it takes (its own for an original).
    Headline rows come before category rows, and those before plan-area rows, so a category
    equal to a headline index (an employee's cap_workplace and capability) points at the
    headline row, and a plan area equal to a category at the category's.
    """
    size = len(cur)
    figures = pd.DataFrame(
        {
            "unit": cur["unit"].to_numpy(),
            "role": cur["role"].to_numpy(),
            "n": cur["n"].to_numpy(dtype=float),
            "m": cur["score"].to_numpy(dtype=float).round(SAME_TEST_DIGITS),
            "s": cur["sd"].to_numpy(dtype=float).round(SAME_TEST_DIGITS),
            "cn": cmp["n"].to_numpy(dtype=float),
            "cm": cmp["mean"].to_numpy(dtype=float).round(SAME_TEST_DIGITS),
            "cs": cmp["sd"].to_numpy(dtype=float).round(SAME_TEST_DIGITS),
            "rank": np.select([family == f for f in FAMILIES], range(len(FAMILIES)), 1),
            "pos": np.arange(size),
        }
    )[tested]
    figures = figures.sort_values(["rank", "pos"], kind="stable")
    keys = ["unit", "role", "n", "m", "s", "cn", "cm", "cs"]
    first = figures.groupby(keys, sort=False, dropna=False)["pos"].transform("first")
    original = np.arange(size)
    original[figures["pos"].to_numpy()] = first.to_numpy()
    index = cur["index"].to_numpy(dtype=object)
    duplicate_of = np.where(original != np.arange(size), index[original], "").astype(object)
    return duplicate_of, original


def _hidden_reasons(
    given: pd.Series | None, keys: pd.MultiIndex, hidden: np.ndarray, n: pd.Series
) -> np.ndarray:
    if given is None:
        fallback = np.where(n.to_numpy() < 2, "too_few", "complementary")
        return np.where(hidden, fallback, "").astype(object)
    reasons = given.reindex(keys, fill_value="complementary").astype(str).to_numpy()
    return np.where(hidden, np.where(reasons == "", "complementary", reasons), "").astype(object)


def comparison_table(rows: pd.DataFrame) -> pd.DataFrame:
    """``comparisons.csv``: each aggregate row's key, whether it is comparable, and why not.

    ``rows`` is :func:`build_aggregates` with ``reasons=True``; same rows, same order.
    """
    return pd.DataFrame(
        {
            "round": rows["round"],
            "unit_code": rows["unit_code"],
            "role": rows["role"],
            "index": rows["index"],
            "compare_round": rows["compare_round"],
            "comparable": rows["reason"].eq("").to_numpy(dtype=bool),
            "reason": rows["reason"].where(rows["reason"].ne(""), None),
        }
    )[list(COMPARISON_COLUMNS)]
