"""Respondent scores: answers → category scores → index scores.

The rules are the ones docs/method.md (sections 1–2) explains; that page and this module must
agree, and the tests check this module against hand-computed examples.

Every answer is rescaled to 0–100 after reversing reverse-keyed items (the one rule for Python
and SQL alike, :mod:`analysis.rescale`),

.. math:: y = \\frac{(x' - \\min) \\cdot 100}{\\max - \\min}, \\qquad
          x' = \\min + \\max - x \\text{ if reverse-keyed, else } x,

and "vet ej" / blanks are missing. For a respondent with role :math:`r`:

* **category score** :math:`c = \\frac{1}{a}\\sum y` over the :math:`a` answered items of the
  category; missing when :math:`2a < m_r`, :math:`m_r` = the category's items that apply to
  :math:`r` (exactly half answered still counts);
* **index score** (``maturity`` = capability + legacy categories, ``capability``, ``legacy``,
  ``competence``, and each plan area of the instrument, :mod:`analysis.plan_areas`) = the
  mean of the available category scores among the index's categories that apply to :math:`r`
  (those with at least one item for :math:`r`); missing when fewer than half of those are
  available. An index with no applicable category is absent for the role;
* each category id is an index too, its value being the category score.

:class:`ScoringPlan` precomputes the per-role denominators once per round, so the database
bridge can score responses in a streaming pass from per-response category sums
(``SUM(rescaled), COUNT(answered)`` from SQL); :func:`score_answers` is the DataFrame entry point
and goes through the same plan, so both paths agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

import numpy as np
import pandas as pd

from analysis.instruments import DIMENSIONS, ROLES, Questionnaire, Scale
from analysis.rescale import TOP, rescale
from analysis.roles import ALL

__all__ = [
    "COMPOSITE_INDICES",
    "ScoringPlan",
    "applicable_indices",
    "category_level",
    "score_answers",
]

#: The headline indices that average several categories, in report order (an instrument's plan
#: areas are composites too: ``Questionnaire.composites``).
COMPOSITE_INDICES: tuple[str, ...] = ("maturity", *DIMENSIONS)

_Level = TypeVar("_Level", float, np.ndarray, pd.Series)


@dataclass(frozen=True, eq=False, init=False)
class ScoringPlan:
    """Per-role scoring denominators of one questionnaire; build once per round.

    Parameters
    ----------
    questionnaire : Questionnaire
        The round's questionnaire snapshot.

    Attributes
    ----------
    item_counts : Mapping[str, Mapping[str, int]]
        role → category id → number of the category's items that apply to the role
        (only categories with at least one such item).
    index_categories : Mapping[str, Mapping[str, tuple[str, ...]]]
        role → composite index (``maturity``, ``capability``, ``legacy``, ``competence``, then
        the plan areas) → the index's categories that apply to the role (indices with none are
        left out).
    item_category : Mapping[str, str]
        item id → category id, for grouping answers into per-category sums.
    """

    questionnaire: Questionnaire
    item_counts: Mapping[str, Mapping[str, int]]
    index_categories: Mapping[str, Mapping[str, tuple[str, ...]]]
    item_category: Mapping[str, str]

    def __init__(self, questionnaire: Questionnaire) -> None:
        counts: dict[str, Mapping[str, int]] = {}
        composites: dict[str, Mapping[str, tuple[str, ...]]] = {}
        for role in ROLES:
            per_cat = {c.id: len(c.items_for(role)) for c in questionnaire.categories}
            per_cat = {cid: m for cid, m in per_cat.items() if m}
            counts[role] = MappingProxyType(per_cat)
            per_index = {
                index: tuple(c.id for c in questionnaire.index_categories(index) if c.id in per_cat)
                for index in questionnaire.composites
            }
            composites[role] = MappingProxyType({i: cs for i, cs in per_index.items() if cs})
        set_ = object.__setattr__
        set_(self, "questionnaire", questionnaire)
        set_(self, "item_counts", MappingProxyType(counts))
        set_(self, "index_categories", MappingProxyType(composites))
        set_(
            self,
            "item_category",
            MappingProxyType({i: c.id for i, (_, c) in questionnaire.items.items()}),
        )

    def respondent_scores(
        self, role: str, category_stats: Mapping[str, tuple[float, int]]
    ) -> dict[str, float]:
        """Score one respondent from per-category sums of rescaled answers.

        Parameters
        ----------
        role : str
            ``employee``, ``manager`` or ``specialist``.
        category_stats : Mapping[str, tuple[float, int]]
            category id → (:math:`\\sum y` of the answered items on 0–100, number answered).
            Categories the respondent left blank may be left out.

        Returns
        -------
        dict[str, float]
            index id → score for every index that is not missing: composites first, then the
            categories, both in questionnaire order.

        Raises
        ------
        ValueError
            For an unknown role, a category that has no item for the role, or more answers
            than the category has items for the role.
        """
        try:
            applicable = self.item_counts[role]
        except KeyError:
            raise ValueError(f"unknown role {role!r}; expected one of {ROLES}") from None
        available: dict[str, float] = {}
        for cid, (total, answered) in category_stats.items():
            m = applicable.get(cid)
            if m is None:
                raise ValueError(f"category {cid!r} has no items for role {role!r}")
            if answered > m:
                raise ValueError(f"category {cid!r}: {answered} answers but {m} items for {role!r}")
            if answered and 2 * answered >= m:
                available[cid] = total / answered
        scores: dict[str, float] = {}
        for index, cats in self.index_categories[role].items():
            values = [available[c] for c in cats if c in available]
            if values and 2 * len(values) >= len(cats):
                scores[index] = math.fsum(values) / len(values)
        for cid in applicable:
            if cid in available:
                scores[cid] = available[cid]
        return scores

    def partial_composites(self, role: str, scores: Mapping[str, float]) -> tuple[str, ...]:
        """The composites that are not the plain mean of the respondent's own categories.

        Why: a published composite is a linear function of the published categories only
        over respondents who have either the composite and all its categories or none of them.
        Anyone else (a category skipped, or a category without its composite) makes
        ``composite − mean of categories`` a sum over just such people, so the disclosure rule
        counts them, per composite, as a group of their own (:mod:`analysis.disclosure`).

        ``scores``: the respondent's :meth:`respondent_scores`.
        """
        out = []
        for index, cats in self.index_categories[role].items():
            have = sum(c in scores for c in cats)
            if (index in scores) != (have == len(cats)) or (index not in scores and have):
                out.append(index)
        return tuple(out)


def applicable_indices(questionnaire: Questionnaire) -> dict[str, frozenset[str]]:
    """Which indices apply to which role (``all`` included): the cells that exist at all.

    A category applies to a role with at least one item for it; a composite index when any of
    its categories applies (the same rule that scores a respondent, :class:`ScoringPlan`);
    ``all`` pools the roles, so it takes what applies to any of them. A cell outside this map
    has no respondents by construction, so it is not a row of the open data (an empty row would
    read as "hidden to protect someone" when nobody was ever asked).
    """
    plan = ScoringPlan(questionnaire)
    out = {
        role: frozenset(plan.item_counts[role]) | frozenset(plan.index_categories[role])
        for role in ROLES
    }
    return {ALL: frozenset().union(*out.values()), **out}


def category_level(score: _Level, scale: Scale) -> _Level:
    """Map a 0–100 category score back onto the raw scale points.

    The inverse of the rescaling for items that are not reverse-keyed (competence items never
    are), so the mean level of a category is

    .. math:: \\ell = \\min + \\frac{s}{100}(\\max - \\min).

    Parameters
    ----------
    score : float or array-like
        Score(s) on 0–100; NaN stays NaN.
    scale : Scale
        The category's answer scale.

    Returns
    -------
    float or array-like
        The level(s) in scale points, same shape as ``score``.
    """
    return scale.min + score / TOP * (scale.max - scale.min)


def score_answers(answers: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Score respondents from a long frame of answers.

    Parameters
    ----------
    answers : DataFrame
        Columns ``respondent``, ``role``, ``item``, ``value``; one row per answered or skipped
        item; ``value`` is the raw scale point, or NaN/None for "vet ej" and blanks.
    questionnaire : Questionnaire
        The questionnaire the answers belong to.

    Returns
    -------
    DataFrame
        Columns ``respondent, role, index, score``: one row per respondent and index that has a
        score (missing scores are absent, not NaN); indices per respondent in questionnaire order.

    Raises
    ------
    ValueError
        For a missing column, an unknown role or item id (named), an item that does not apply to
        the respondent's role, a respondent with two roles, a repeated (respondent, item) pair,
        or a value that is not a point on the item's scale.

    Notes
    -----
    Goes through :class:`ScoringPlan`, like the streaming database path, so both agree.
    """
    missing = {"respondent", "role", "item", "value"} - set(answers.columns)
    if missing:
        raise ValueError(f"answers: missing column(s) {', '.join(sorted(missing))}")
    plan = ScoringPlan(questionnaire)
    out_cols = ["respondent", "role", "index", "score"]
    if answers.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c == "score" else object) for c in out_cols}
        )
    roles = answers["role"]
    bad_roles = sorted(set(roles) - set(ROLES), key=str)
    if bad_roles:
        raise ValueError(f"unknown role(s) {bad_roles}; expected one of {ROLES}")
    items = answers["item"]
    unknown = sorted(set(items) - set(questionnaire.items), key=str)
    if unknown:
        raise ValueError(f"unknown item id(s): {', '.join(map(str, unknown))}")
    if answers.duplicated(["respondent", "item"]).any():
        row = answers[answers.duplicated(["respondent", "item"])].iloc[0]
        raise ValueError(f"respondent {row['respondent']!r} answers item {row['item']!r} twice")
    if (answers.groupby("respondent", sort=False)["role"].nunique() > 1).any():
        raise ValueError("a respondent appears with more than one role")
    meta = {iid: (c, item) for iid, (item, c) in questionnaire.items.items()}
    for iid, role in set(zip(items, roles, strict=True)):
        if role not in meta[iid][1].roles:
            raise ValueError(f"item {iid!r} does not apply to role {role!r}")
    cat = items.map({iid: c.id for iid, (c, _) in meta.items()})
    rev = items.map({iid: item.reverse for iid, (_, item) in meta.items()}).astype(bool)
    lo = items.map({iid: float(c.scale.min) for iid, (c, _) in meta.items()}).astype(float)
    hi = items.map({iid: float(c.scale.max) for iid, (c, _) in meta.items()}).astype(float)
    value = pd.to_numeric(answers["value"], errors="coerce").astype(float)
    present = value.notna()
    off_scale = (answers["value"].notna() & ~present) | (
        present & ((value < lo) | (value > hi) | (value != np.floor(value)))
    )
    if off_scale.any():
        row = answers[off_scale].iloc[0]
        raise ValueError(f"item {row['item']!r}: value {row['value']!r} is not on its scale")
    x = value.where(~rev, lo + hi - value)
    frame = pd.DataFrame(
        {
            "respondent": answers["respondent"],
            "category": cat,
            "y": rescale(x, lo, hi),
        }
    )[present]
    sums = frame.groupby(["respondent", "category"], sort=False)["y"].agg(["sum", "count"])
    role_of = dict(zip(answers["respondent"], roles, strict=True))
    stats: dict[object, dict[str, tuple[float, int]]] = {r: {} for r in role_of}
    for (resp, cid), total, count in zip(sums.index, sums["sum"], sums["count"], strict=True):
        stats[resp][cid] = (float(total), int(count))
    rows = [
        (resp, role_of[resp], index, score)
        for resp, cats in stats.items()
        for index, score in plan.respondent_scores(role_of[resp], cats).items()
    ]
    return pd.DataFrame(rows, columns=out_cols).astype({"score": float})
