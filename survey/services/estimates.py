"""A round's population estimates and its role-standardised headline (docs/method.md, section 10).

Who the population is: for an invited round, the people invited (per unit and role, from the
invitations and the counts kept of them after close); otherwise the organisation file's
``headcount_employee/_manager/_specialist``. Where neither is known the cells say so
(``respondent_mean_only``). Groups that k-anonymous storage moved up the tree at close take
their people with them (:func:`analysis.estimates.fold_headcounts`), so a stratum's headcount
and its respondents describe the same people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.estimates import (
    Z95,
    change,
    fold_headcounts,
    own_headcounts,
    post_stratify_shown,
    reference_weights,
    standardise,
)
from analysis.roles import ALL, ROLES
from survey.models import Invitation, InvitationCount, Round, Unit
from survey.services.statistics import LeafStatistics, response_count

__all__ = ["HEADLINE_INDEX", "Estimates", "estimate_table", "round_estimates", "stratum_heads"]

HEADLINE_INDEX = "maturity"
ESTIMATE_TABLE_COLUMNS: tuple[str, ...] = (
    "round", "unit_code", "role", "index", "respondent_mean", "n", "estimate", "se", "ci_low",
    "ci_high", "headcount", "coverage", "weighting",
)  # fmt: skip


@dataclass(frozen=True)
class Estimates:
    """Estimates of a round's shown cells and its headline; ``source`` of the headcounts is
    ``invitations``, ``organisation`` or ``none``."""

    cells: pd.DataFrame
    source: str
    root: str
    headline: dict[str, Any] | None = None
    weights: dict[str, float] = field(default_factory=dict)


def stratum_heads(session: Session, rnd: Round, tree: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """People per (unit, role) stratum as the round's responses are stored, and their source."""
    codes = dict(session.execute(select(Unit.id, Unit.code).where(Unit.year == rnd.year)).all())
    invited: dict[tuple[str, str], int] = {}
    for model, count in (
        (Invitation, func.count()),
        (InvitationCount, func.sum(InvitationCount.invited)),
    ):
        rows = session.execute(
            select(model.unit_id, model.role, count)
            .where(model.round_id == rnd.id)
            .group_by(model.unit_id, model.role)
        ).all()
        for unit_id, role, n in rows:
            key = (codes.get(unit_id, ""), str(role))
            invited[key] = invited.get(key, 0) + int(n or 0)
    # Invitations are the population only if they cover every response (answers imported
    # without invitations are not in it).
    if sum(invited.values()) >= max(response_count(session, rnd.id), 1):
        own = pd.DataFrame(
            [(u, r, float(invited.get((u, r), 0))) for u in tree["unit"] for r in ROLES],
            columns=["unit", "role", "headcount"],
        )
        source = "invitations"
    else:
        columns = [getattr(Unit, f"headcount_{r}") for r in ROLES]
        rows = session.execute(select(Unit.code, *columns).where(Unit.year == rnd.year)).all()
        subtree = pd.DataFrame(
            [(row[0], r, row[i + 1]) for row in rows for i, r in enumerate(ROLES)],
            columns=["unit", "role", "headcount"],
        )
        if subtree["headcount"].isna().all():
            return subtree.iloc[0:0], "none"
        own = own_headcounts(subtree.astype({"headcount": float}), tree)
        source = "organisation"
    return fold_headcounts(own, tree, rnd.moved_cells or ()), source


def _shown(aggregates: pd.DataFrame) -> pd.DataFrame:
    if "role" not in aggregates.columns:  # a decision frame indexed by (unit, role, index)
        aggregates = aggregates.reset_index()
    code = "unit_code" if "unit_code" in aggregates.columns else "unit"
    return pd.DataFrame(
        {
            "unit": aggregates[code].to_numpy(),
            "role": aggregates["role"].to_numpy(),
            "index": aggregates["index"].to_numpy(),
            "shown": ~aggregates["suppressed"].astype(bool).to_numpy(),
        }
    )


def _root(tree: pd.DataFrame) -> str:
    return str(tree.loc[tree["parent"].isna(), "unit"].iloc[0])


def _standardised(
    cells: pd.DataFrame, weights: dict[str, float], root: str, roles: set[str]
) -> tuple[float, float] | None:
    """The standardised headline, only when every role of the index with respondents at the
    root has a shown cell: with a hidden role, a second weighting of the same roles would give
    that role's mean back beside the respondent mean of ``all``."""
    rows = cells[(cells["unit"] == root) & (cells["index"] == HEADLINE_INDEX)]
    if set(rows["role"]) - {ALL} != roles or ALL not in set(rows["role"]):
        return None
    return standardise(cells, weights, root, HEADLINE_INDEX)


