"""Population estimates: post-stratified cells and a role-standardised headline (method, s. 10).

A respondent mean describes the people who answered. When one unit or one role answers more
than another, the mean of a parent cell leans towards them; a change in who answers then reads
as a change in maturity. Given how many people each (unit, role) stratum holds, every cell is
instead estimated as the population would answer, stratum by stratum:

.. math::

    \\bar y_{st} = \\sum_h W_h \\bar y_h, \\quad W_h = N_h / N_A, \\quad
    \\widehat{V} = \\sum_h W_h^2 \\Bigl(1 - \\frac{n_h}{N_h}\\Bigr) \\frac{s_h^2}{n_h}

over the answered strata ``A`` (``n_h ≥ 1``) of the cell; ``coverage = N_A / N`` is the share
of the cell's people in answered strata (the others' share is spread over the answered ones,
i.e. they are assumed to answer like the rest of the cell). A stratum with one respondent has
no own variance: it borrows the pooled within-stratum variance of its role and index over the
whole organisation. The 95 % CI uses ``t`` with ``n − H_A`` degrees of freedom (respondents
minus answered strata, at least 1).

What is published uses :func:`post_stratify_shown`: strata no finer than the shown cells, so an
estimate beside a respondent mean never gives a second sum of hidden groups (docs/privacy.md).
Plain data in and out (no Flask); only sufficient statistics ``n, Σx, Σx²`` per stratum.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis.roles import ALL, OUTPUT_ROLES, ROLES
from analysis.tree import ancestor_pairs, ancestors

__all__ = [
    "ESTIMATE_COLUMNS",
    "WEIGHTINGS",
    "Z95",
    "change",
    "fold_headcounts",
    "own_headcounts",
    "post_stratify",
    "post_stratify_shown",
    "reference_weights",
    "standardise",
]

#: ``weighting`` of an estimate row: how its ``estimate`` was formed.
WEIGHTINGS: tuple[str, ...] = ("post_stratified", "role_standardised", "respondent_mean_only")
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "unit", "role", "index", "respondent_mean", "n", "estimate", "se", "ci_low", "ci_high",
    "headcount", "coverage", "weighting",
)  # fmt: skip
Z95 = float(sps.norm.ppf(0.975))
Applies = Mapping[str, Collection[str]] | None


def own_headcounts(subtree: pd.DataFrame, tree: pd.DataFrame) -> pd.DataFrame:
    """People of each unit itself per role, from headcounts that include the sub-units.

    ``subtree`` has ``unit, role, headcount`` (a unit and all its sub-units, as the
    organisation file gives them; missing = unknown). A unit's own count is its headcount minus
    its children's; it is unknown (NaN) when its own or any child's headcount is unknown, so
    that an unknown never passes for zero.
    """
    heads = subtree.set_index(["unit", "role"])["headcount"].astype(float)
    parent = dict(zip(tree["unit"], tree["parent"], strict=True))
    rows = []
    for role in ROLES:
        total = {u: heads.get((u, role), np.nan) for u in tree["unit"]}
        below: dict[str, float] = {}
        for unit, up in parent.items():
            if isinstance(up, str):
                below[up] = below.get(up, 0.0) + total[unit]
        rows += [(u, role, total[u] - below.get(u, 0.0)) for u in tree["unit"]]
    return pd.DataFrame(rows, columns=["unit", "role", "headcount"])


def fold_headcounts(
    own: pd.DataFrame, tree: pd.DataFrame, moved: Iterable[Iterable[str]] = ()
) -> pd.DataFrame:
    """Headcounts of the strata as the responses are stored after close.

    A (unit, role) group below k is stored under an ancestor (``rounds.moved_cells`` lists
    every (unit, role) it left). Its people are counted where its respondents now are, the
    nearest ancestor whose cell of that role was not moved, so a stratum's headcount and its
    respondents describe the same people. ``own`` has ``unit, role, headcount``.
    """
    moved_set = {(u, r) for u, r in (tuple(c) for c in moved) if r != ALL}
    parent = dict(zip(tree["unit"], tree["parent"], strict=True))
    target = []
    for unit, role in zip(own["unit"], own["role"], strict=True):
        chain = ancestors(unit, {k: v if isinstance(v, str) else None for k, v in parent.items()})
        target.append(next((a for a in chain if (a, role) not in moved_set), chain[-1]))
    folded = own.assign(unit=target)
    grouped = folded.groupby(["unit", "role"], sort=False)["headcount"].sum(min_count=1)
    # A group whose people moved keeps a stratum of 0 people (known, and empty).
    out = own[["unit", "role"]].merge(grouped.reset_index(), on=["unit", "role"], how="left")
    gone = [(u, r) in moved_set for u, r in zip(out["unit"], out["role"], strict=True)]
    out.loc[gone, "headcount"] = out.loc[gone, "headcount"].fillna(0.0)
    return out


def _strata(
    leaf: pd.DataFrame, heads: pd.DataFrame | None, tree: pd.DataFrame, applies: Applies
) -> pd.DataFrame:
    """One row per (unit, role, index) stratum with ``n, sum, sumsq`` and ``N`` (NaN: unknown).

    Every (unit, role) of the tree is a stratum of each index its role answers, respondents or
    not, so that a stratum nobody answered in still counts in its cell's population.
    """
    if applies is None:
        found = leaf[leaf["n"] > 0]
        applies = {r: set(found.loc[found["role"] == r, "index"]) for r in ROLES}
    if heads is None:
        heads = pd.DataFrame({"unit": [], "role": [], "headcount": []})
    grid = pd.DataFrame([(u, r) for u in tree["unit"] for r in ROLES], columns=["unit", "role"])
    heads = grid.merge(heads[["unit", "role", "headcount"]], on=["unit", "role"], how="left")
    scores = leaf.groupby(["unit", "role", "index"], as_index=False)[["n", "sum", "sumsq"]].sum()
    scores = scores[scores["n"] > 0]  # a role outside an index is not in its population
    wanted = [(r, i) for r in ROLES for i in applies.get(r, ())]
    grid = heads.merge(pd.DataFrame(wanted, columns=["role", "index"]), on="role")
    s = grid.merge(scores, on=["unit", "role", "index"], how="outer")
    s[["n", "sum", "sumsq"]] = s[["n", "sum", "sumsq"]].fillna(0.0)
    # N below n cannot be the stratum's population (an out-of-date headcount, or answers that
    # came in without invitations): it is unknown, never a census with no uncertainty.
    head = s["headcount"].to_numpy(float)
    s["N"] = np.where(head < s["n"].to_numpy(float), np.nan, head)
    return s.drop(columns="headcount")


def _combine(rows: pd.DataFrame, tree: pd.DataFrame) -> pd.DataFrame:
    """Estimates of cells from their strata.

    ``rows``: ``unit, role, index`` (the cell), ``key_unit, key_role`` (its stratum) and
    ``n, sum, sumsq, N`` of the groups making up that stratum (summed here).
    """
    cell, key = ["unit", "role", "index"], ["key_unit", "key_role"]
    g = rows.assign(unknown=rows["N"].isna().astype(float))
    g = g.groupby([*cell, *key], as_index=False, sort=False)[
        ["n", "sum", "sumsq", "N", "unknown"]
    ].sum(min_count=1)
    n = g["n"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = g["sum"].to_numpy(float) / n
        ss = np.clip(g["sumsq"].to_numpy(float) - n * np.nan_to_num(mean) ** 2, 0.0, None)
    # A stratum of one respondent borrows the pooled within-stratum variance of its role and
    # index over every distinct stratum (each counted once, however many cells hold it).
    distinct = g.assign(ss=ss).drop_duplicates([*key, "index"])
    many = distinct[distinct["n"] >= 2]
    pool = many.groupby(["key_role", "index"])[["ss", "n"]].sum()
    pooled = pool["ss"] / (pool["n"] - many.groupby(["key_role", "index"]).size())
    borrowed = pd.MultiIndex.from_frame(g[["key_role", "index"]]).map(pooled.to_dict().get)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n >= 2, ss / (n - 1), np.asarray(borrowed, dtype=float))
        N = g["N"].to_numpy(float)
        answered = n > 0
        g["N_A"] = np.where(answered, N, 0.0)
        g["wy"] = np.where(answered, N * mean, 0.0)
        g["wv"] = np.where(answered, N**2 * (1.0 - n / N) * var / n, 0.0)
    g["H_A"] = answered.astype(float)
    g["unknown"] = (g["unknown"].fillna(0) > 0).astype(float)
    cols = ["n", "sum", "sumsq", "N", "N_A", "wy", "wv", "unknown", "H_A"]
    out = g.groupby(cell, as_index=False, sort=False)[cols].sum(min_count=1)
    return _finish(out.rename(columns={"sum": "sum_all"}), tree)


def post_stratify(
    leaf: pd.DataFrame,
    heads: pd.DataFrame | None,
    tree: pd.DataFrame,
    applies: Applies = None,
) -> pd.DataFrame:
    """Every cell (unit with its subtree, role or ``all``, index) estimated over its strata.

    Parameters
    ----------
    leaf : DataFrame
        ``unit, role, index, n, sum, sumsq`` per stored (unit, role) group: the strata.
    heads : DataFrame or None
        ``unit, role, headcount``: people per stratum (after :func:`fold_headcounts`); NaN or
        None where unknown.
    tree : DataFrame
        ``unit, parent``.
    applies : mapping role → indices, optional
        Which indices each role answers (a role outside an index is not in its population);
        default: where the role has respondents.

    Returns
    -------
    DataFrame
        :data:`ESTIMATE_COLUMNS` for every unit × role (``all`` first) × index with respondents.
        ``weighting`` is ``post_stratified`` where every stratum of the cell has a headcount,
        else ``respondent_mean_only``: then ``estimate`` is the respondent mean and ``se`` its
        simple-random-sampling SE (no finite-population correction), ``headcount`` and
        ``coverage`` empty.
    """
    s = _strata(leaf, heads, tree, applies)
    s = s.assign(key_unit=s["unit"], key_role=s["role"])
    pairs = ancestor_pairs(tree[["unit", "parent"]])[["unit", "ancestor"]]
    joined = pairs.merge(s, on="unit").drop(columns="unit").rename(columns={"ancestor": "unit"})
    rows = pd.concat([joined.assign(role=ALL), joined], ignore_index=True)
    return _combine(rows, tree)


def post_stratify_shown(
    leaf: pd.DataFrame,
    heads: pd.DataFrame | None,
    tree: pd.DataFrame,
    shown: pd.DataFrame,
    applies: Applies = None,
) -> pd.DataFrame:
    """Estimates of the shown cells only, over strata no finer than the shown cells.

    Publishing a cell's respondent mean (strata weighted by ``n_h``) beside its estimate
    (weighted by ``N_h``) gives two different sums of the same hidden groups, and with their
    public headcounts a hidden group could be worked out. So every published stratum is a shown
    cell minus its shown sub-cells, which the published cells already give:

    - a cell of role ``r``: a group (v, r) joins the nearest unit ``A`` on the path from ``v``
      up to the cell's unit whose cell ``(A, r)`` is shown;
    - a cell of ``all`` whose every role with respondents has its own cell shown: the union of
      those role cells' strata (a role without respondents there adds its people unanswered);
    - any other cell of ``all``: each group joins the nearest shown ``(A, all)``, all roles
      pooled in one stratum.

    ``shown`` has ``unit, role, index, shown`` (``role`` including ``all``).
    """
    s = _strata(leaf, heads, tree, applies)
    pairs = ancestor_pairs(tree[["unit", "parent"]])
    up = pairs.rename(columns={"ancestor": "A", "distance": "dA"})
    top = pairs.rename(columns={"ancestor": "cell", "distance": "dU"})
    path = up.merge(top, on="unit")
    path = path[path["dA"] <= path["dU"]]
    flags = shown.set_index(["unit", "role", "index"])["shown"].astype(bool)

    def flag(unit: pd.Series, role: pd.Series | str, index: pd.Series) -> np.ndarray:
        roles = np.full(len(unit), role) if isinstance(role, str) else role
        keys = pd.MultiIndex.from_arrays([unit, roles, index])
        return flags.reindex(keys, fill_value=False).to_numpy(dtype=bool)

    x = s.merge(path, on="unit")
    stratum = ["unit", "role", "index", "cell"]
    near_r = x[flag(x["A"], x["role"], x["index"])].sort_values("dA").drop_duplicates(stratum)
    near_all = x[flag(x["A"], ALL, x["index"])].sort_values("dA").drop_duplicates(stratum)
    role_rows = near_r.assign(key_unit=near_r["A"], key_role=near_r["role"])
    # Per (cell, index): do all roles with respondents in the cell have their own cell shown?
    once = x[x["dA"] == 0]
    answered = once.loc[once["n"] > 0, ["cell", "role", "index"]].drop_duplicates()
    answered["ok"] = flag(answered["cell"], answered["role"], answered["index"])
    by_role = answered.groupby(["cell", "index"])["ok"].all()

    def mode(frame: pd.DataFrame) -> np.ndarray:
        keys = pd.MultiIndex.from_frame(frame[["cell", "index"]])
        return by_role.reindex(keys, fill_value=False).to_numpy(dtype=bool)

    has = pd.MultiIndex.from_frame(answered[["cell", "role", "index"]])
    silent = once[mode(once) & ~pd.MultiIndex.from_frame(once[["cell", "role", "index"]]).isin(has)]
    all_rows = pd.concat(
        [
            role_rows[mode(role_rows)],
            silent.assign(key_unit=silent["cell"], key_role=silent["role"]),
            near_all[~mode(near_all)].assign(key_unit=lambda d: d["A"], key_role=ALL),
        ],
        ignore_index=True,
    ).assign(role=ALL)
    rows = pd.concat([all_rows, role_rows], ignore_index=True)
    rows = rows.drop(columns="unit").rename(columns={"cell": "unit"})
    rows = rows[flag(rows["unit"], rows["role"], rows["index"])]
    return _combine(rows, tree)


def _finish(c: pd.DataFrame, tree: pd.DataFrame) -> pd.DataFrame:
    n = c["n"].to_numpy(float)
    c = c[n > 0].copy()
    n = c["n"].to_numpy(float)
    mean = c["sum_all"].to_numpy(float) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        srs_var = np.clip(c["sumsq"].to_numpy(float) - n * mean**2, 0, None) / (n - 1) / n
        est = c["wy"].to_numpy(float) / c["N_A"].to_numpy(float)
        var = c["wv"].to_numpy(float) / c["N_A"].to_numpy(float) ** 2
    stratified = (c["unknown"].to_numpy(float) == 0) & (c["N_A"].to_numpy(float) > 0)
    df_st = np.maximum(n - c["H_A"].to_numpy(float), 1.0)
    estimate = np.where(stratified, est, mean)
    variance = np.where(stratified, var, srs_var)
    se = np.sqrt(variance)
    with np.errstate(invalid="ignore"):
        t = sps.t.ppf(0.975, np.where(stratified, df_st, n - 1))
    out = pd.DataFrame(
        {
            "unit": c["unit"].to_numpy(),
            "role": c["role"].to_numpy(),
            "index": c["index"].to_numpy(),
            "respondent_mean": mean,
            "n": n.astype(np.int64),
            "estimate": estimate,
            "se": se,
            "ci_low": estimate - t * se,
            "ci_high": estimate + t * se,
            "headcount": np.where(stratified, c["N"].to_numpy(float), np.nan),
            "coverage": np.where(
                stratified, c["N_A"].to_numpy(float) / c["N"].to_numpy(float), np.nan
            ),
            "weighting": np.where(stratified, "post_stratified", "respondent_mean_only"),
        }
    )
    order = {u: i for i, u in enumerate(tree["unit"])}
    role_order = {r: i for i, r in enumerate(OUTPUT_ROLES)}
    key = out["unit"].map(order) * 10 + out["role"].map(role_order)
    out = out.assign(_k=key.to_numpy()).sort_values("_k", kind="stable").drop(columns="_k")
    return out.astype({"headcount": "Int64"}).reset_index(drop=True)


def reference_weights(
    heads: pd.DataFrame | None, leaf: pd.DataFrame, index: str | None = None
) -> dict[str, float]:
    """The fixed role composition of the standardised headline (docs/method.md).

    The round's own headcount shares of the three roles over the whole organisation, when every
    stratum's headcount is known; else the round's respondent shares (in ``index``, the
    headline's index: leaf rows hold one count per index). Either way the weights are
    this round's and are applied unchanged to the comparison round, so a change in who answers
    cannot move the standardised change.
    """
    if heads is not None and not heads.empty and heads["headcount"].notna().all():
        per_role = heads.groupby("role")["headcount"].sum(min_count=1)
        if all(pd.notna(per_role.get(r)) for r in ROLES) and per_role.sum() > 0:
            return {r: float(per_role[r] / per_role.sum()) for r in ROLES}
    rows = leaf if index is None else leaf[leaf["index"] == index]
    per_role = rows.groupby("role")["n"].sum()
    total = float(per_role.sum())
    return {r: float(per_role.get(r, 0.0)) / total if total else 0.0 for r in ROLES}


def standardise(
    cells: pd.DataFrame, weights: Mapping[str, float], unit: str, index: str
) -> tuple[float, float]:
    """Role-standardised estimate and SE of ``unit``'s ``index``: Σ w_r ŷ_r, Σ w_r² V_r.

    ``cells`` are :func:`post_stratify` rows; the weights are renormalised over the roles that
    have an estimate of the index (a role that does not answer it has no weight in it).
    (NaN, NaN) when no role has one.
    """
    rows = cells[(cells["unit"] == unit) & (cells["index"] == index) & (cells["role"] != ALL)]
    rows = rows[rows["estimate"].notna()]
    w = rows["role"].map(weights).fillna(0.0).to_numpy(float)
    if rows.empty or w.sum() <= 0:
        return float("nan"), float("nan")
    w = w / w.sum()
    est = float(np.sum(w * rows["estimate"].to_numpy(float)))
    var = float(np.sum(w**2 * rows["se"].to_numpy(float) ** 2))
    return est, float(np.sqrt(var))


def change(
    now: tuple[float, float], before: tuple[float, float], alpha: float = 0.05
) -> dict[str, float | str]:
    """Difference of two independent estimates (estimate, SE): CI, two-sided z p and label.

    ``improved``/``declined`` only when p < ``alpha``; ``no_change`` otherwise;
    ``not_comparable`` when either side has no estimate or SE.
    """
    (a, sa), (b, sb) = now, before
    delta, se = a - b, float(np.hypot(sa, sb))
    if not (np.isfinite(delta) and np.isfinite(se)) or se <= 0:
        nan = float("nan")
        return {"delta": delta, "se": se, "ci_low": nan, "ci_high": nan, "p_value": nan,
                "change": "not_comparable"}  # fmt: skip
    p = float(2 * sps.norm.sf(abs(delta / se)))
    label = "no_change" if p >= alpha else ("improved" if delta > 0 else "declined")
    return {"delta": delta, "se": se, "ci_low": delta - Z95 * se, "ci_high": delta + Z95 * se,
            "p_value": p, "change": label}  # fmt: skip
