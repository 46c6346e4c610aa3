"""Synthetic cities: organisation trees and questionnaire answers with planted effects.

The demo, the benchmark and the tests all need believable answers whose truth is known in
advance — a unit that improves, one that declines, units too small to show — so that a report
can be checked against what was planted. This module makes them as plain rows (the columns of
the import files) and never touches a database; callers load them however they load real data.

Everything is deterministic: answers come from the ``numpy`` generator the caller passes in,
and each unit's own level from a generator seeded by its code (plus its department's, seeded by
the department's code), so a unit keeps its level across years; a unit made of others
(:attr:`Plan.inherit`) keeps their mean level, so a merger alone moves nothing. Only the
planted effects move: a unit's trend, a dimension's trend, or a change of who works there
(roles differ in level, :attr:`Plan.role_level`, so a shifted role mix moves the pooled mean
without any change within a role).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis.instruments import DONT_KNOW, Questionnaire
from analysis.tree import children_map

__all__ = [
    "IMPROVES",
    "LEGACY_DECLINES",
    "ROLE_MIX_SHIFTS",
    "DEMO_PLAN",
    "DEMO_YEARS",
    "OrgRow",
    "Plan",
    "demo_org",
    "demo_population",
    "demo_remap",
    "demo_respondents",
    "demo_response_rate",
    "grid_org",
    "leaf_units",
    "response_rows",
    "unit_level",
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
    #: The department (or any group) of a unit: units of one group share the group's level.
    groups: Mapping[str, str] = field(default_factory=dict)
    group_sd: float = 0.0  # spread of the groups' levels
    #: A unit made of others (a merger): its level is their mean level, not a new draw.
    inherit: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: Planted change per year step of one dimension's items only: unit → dimension → shift.
    dimension_trend: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    #: Each role's own level (0 when not listed): a role-mix shift then moves pooled means.
    role_level: Mapping[str, float] = field(default_factory=dict)


def unit_level(code: str, plan: Plan) -> float:
    """A unit's own level in scale points: the same every year, whatever the tree around it.

    Seeded by the unit's code and its group's code, never by the caller's generator, so two
    years (and two trees) agree. A merged unit (:attr:`Plan.inherit`) takes its parts' mean.
    """
    if code in plan.inherit:
        return float(np.mean([unit_level(c, plan) for c in plan.inherit[code]]))
    own = float(np.random.default_rng(zlib.crc32(code.encode())).normal(0, plan.unit_sd))
    group = plan.groups.get(code)
    if group and plan.group_sd:
        seed = zlib.crc32(f"group:{group}".encode())
        own += float(np.random.default_rng(seed).normal(0, plan.group_sd))
    return own


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
    *,
    respondents: Mapping[str, Mapping[str, int]] | None = None,
) -> tuple[list[str], list[list[object]]]:
    """A responses file (``unit_code, role, <item>…``) of about ``n`` respondents.

    ``step`` is the number of years since the first round; it scales the planted trends.
    Items a role is not asked, and skipped items, are ""; "vet ej" is ``dk``. With
    ``respondents`` (unit → role → count, e.g. a sample of :func:`demo_population`) exactly
    those respondents answer, in a shuffled role order, and ``n``, the weights, the sizes and
    the role shares are not used.
    """
    counts: list[int]
    if respondents is None:
        weights = np.array([plan.weights.get(c, 1.0) for c in units])
        drawn = rng.multinomial(n, weights / weights.sum())
        counts = [plan.sizes.get(c, int(k)) for c, k in zip(units, drawn, strict=True)]
    else:
        counts = [sum(respondents.get(c, {}).values()) for c in units]
    level = {c: unit_level(c, plan) for c in units}
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
            cat.dimension,
        )
        for item, cat in items.values()
    ]
    uniform, normal = rng.random, rng.normal
    roles, shares = list(plan.roles), list(plan.roles.values())
    rows: list[list[object]] = []
    for code, k in zip(units, counts, strict=True):
        shift = level[code] + plan.trend.get(code, 0.0) * step
        planted = plan.dimension_trend.get(code, {})
        by_dimension = {d: shift + planted.get(d, 0.0) * step for *_, d in specs}
        if respondents is None:
            drawn_roles = rng.choice(roles, size=k, p=shares)
        else:
            own = respondents.get(code, {})
            drawn_roles = rng.permutation([r for r in own for _ in range(own[r])])
        for role in drawn_roles:
            person = normal(0, plan.person_sd) + plan.role_level.get(str(role), 0.0)
            row: list[object] = [code, str(role)]
            for asked, dont_know, mid, low, high, reverse, dim in specs:
                if role not in asked or uniform() < plan.missing:
                    row.append("")
                elif dont_know and uniform() < plan.dont_know:
                    row.append(DONT_KNOW)
                else:
                    x = mid + by_dimension[dim] + person + normal(0, plan.noise_sd)
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

_ROLE_MIX = {"employee": 0.8, "manager": 0.12, "specialist": 0.08}
#: Planted between the years, per förvaltning (every unit of it): Stadsbyggnadskontoret's
#: capability improves (+0.3 scale points a year, about +6 points on 0–100), Hälsa-, vård- och
#: omsorgsförvaltningen's legacy declines (−0.5, about −10 points: only its managers and
#: specialists answer legacy, about a hundred people), and Gymnasie- och
#: vuxenutbildningsförvaltningen hires managers and specialists in the last year (this role mix)
#: with no change within any role.
IMPROVES, LEGACY_DECLINES, ROLE_MIX_SHIFTS = "SBK", "HVO", "GVF"
_SHIFTED_MIX = {"employee": 0.64, "manager": 0.2, "specialist": 0.16}
_TINY_PEOPLE, _TINY_ANSWERS = {"employee": 4}, {"employee": 3}


def _demo_plan() -> Plan:
    units = [(f"{d}-{n}", d) for d, (_, names) in _DEPARTMENTS.items() for n in range(1, 7)]
    groups = dict(units) | {c: c.split("-")[0] for c in _TINY} | {_MERGER[0]: "MF"}
    planted = {IMPROVES: {"capability": 0.3}, LEGACY_DECLINES: {"legacy": -0.5}}
    return Plan(
        weights={code: 0.15 for code in _TINY},  # used when no sample is given
        sizes={code: 3 for code in _TINY},
        groups=groups,
        group_sd=0.18,
        unit_sd=0.18,
        inherit={_MERGER[0]: _MERGED},
        dimension_trend={c: planted[g] for c, g in groups.items() if g in planted},
        role_level={"manager": 0.25, "specialist": 0.35},
    )


#: The demo's plan: units spread realistically (a department's level plus the unit's own), the
#: merged unit keeps its parts' level, three förvaltningar carry planted effects (above), and
#: the two tiny units (three respondents each) must be suppressed.
DEMO_PLAN = _demo_plan()


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


def _size(code: str) -> float:
    """A unit's relative size, seeded by its code: units differ, about ±35 %."""
    return float(np.exp(np.random.default_rng(zlib.crc32(code.encode())).normal(0, 0.35)))