def round_estimates(
    session: Session,
    rnd: Round,
    stats: LeafStatistics,
    tree: pd.DataFrame,
    aggregates: pd.DataFrame,
    compare: tuple[Round, LeafStatistics, pd.DataFrame, pd.DataFrame] | None = None,
) -> Estimates:
    """The round's estimates of its shown cells and its role-standardised headline.

    ``aggregates`` are the round's published rows (their ``suppressed`` flags decide which
    cells get an estimate). ``compare`` is (round, statistics, tree, shown aggregates-like
    frame with ``unit_code`` or ``unit``, ``role, index, suppressed`` on its own tree) of the
    comparison round; its headline uses *this* round's reference weights.
    """
    heads, source = stratum_heads(session, rnd, tree)
    cells = post_stratify_shown(
        stats.scores, heads if source != "none" else None, tree, _shown(aggregates)
    )
    weights = reference_weights(heads if source != "none" else None, stats.scores, HEADLINE_INDEX)
    answering = stats.scores[(stats.scores["index"] == HEADLINE_INDEX) & (stats.scores["n"] > 0)]
    now = _standardised(cells, weights, _root(tree), set(answering["role"]))
    if now is None:
        return Estimates(cells, source, _root(tree), None, weights)
    headline: dict[str, Any] = {"estimate": now[0], "se": now[1]}
    headline |= {"ci_low": now[0] - Z95 * now[1], "ci_high": now[0] + Z95 * now[1]}
    before = None
    if compare is not None:
        c_round, c_stats, c_tree, c_rows = compare
        c_heads, c_source = stratum_heads(session, c_round, c_tree)
        c_cells = post_stratify_shown(
            c_stats.scores, c_heads if c_source != "none" else None, c_tree, _shown(c_rows)
        )
        c_answering = c_stats.scores[
            (c_stats.scores["index"] == HEADLINE_INDEX) & (c_stats.scores["n"] > 0)
        ]
        before = _standardised(c_cells, weights, _root(c_tree), set(c_answering["role"]))
        headline["compare_round"] = c_round.name
    if before is not None:
        headline |= {"compare_estimate": before[0], "compare_se": before[1]}
        names = {"se": "delta_se", "ci_low": "delta_ci_low", "ci_high": "delta_ci_high"}
        headline |= {names.get(k, k): v for k, v in change(now, before).items()}
    else:
        headline["change"] = "not_comparable"
    return Estimates(cells, source, _root(tree), headline, weights)


def estimate_table(est: Estimates | None, round_name: str) -> pd.DataFrame:
    """``estimates.csv``: one row per shown cell, then the role-standardised headline rows
    (this round's, and the comparison round's with this round's weights)."""
    if est is None:
        return pd.DataFrame(columns=list(ESTIMATE_TABLE_COLUMNS))
    c, root = est.cells, est.root
    frame = pd.DataFrame(
        {
            "round": round_name,
            "unit_code": c["unit"].astype(object),
            "role": c["role"].astype(object),
            "index": c["index"].astype(object),
            "respondent_mean": c["respondent_mean"].astype(float),
            "n": c["n"].astype("Int64"),
            "estimate": c["estimate"].astype(float),
            "se": c["se"].astype(float),
            "ci_low": c["ci_low"].astype(float),
            "ci_high": c["ci_high"].astype(float),
            "headcount": c["headcount"].astype("Int64"),
            "coverage": c["coverage"].astype(float),
            "weighting": c["weighting"].astype(object),
        }
    )
    h = est.headline
    extra = []
    if h is not None:
        all_row = c[(c["unit"] == root) & (c["role"] == ALL) & (c["index"] == HEADLINE_INDEX)]
        n = int(all_row["n"].iloc[0]) if len(all_row) else None
        extra.append((round_name, h["estimate"], h["se"], h["ci_low"], h["ci_high"], n))
        if "compare_estimate" in h:
            lo = h["compare_estimate"] - Z95 * h["compare_se"]
            hi = h["compare_estimate"] + Z95 * h["compare_se"]
            extra.append((h["compare_round"], h["compare_estimate"], h["compare_se"], lo, hi, None))
    if extra:
        rows = pd.DataFrame(
            {
                "round": [e[0] for e in extra],
                "unit_code": root,
                "role": ALL,
                "index": HEADLINE_INDEX,
                "respondent_mean": np.nan,
                "n": pd.array([e[5] for e in extra], dtype="Int64"),
                "estimate": [e[1] for e in extra],
                "se": [e[2] for e in extra],
                "ci_low": [e[3] for e in extra],
                "ci_high": [e[4] for e in extra],
                "headcount": pd.array([None] * len(extra), dtype="Int64"),
                "coverage": np.nan,
                "weighting": "role_standardised",
            }
        )
        frame = pd.concat([frame, rows], ignore_index=True)
    return frame[list(ESTIMATE_TABLE_COLUMNS)].astype({"n": "Int64", "headcount": "Int64"})


def estimates_line(est: Estimates) -> str:
    """One line for ``mognad report``: where the headcounts came from and the headline."""
    source = {
        "invitations": "population = the invited (per unit and role)",
        "organisation": "population = the organisation file's headcounts per role",
        "none": "no headcounts per role: estimates are respondent means (respondent_mean_only)",
    }[est.source]
    h = est.headline
    if not h:
        return f"Estimates: {source}; no role-standardised headline (a role is hidden)."
    text = f"{h['estimate']:.2f} [{h['ci_low']:.2f}, {h['ci_high']:.2f}]"
    if "delta" in h:
        text += f", change {h['delta']:+.2f} (p = {h['p_value']:.3g}): {h['change']}"
    return f"Estimates: {source}; role-standardised headline {text}."
