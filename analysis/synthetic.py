"""Synthetic cities: organisation trees and questionnaire answers with planted effects.

The demo, the benchmark and the tests all need believable answers whose truth is known in
advance — a unit that improves, one that declines, units too small to show — so that a report
can be checked against what was planted. This module makes them as plain rows (the columns of
the import files) and never touches a database; callers load them however they load real data.

Everything is deterministic: answers come from the ``numpy`` generator the caller passes in,
and each unit's own level from a generator seeded by its code, so a unit keeps its level across
years and reorganisations while only the planted units move.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis.instruments import DONT_KNOW, Questionnaire
from analysis.tree import children_map

__all__ = [
    "DEMO_PLAN",
    "DEMO_YEARS",
    "OrgRow",
    "Plan",
    "demo_org",
    "demo_remap",
    "grid_org",
    "leaf_units",
    "response_rows",
]

#: One unit as in an organisation file: ``code, name, parent_code`` ("" for the root).
OrgRow = tuple[str, str, str]


@dataclass(frozen=True)
class Plan:
    """How respondents answer, in scale points (a 1–5 scale has 4 between its ends)."""

    #: Relative share of the respondents per unit (1 when not listed).
    weights: Mapping[str, float] = field(default_factory=dict)
    #: Units with a fixed number of respondents, whatever the draw gave them.
    sizes: Mapping[str, int] = field(default_factory=dict)
    #: Planted change per year step: > 0 improves, < 0 declines.
    trend: Mapping[str, float] = field(default_factory=dict)
    #: Share of each role among the respondents.
    roles: Mapping[str, float] = field(
        default_factory=lambda: {"employee": 0.8, "manager": 0.12, "specialist": 0.08}
    )
    centre: float = 0.3  # the typical answer, above the scale's midpoint
    unit_sd: float = 0.35  # spread of the units' own levels
    person_sd: float = 0.6  # spread of the respondents' own levels
    noise_sd: float = 0.8  # spread of one answer around the respondent's level
    missing: float = 0.03  # share of items left unanswered
    dont_know: float = 0.06  # share of "vet ej" where the scale offers it


def leaf_units(org: Sequence[OrgRow]) -> list[str]:
    """The units without sub-units, in file order: where respondents work."""
    with_units = children_map({code: parent or None for code, _, parent in org})
    return [code for code, _, _ in org if code not in with_units]


def response_rows(
    q: Questionnaire,
    units: Sequence[str],
    n: int,
    rng: np.random.Generator,
    plan: Plan,
    step: int = 0,
) -> tuple[list[str], list[list[object]]]:
    """A responses file (``unit_code, role, <item>…``) of about ``n`` respondents.

    ``step`` is the number of years since the first round; it scales the planted trends.
    Items a role is not asked, and skipped items, are ""; "vet ej" is ``dk``.
    """
    weights = np.array([plan.weights.get(c, 1.0) for c in units])
    drawn = rng.multinomial(n, weights / weights.sum())
    counts = [plan.sizes.get(c, int(k)) for c, k in zip(units, drawn, strict=True)]
    level = {
        c: np.random.default_rng(zlib.crc32(c.encode())).normal(0, plan.unit_sd) for c in units
    }
    items = q.items
    # Per item, what the inner loop needs, looked up once: it runs once per answer.
    specs = [
        (
            frozenset(item.roles),
            bool(cat.scale.dont_know),
            (cat.scale.min + cat.scale.max) / 2 + plan.centre,
            cat.scale.min,
            cat.scale.max,
            item.reverse,
        )
        for item, cat in items.values()
    ]
    uniform, normal = rng.random, rng.normal
    roles, shares = list(plan.roles), list(plan.roles.values())
    rows: list[list[object]] = []
    for code, k in zip(units, counts, strict=True):
        shift = level[code] + plan.trend.get(code, 0.0) * step
        for role in rng.choice(roles, size=k, p=shares):
            person = normal(0, plan.person_sd)
            row: list[object] = [code, str(role)]
            for asked, dont_know, mid, low, high, reverse in specs:
                if role not in asked or uniform() < plan.missing:
                    row.append("")
                elif dont_know and uniform() < plan.dont_know:
                    row.append(DONT_KNOW)
                else:
                    x = mid + shift + person + normal(0, plan.noise_sd)
                    x = low + high - x if reverse else x
                    row.append(min(max(round(x), low), high))
            rows.append(row)
    return ["unit_code", "role", *items], rows


def grid_org(departments: int = 15, units: int = 30, root: str = "CITY") -> list[OrgRow]:
    """A large city: ``departments`` förvaltningar of ``units`` units each under one root."""
    rows: list[OrgRow] = [(root, "Staden", "")]
    for f in range(departments):
        rows.append((f"F{f:02d}", f"Förvaltning {f}", root))
        rows += [(f"F{f:02d}-{u:02d}", f"Enhet {f}.{u}", f"F{f:02d}") for u in range(units)]
    return rows


# -- the demo city ------------------------------------------------------------------------------

DEMO_YEARS = (2024, 2025, 2026)
_DEPARTMENTS: dict[str, tuple[str, list[str]]] = {
    "SK": (
        "Stadskontoret",
        ["Digitalisering", "Ekonomi", "HR", "Kommunikation", "Juridik", "IT-drift"],
    ),
    "FSK": (
        "Förskoleförvaltningen",
        ["Förskoleområde Norr", "Förskoleområde Söder", "Förskoleområde Öster",
         "Förskoleområde Väster", "Administration", "Kvalitet"],
    ),
    "GRF": (
        "Grundskoleförvaltningen",
        ["Skolområde 1", "Skolområde 2", "Skolområde 3", "Elevhälsa", "Skol-IT", "Administration"],
    ),
    "GVF": (
        "Gymnasie- och vuxenutbildningsförvaltningen",
        ["Gymnasium Centrum", "Gymnasium Hamnen", "Vuxenutbildning", "SFI",
         "Studie- och yrkesvägledning", "Administration"],
    ),
    "HVO": (
        "Hälsa-, vård- och omsorgsförvaltningen",
        ["Hemtjänst Norr", "Hemtjänst Söder", "Särskilt boende", "Hälso- och sjukvård",
         "Biståndsenheten", "Administration"],
    ),
    "FSF": (
        "Funktionsstödsförvaltningen",
        ["Bostad med särskild service", "Daglig verksamhet", "Personlig assistans", "Myndighet",
         "Socialpsykiatri", "Administration"],
    ),
    "MF": (
        "Miljöförvaltningen",
        ["Tillsyn", "Inspektion", "Miljöstrategi", "Miljöövervakning", "Livsmedel",
         "Administration"],
    ),
    "SBK": (
        "Stadsbyggnadskontoret",
        ["Bygglov", "Planering", "Geodata", "Digitala tjänster", "Kundcenter", "Administration"],
    ),
}  # fmt: skip
_TINY = {"SK-DSO": "Dataskyddsombud", "MF-LAB": "Laboratoriet"}
# In the last year Tillsyn (MF-1) and Inspektion (MF-2) merge into one unit.
_MERGED, _MERGER, _MERGE_YEAR = ("MF-1", "MF-2"), ("MF-TILLSYN", "Tillsyn och inspektion"), 2026

#: Skol-IT and Digitala tjänster improve, Hemtjänst Söder declines, the two tiny units (three
#: respondents each) must be suppressed.
DEMO_PLAN = Plan(
    weights={code: 0.15 for code in _TINY},
    sizes={code: 3 for code in _TINY},
    trend={"SBK-4": 0.45, "GRF-5": 0.45, "HVO-2": -0.45},
)


def demo_org(year: int) -> list[OrgRow]:
    """The demo city's tree in ``year``: eight förvaltningar of six units, two tiny units."""
    rows: list[OrgRow] = [("STAD", "Demo stad", "")]
    for code, (name, units) in _DEPARTMENTS.items():
        rows.append((code, name, "STAD"))
        for n, unit in enumerate(units, start=1):
            ucode = f"{code}-{n}"
            if year >= _MERGE_YEAR and ucode in _MERGED:
                continue
            rows.append((ucode, unit, code))
    if year >= _MERGE_YEAR:
        rows.append((*_MERGER, "MF"))
    rows += [(c, n, c.split("-")[0]) for c, n in _TINY.items()]
    return rows


def demo_remap(year: int) -> list[tuple[str, str]]:
    """The remap file (``old_code, new_code``) from ``year - 1``; empty when nothing changed."""
    if year != _MERGE_YEAR:
        return []
    kept = [(c, c) for c, _, _ in demo_org(year - 1) if c not in _MERGED]
    return [(old, _MERGER[0]) for old in _MERGED] + kept
