"""DiMiOS-style typology: digital capability × digital legacy (docs/method.md, section 8).

Both axes are index scores on 0–100. The legacy index measures how far existing systems, data
and rules *enable* change (higher = better), so the split reads

=====================  ==========================  ===========================
\\                       legacy < 50 (hinders)       legacy ≥ 50 (enables)
=====================  ==========================  ===========================
capability ≥ 50        ``held_back``                ``mature``
capability < 50        ``getting_started``          ``untapped``
=====================  ==========================  ===========================

A score of exactly :data:`SPLIT` counts as high. Both axes are read on the same respondents:
the roles that answer the legacy questions (managers and specialists, :data:`AXIS_ROLES`), so
that a unit is not placed by the employees' capability against the managers' legacy. A unit
whose 95 % CI on either axis holds values on both sides of the split (``ci_low < 50 <=
ci_high``) is ``undetermined`` (:func:`place`): the data cannot tell which quadrant it is in.

The quadrant names follow the two-dimensional
reading of digital maturity in DiMiOS (Digital Mognad i Offentlig Sektor, University of
Gothenburg); the wording of names and advice is Mognad's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis.roles import ALL, Role
from analysis.stats import describe

__all__ = [
    "AXIS_ROLES",
    "QUADRANTS",
    "SPLIT",
    "UNDETERMINED",
    "UNDETERMINED_NAME",
    "Axis",
    "Placement",
    "Quadrant",
    "classify",
    "place",
    "place_unit",
    "quadrant",
]

#: Scores at or above this value are "high" on an axis.
SPLIT: float = 50.0


@dataclass(frozen=True)
class Quadrant:
    """One cell of the 2×2 typology, with its name and advice in Swedish and English."""

    id: str
    capability_high: bool
    legacy_high: bool
    name: Mapping[str, str]
    advice: Mapping[str, str]


def _q(id: str, cap: bool, leg: bool, name: dict[str, str], advice: dict[str, str]) -> Quadrant:
    return Quadrant(id, cap, leg, MappingProxyType(name), MappingProxyType(advice))


QUADRANTS: Mapping[str, Quadrant] = MappingProxyType(
    {
        q.id: q
        for q in (
            _q(
                "mature",
                True,
                True,
                {"sv": "Digitalt mogen", "en": "Digitally mature"},
                {
                    "sv": "Förmågan och arvet bär varandra. Håll takten: följ upp nyttan mot "
                    "en baslinje, sprid det som fungerar och förnya plattformarna innan de "
                    "börjar bromsa.",
                    "en": "Capability and legacy support each other. Keep the pace: follow up "
                    "benefits against a baseline, spread what works and renew platforms before "
                    "they start to hold you back.",
                },
            ),
            _q(
                "held_back",
                True,
                False,
                {"sv": "Förmåga som bromsas av arvet", "en": "Capability held back by legacy"},
                {
                    "sv": "Organisationen vill och kan förändra, men system, data och regler "
                    "hindrar. Prioritera integrationer och API:er, informationsförsörjning och "
                    "en plan för att avveckla eller ersätta de system som bromsar mest.",
                    "en": "The organisation wants to and can change, but systems, data and rules "
                    "get in the way. Prioritise integration and APIs, information management and "
                    "a plan to retire or replace the systems that hold you back the most.",
                },
            ),
            _q(
                "untapped",
                False,
                True,
                {"sv": "Outnyttjad potential", "en": "Untapped potential"},
                {
                    "sv": "De tekniska förutsättningarna finns men används inte fullt ut. "
                    "Stärk styrning och prioritering, involvera användarna, avsätt tid för "
                    "utveckling och följ upp nyttan så att möjligheterna blir förändring.",
                    "en": "The technical prerequisites are there but are not fully used. "
                    "Strengthen governance and prioritisation, involve users, set time aside for "
                    "development and follow up benefits so that possibilities become change.",
                },
            ),
            _q(
                "getting_started",
                False,
                False,
                {"sv": "I startgroparna", "en": "Getting started"},
                {
                    "sv": "Både förmågan och arvet begränsar. Börja smått: välj några "
                    "verksamhetsnära behov, bygg grundläggande kompetens och styrning, och "
                    "kartlägg vilka system och data som behöver åtgärdas först.",
                    "en": "Both capability and legacy are limiting. Start small: pick a few needs "
                    "close to the operations, build basic competence and governance, and map "
                    "which systems and data need attention first.",
                },
            ),
        )
    }
)

_BY_AXES = {(q.capability_high, q.legacy_high): q.id for q in QUADRANTS.values()}


def quadrant(capability: float | None, legacy: float | None) -> str | None:
    """Return the quadrant id for one pair of index scores.

    Parameters
    ----------
    capability, legacy : float or None
        Index scores on 0–100.

    Returns
    -------
    str or None
        A key of :data:`QUADRANTS`: ``high = score >= SPLIT`` on each axis; None when either
        score is missing (None or NaN), e.g. because its cell is suppressed.
    """
    if capability is None or legacy is None or math.isnan(capability) or math.isnan(legacy):
        return None
    return _BY_AXES[(capability >= SPLIT, legacy >= SPLIT)]


def classify(
    frame: pd.DataFrame, capability: str = "capability", legacy: str = "legacy"
) -> pd.DataFrame:
    """Add a ``quadrant`` column from a capability and a legacy column.

    Parameters
    ----------
    frame : DataFrame
        One row per unit (or cell), with the two index scores as columns.
    capability, legacy : str
        Names of the score columns.

    Returns
    -------
    DataFrame
        A copy of ``frame`` with an object column ``quadrant`` (see :func:`quadrant`; None
        where either score is missing).
    """
    out = frame.copy()
    cap = pd.to_numeric(frame[capability]).astype(float)
    leg = pd.to_numeric(frame[legacy]).astype(float)
    values = [quadrant(c, g) for c, g in zip(cap, leg, strict=True)]
    out["quadrant"] = pd.Series(values, index=frame.index, dtype=object)
    return out


#: The quadrant id of a unit whose CI on an axis crosses :data:`SPLIT`.
UNDETERMINED = "undetermined"
UNDETERMINED_NAME: Mapping[str, str] = MappingProxyType({"sv": "Obestämd", "en": "Undetermined"})
#: The roles both axes are computed on: the ones that answer the legacy questions.
AXIS_ROLES: tuple[str, ...] = (Role.MANAGER.value, Role.SPECIALIST.value)


@dataclass(frozen=True)
class Axis:
    """One axis of a unit: its respondents, mean score and 95 % CI."""

    n: int
    score: float
    ci_low: float
    ci_high: float

    @property
    def crosses(self) -> bool:
        """The CI holds scores on both sides of the split (or there is no CI)."""
        if math.isnan(self.ci_low) or math.isnan(self.ci_high):
            return True
        return self.ci_low < SPLIT <= self.ci_high


@dataclass(frozen=True)
class Placement:
    """Where a unit sits: a :data:`QUADRANTS` id or :data:`UNDETERMINED`, and why.

    ``reasons`` names the axes whose CI crosses the split (``capability``, ``legacy``), empty
    for a determined quadrant.
    """

    quadrant: str
    capability: Axis
    legacy: Axis
    reasons: tuple[str, ...]


def place(capability: Axis, legacy: Axis) -> Placement:
    """The quadrant of a unit, or :data:`UNDETERMINED` when either CI crosses :data:`SPLIT`."""
    reasons = tuple(
        name for name, a in (("capability", capability), ("legacy", legacy)) if a.crosses
    )
    found = UNDETERMINED if reasons else quadrant(capability.score, legacy.score)
    return Placement(found or UNDETERMINED, capability, legacy, reasons)


def _pooled(rows: Sequence[tuple[float, float, float]]) -> Axis:
    """One axis from the cells of several roles: exact, from each cell's n, mean and SD."""
    n = sum(r[0] for r in rows)
    total = sum(r[0] * r[1] for r in rows)
    # Σx² of a cell = (n − 1)s² + n·mean²; an SD of NaN (n = 1) adds no spread.
    total_sq = sum((r[0] - 1) * np.nan_to_num(r[2] ** 2) + r[0] * r[1] ** 2 for r in rows)
    mean, _, low, high = describe(n, total, total_sq)
    return Axis(int(n), float(mean), float(low), float(high))


