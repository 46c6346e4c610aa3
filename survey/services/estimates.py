"""Who a round's population is, for its estimates (docs/method.md, section 10); ``estimates.csv``.

The estimates and the role-standardised headline themselves are computed with the other figures
by :func:`analysis.figures.figures` (:mod:`analysis.headline`); this reads who the people are.
Who the population is: for an invited round, the people invited (per unit and role, from the
invitations and the counts kept of them after close); otherwise the organisation file's
``headcount_employee/_manager/_specialist``. Where neither is known the cells say so
(``respondent_mean_only``). Groups that k-anonymous storage moved up the tree at close take
their people with them (:func:`analysis.estimates.fold_headcounts`), so a stratum's headcount
and its respondents describe the same people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.estimates import Z95, fold_headcounts, own_headcounts
from analysis.headline import HEADLINE_INDEX, Estimates, Population
from analysis.roles import ALL, ROLES
from survey.models import Invitation, InvitationCount, Round, Unit
from survey.services.statistics import response_count

__all__ = ["HEADLINE_INDEX", "Estimates", "estimate_table", "population", "stratum_heads"]

ESTIMATE_TABLE_COLUMNS: tuple[str, ...] = (
    "round", "unit_code", "role", "index", "respondent_mean", "n", "estimate", "se", "ci_low",
    "ci_high", "headcount", "coverage", "weighting",
)  # fmt: skip


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


def population(session: Session, rnd: Round, tree: pd.DataFrame) -> Population:
    """:func:`stratum_heads` as :func:`analysis.headline.round_estimates` takes them."""
    return Population(*stratum_heads(session, rnd, tree))


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
