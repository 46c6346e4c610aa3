"""A round's estimates of its shown cells and its role-standardised headline (docs/method.md,
section 10), from plain frames.

Who the population is (invitations or the organisation file's headcounts) is read from the
database by ``survey/services/estimates.py``; everything after that is here, so that
:func:`analysis.figures.figures` computes the estimates with the other figures in one call.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.estimates import Z95, change, post_stratify_shown, reference_weights, standardise
from analysis.roles import ALL, ROLES

__all__ = ["HEADLINE_INDEX", "Estimates", "Population", "check_role_weights", "round_estimates"]

HEADLINE_INDEX = "maturity"
#: How far given role weights may sum from 1 (rounding of shares written as decimals).
WEIGHT_SUM_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Population:
    """People per (unit, role) stratum (``unit, role, headcount``) as the round's responses are
    stored, and where the counts come from: ``invitations``, ``organisation`` or ``none``."""

    heads: pd.DataFrame
    source: str = "none"

    def known(self) -> pd.DataFrame | None:
        """The headcounts, None when nobody knows them (estimates are respondent means)."""
        return self.heads if self.source != "none" else None


@dataclass(frozen=True)
class Estimates:
    """Estimates of a round's shown cells and its headline; ``source`` of the headcounts is
    ``invitations``, ``organisation`` or ``none``."""

    cells: pd.DataFrame
    source: str
    root: str
    headline: dict[str, Any] | None = None
    weights: dict[str, float] = field(default_factory=dict)


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


def _answering(scores: pd.DataFrame) -> set[str]:
    """Roles with respondents to the headline index."""
    rows = scores[(scores["index"] == HEADLINE_INDEX) & (scores["n"] > 0)]
    return set(rows["role"])


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


def check_role_weights(weights: Mapping[str, float]) -> None:
    """Refuse given headline weights that are not a role composition: exactly the three roles,
    each a number ≥ 0, summing to 1 (± :data:`WEIGHT_SUM_TOLERANCE`). Weights that do not sum
    to 1 would be renormalised silently by :func:`analysis.estimates.standardise`, so the
    stated composition would not be the one used.

    Raises
    ------
    ValueError
        Naming the missing or unknown roles, the bad weight, or the sum.
    """
    missing = [r for r in ROLES if r not in weights]
    unknown = sorted(str(r) for r in weights if r not in ROLES)
    if missing or unknown:
        raise ValueError(
            f"role weights must give exactly the roles {list(ROLES)}: "
            f"missing {missing}, unknown {unknown}"
        )
    for role in ROLES:
        value = weights[role]
        number = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0:
            raise ValueError(f"role weight of {role!r} must be a number ≥ 0, not {value!r}")
    total = math.fsum(float(weights[r]) for r in ROLES)
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise ValueError(f"role weights must sum to 1, not {total!r}")


def round_estimates(
    scores: pd.DataFrame,
    population: Population,
    tree: pd.DataFrame,
    aggregates: pd.DataFrame,
    compare: tuple[str, pd.DataFrame, Population, pd.DataFrame, pd.DataFrame] | None = None,
    role_weights: Mapping[str, float] | None = None,
) -> Estimates:
    """The round's estimates of its shown cells and its role-standardised headline.

    ``scores`` are the round's leaf statistics (``unit, role, index, n, sum, sumsq``);
    ``aggregates`` its published rows (their ``suppressed`` flags decide which cells get an
    estimate). ``compare`` is (name, leaf scores, population, tree, a frame with ``unit_code``
    or ``unit``, ``role, index, suppressed`` on its own tree) of the comparison round; its
    headline uses *this* round's weights. ``role_weights`` are the headline's weights as given
    (checked by :func:`check_role_weights`); None: this round's reference weights
    (:func:`analysis.estimates.reference_weights`).
    """
    cells = post_stratify_shown(scores, population.known(), tree, _shown(aggregates))
    if role_weights is None:
        weights = reference_weights(population.known(), scores, HEADLINE_INDEX)
    else:
        check_role_weights(role_weights)
        weights = {r: float(role_weights[r]) for r in ROLES}
    now = _standardised(cells, weights, _root(tree), _answering(scores))
    if now is None:
        return Estimates(cells, population.source, _root(tree), None, weights)
    headline: dict[str, Any] = {"estimate": now[0], "se": now[1]}
    headline |= {"ci_low": now[0] - Z95 * now[1], "ci_high": now[0] + Z95 * now[1]}
    before = None
    if compare is not None:
        c_name, c_scores, c_population, c_tree, c_rows = compare
        c_cells = post_stratify_shown(c_scores, c_population.known(), c_tree, _shown(c_rows))
        before = _standardised(c_cells, weights, _root(c_tree), _answering(c_scores))
        headline["compare_round"] = c_name
    if before is not None:
        headline |= {"compare_estimate": before[0], "compare_se": before[1]}
        names = {"se": "delta_se", "ci_low": "delta_ci_low", "ci_high": "delta_ci_high"}
        headline |= {names.get(k, k): v for k, v in change(now, before).items()}
    else:
        headline["change"] = "not_comparable"
    return Estimates(cells, population.source, _root(tree), headline, weights)