def place_unit(aggregates: pd.DataFrame, unit: str, role: str) -> Placement | None:
    """The placement of ``unit`` for ``role`` from the open-data rows, or None.

    The axes come from the managers' and specialists' cells (:data:`AXIS_ROLES`): pooled for
    ``role = "all"``, that role's own for a manager or specialist. None when the unit has no
    such respondents, when the role does not answer the legacy questions (employees), or when
    one of the cells needed is suppressed (the placement is then not shown at all).

    Parameters
    ----------
    aggregates : DataFrame
        :func:`analysis.comparison.build_aggregates` rows (``unit_code, role, index, n, score,
        sd, ci_low, ci_high, suppressed``), already suppressed.
    unit, role : str
        The unit code and the role layer (``all`` or a role).
    """
    roles = AXIS_ROLES if role == ALL else (role,) if role in AXIS_ROLES else ()
    if not roles:
        return None
    rows = aggregates[
        (aggregates["unit_code"] == unit)
        & aggregates["role"].isin(roles)
        & aggregates["index"].isin(["capability", "legacy"])
    ]
    axes: dict[str, Axis] = {}
    for index in ("capability", "legacy"):
        cells = rows[rows["index"] == index]
        if cells.empty or cells["suppressed"].astype(bool).any():
            return None
        figures = cells[["n", "score", "sd", "ci_low", "ci_high"]].astype(float).to_numpy()
        if len(figures) == 1:
            n, score, _, low, high = figures[0]
            axes[index] = Axis(int(n), float(score), float(low), float(high))
        else:
            axes[index] = _pooled([(float(f[0]), float(f[1]), float(f[2])) for f in figures])
    return place(axes["capability"], axes["legacy"])
