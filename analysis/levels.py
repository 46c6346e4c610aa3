"""What each level of a category means, and how to learn more from it, per the instrument file.

A category may carry ``levels:``, one entry per value of its scale (lowest first): ``meaning``
says in plain words what a person at that level can do (sv and en), ``learning`` lists concrete
next steps for someone at that level, each in both languages and optionally with a link the
organisation sets (its learning platform, a course). They live in the instrument because what
"level 3 in safety" means depends on what the category asks; the personal competence profile
and the role pages read them, and neither ever guesses a text the file does not give.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from analysis.languages import LANGUAGES

__all__ = ["Learning", "Level", "parse_levels"]

Text = Mapping[str, str]


@dataclass(frozen=True)
class Learning:
    """One learning suggestion: the text per language, and a link if the organisation set one."""

    text: Text
    url: str | None = None


@dataclass(frozen=True)
class Level:
    """One value of a category's scale: what it means and what to do next from there."""

    value: int
    meaning: Text
    learning: tuple[Learning, ...] = ()


def _text(raw: Mapping[str, Any]) -> Text:
    return MappingProxyType({lang: str(raw[lang]) for lang in LANGUAGES})


def parse_levels(data: Mapping[str, Any]) -> Mapping[str, tuple[Level, ...]]:
    """Category id → its levels (lowest first), for the categories of a valid document that
    have them."""
    out: dict[str, tuple[Level, ...]] = {}
    for dim in data["dimensions"]:
        for cat in dim["categories"]:
            if "levels" not in cat:
                continue
            low = int(data["scales"][cat["scale"]]["min"])
            out[cat["id"]] = tuple(
                Level(
                    value=low + n,
                    meaning=_text(entry["meaning"]),
                    learning=tuple(
                        Learning(_text(s), s.get("url")) for s in entry.get("learning", [])
                    ),
                )
                for n, entry in enumerate(cat["levels"])
            )
    return MappingProxyType(out)