def demo_population(year: int, per_year: int = 4000) -> dict[str, dict[str, int]]:
    """Headcount per leaf unit and role in ``year``, for about ``per_year`` respondents.

    A unit's size is seeded by its code (the same every year); the merged unit employs its
    parts' people; the role-mix förvaltning has a new mix in the last year, with the same
    headcount. These are the demo's invitations: everyone employed is invited.
    """
    leaves = leaf_units(demo_org(year))
    regular = [f"{d}-{n}" for d in _DEPARTMENTS for n in range(1, 7)]
    # Sizes scaled so that the people at the mean response rate (72.5 %) are about per_year.
    base = per_year / 0.725 / sum(map(_size, regular))

    def people(code: str) -> dict[str, int]:
        if code in _TINY:
            return dict(_TINY_PEOPLE)
        if code in DEMO_PLAN.inherit:
            parts = [people(c) for c in DEMO_PLAN.inherit[code]]
            return {r: sum(p.get(r, 0) for p in parts) for r in _ROLE_MIX}
        size = base * float(
            np.exp(np.random.default_rng(zlib.crc32(code.encode())).normal(0, 0.35))
        )
        group = DEMO_PLAN.groups.get(code)
        mix = _SHIFTED_MIX if group == ROLE_MIX_SHIFTS and year == DEMO_YEARS[-1] else _ROLE_MIX
        heads = {r: max(1, round(size * share)) for r, share in mix.items() if r != "employee"}
        return {"employee": max(1, round(size) - sum(heads.values()))} | heads

    return {code: people(code) for code in leaves}


def demo_response_rate(code: str, year: int) -> float:
    """A unit's response rate in ``year``: between 60 % and 85 %, seeded by unit and year."""
    return float(np.random.default_rng(zlib.crc32(f"{code}:{year}".encode())).uniform(0.6, 0.85))


def demo_respondents(
    population: Mapping[str, Mapping[str, int]], year: int, rng: np.random.Generator
) -> dict[str, dict[str, int]]:
    """Who answers: each (unit, role) a binomial draw at the unit's response rate.

    The tiny units have three respondents each, so that they must be suppressed.
    """
    out: dict[str, dict[str, int]] = {}
    for code, heads in population.items():
        if code in _TINY:
            out[code] = dict(_TINY_ANSWERS)
            continue
        rate = demo_response_rate(code, year)
        out[code] = {r: int(rng.binomial(h, rate)) for r, h in heads.items()}
    return out
