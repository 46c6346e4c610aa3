"""DiMiOS-style typology: digital capability × digital legacy (docs/method.md, section 8).

Both axes are index scores on 0–100. The legacy index measures how far existing systems, data
and rules *enable* change (higher = better), so the split reads

=====================  ==========================  ===========================
\\                       legacy < 50 (hinders)       legacy ≥ 50 (enables)
=====================  ==========================  ===========================
capability ≥ 50        ``held_back``                ``mature``
capability < 50        ``getting_started``          ``untapped``
=====================  ==========================  ===========================

A score of exactly :data:`SPLIT` counts as high. The quadrant names follow the two-dimensional
reading of digital maturity in DiMiOS (Digital Mognad i Offentlig Sektor, University of
Gothenburg); the wording of names and advice is Mognad's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

__all__ = ["QUADRANTS", "SPLIT", "Quadrant", "classify", "quadrant"]

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
