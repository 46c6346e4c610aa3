"""A respondent's own competence profile: their level per competence category against their
role's target, their strongest categories and those to grow in.

Pure computation on one person's answers (plain values in, plain values out), so that the web
layer can compute it in the request that submits and never store it: nothing here reads or
writes anything. The level is the mean of the person's answers to the category's statements on
the category's scale ("vet ej" and unanswered statements left out), the same arithmetic as a
category score before it is put on 0–100 (docs/method.md, section 1), but on the scale's own
steps so that it reads against the target and the level texts of the instrument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from analysis.instruments import Category, Questionnaire
from analysis.levels import Level

__all__ = ["MAX_PICKS", "CategoryLevel", "Profile", "build_profile", "category_levels"]

#: At most this many strengths and as many areas to grow.
MAX_PICKS = 3


@dataclass(frozen=True)
class CategoryLevel:
    """One competence category of the profile."""

    category: Category
    level: float  # the mean answer on the category's scale
    answered: int  # statements that count (answered, not "vet ej")
    target: int | None
    step: Level | None  # the instrument's text for the level rounded to a whole step

    @property
    def gap(self) -> float:
        """Level minus target (0 without a target)."""
        return self.level - self.target if self.target is not None else 0.0

    @property
    def reached(self) -> bool | None:
        return None if self.target is None else self.level >= self.target


@dataclass(frozen=True)
class Profile:
    role: str
    rows: tuple[CategoryLevel, ...]  # in the instrument's order
    strengths: tuple[CategoryLevel, ...]  # strongest first
    to_grow: tuple[CategoryLevel, ...]  # furthest below target first


def profile_categories(questionnaire: Questionnaire, role: str) -> tuple[Category, ...]:
    """The competence categories a role answers (the profile is about what the person can do,
    not about the organisation)."""
    return tuple(c for c in questionnaire.categories_for(role) if c.dimension == "competence")


def category_levels(
    questionnaire: Questionnaire, role: str, values: Mapping[str, str]
) -> dict[str, tuple[float, int]]:
    """Category id → (mean answer, number of answers) over the role's competence statements.

    ``values`` are the answers as a draft holds them (item id → "1" … "5", or "dk"); anything
    off the scale, "vet ej" and unanswered statements are left out, and a category with no
    answer at all is left out of the result.
    """
    out: dict[str, tuple[float, int]] = {}
    for cat in profile_categories(questionnaire, role):
        answers: list[int] = []
        for item in cat.items_for(role):
            value = cat.scale.parse(values.get(item.id, ""))
            if isinstance(value, int):
                answers.append(cat.scale.min + cat.scale.max - value if item.reverse else value)
        if answers:
            out[cat.id] = (sum(answers) / len(answers), len(answers))
    return out


def _step(levels: tuple[Level, ...], mean: float) -> Level | None:
    """The level text for ``mean`` rounded half up to a whole step (3.5 → 4)."""
    whole = int(mean + 0.5)
    return next((lv for lv in levels if lv.value == whole), None)


def build_profile(
    questionnaire: Questionnaire, role: str, levels: Mapping[str, tuple[float, int]]
) -> Profile:
    """The profile from :func:`category_levels` (or the same numbers kept elsewhere).

    Strengths are the categories furthest above their target (then the highest level), areas
    to grow those furthest below it (then the lowest level); each list holds at most
    :data:`MAX_PICKS` and at most half of the answered categories, so that no category is
    both. A category level with the best area to grow's (gap, level) is not a strength, and
    one level with the weakest strength's is not an area to grow: ties across the line say
    nothing about which is stronger.
    """
    rows = tuple(
        CategoryLevel(
            category=cat,
            level=levels[cat.id][0],
            answered=levels[cat.id][1],
            target=cat.target.get(role),
            step=_step(questionnaire.levels.get(cat.id, ()), levels[cat.id][0]),
        )
        for cat in profile_categories(questionnaire, role)
        if cat.id in levels
    )
    picks = min(MAX_PICKS, len(rows) // 2)
    ranked = sorted(rows, key=lambda r: (-r.gap, -r.level))
    top, bottom = ranked[:picks], ranked[len(ranked) - picks :][::-1]
    strengths = tuple(r for r in top if all((r.gap, r.level) > (b.gap, b.level) for b in bottom))
    to_grow = tuple(r for r in bottom if all((r.gap, r.level) < (t.gap, t.level) for t in top))
    return Profile(role=role, rows=rows, strengths=strengths, to_grow=to_grow)
