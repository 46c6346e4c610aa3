"""Improvement suggestions of an instrument: a few per typology quadrant and per category.

They live in the instrument file (``suggestions:``) because what to do about a weak category
depends on what the category asks; an installation may edit its own copy (the web app keeps
that), but the file's text stays the reference that "restore" goes back to. Every entry has
the same number of suggestions in Swedish and English, so a reader in either language gets the
same advice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from analysis.languages import LANGUAGES

__all__ = ["KINDS", "MAX_LENGTH", "Suggestions", "parse_suggestions"]

#: The two kinds of entry: ``quadrants`` keyed by typology quadrant, ``categories`` by category.
KINDS: tuple[str, ...] = ("quadrant", "category")
#: Longest suggestion in characters (the schema says the same).
MAX_LENGTH = 400

#: One entry: language → suggestions, in order.
Entry = Mapping[str, tuple[str, ...]]


def _empty() -> Mapping[str, Entry]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Suggestions:
    quadrants: Mapping[str, Entry] = field(default_factory=_empty)
    categories: Mapping[str, Entry] = field(default_factory=_empty)

    def get(self, kind: str, ident: str) -> Entry | None:
        """The entry of ``kind`` (see :data:`KINDS`) and ``ident``, or None if the file has none."""
        return (self.quadrants if kind == "quadrant" else self.categories).get(ident)


def _entry(raw: Mapping[str, Any]) -> Entry:
    return MappingProxyType({lang: tuple(raw[lang]) for lang in LANGUAGES})


def parse_suggestions(data: Mapping[str, Any]) -> Suggestions:
    """The suggestions block of a valid document (empty when the file has none)."""
    block = data.get("suggestions") or {}
    quadrants = {q: _entry(e) for q, e in block.get("quadrants", {}).items()}
    categories = {c: _entry(e) for c, e in block.get("categories", {}).items()}
    return Suggestions(MappingProxyType(quadrants), MappingProxyType(categories))
