"""The families of tests of a round's changes: which index is tested with which others.

Benjamini–Hochberg runs within one (unit, role, family) only (docs/method.md, "Families of
tests"), so the families decide every ``p_adjusted`` and thus every ``improved``/``declined``
label. Why they are an input and not a rule inside :func:`analysis.comparison.build_aggregates`:
the families are a pre-specified choice of the analysis plan, stated before the data are seen;
stating them as plain data (index id → family) makes the choice visible, testable and open to
another plan, while :func:`default_families` keeps the one choice every report makes today.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from analysis.instruments import Questionnaire
from analysis.plan_areas import FAMILY as PLAN_AREA_FAMILY
from analysis.scoring import COMPOSITE_INDICES

__all__ = ["FAMILIES", "check_families", "default_families"]

#: The pre-specified families of tests, per unit and role: the headline indices (primary), the
#: categories (secondary) and the instrument's plan areas (secondary, their own family). The
#: order is also the order in which the same test found twice is kept (the first wins).
FAMILIES: tuple[str, ...] = ("headline", "category", PLAN_AREA_FAMILY)
HEADLINE, CATEGORY = FAMILIES[0], FAMILIES[1]


def default_families(q: Questionnaire) -> dict[str, str]:
    """The instrument's families: the headline composites (maturity and the three dimensions)
    ``headline``, its plan areas ``plan_area``, every category ``category``."""
    areas = set(q.plan_area_ids)
    return {
        index: HEADLINE
        if index in COMPOSITE_INDICES
        else PLAN_AREA_FAMILY
        if index in areas
        else CATEGORY
        for index in q.indices
    }


def check_families(families: Mapping[str, str], indices: Collection[str] = ()) -> None:
    """Refuse a family mapping that names a family outside :data:`FAMILIES` (the published
    ``family`` column allows no other) or leaves one of ``indices`` without a family: a
    missing index must not fall silently into a family nobody chose.

    Raises
    ------
    ValueError
        Naming the unknown family or the indices without one.
    """
    unknown = {ix: f for ix, f in families.items() if f not in FAMILIES}
    if unknown:
        named = ", ".join(f"{ix!r} → {f!r}" for ix, f in sorted(unknown.items()))
        raise ValueError(f"unknown family of tests ({named}); the families are {list(FAMILIES)}")
    missing = [ix for ix in indices if ix not in families]
    if missing:
        raise ValueError(f"no family of tests given for index(es) {missing}")
