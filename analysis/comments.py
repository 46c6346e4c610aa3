"""Which units' free-text comments may be read: nested groups and their remainders (privacy.md).

A unit's comments are the set of texts written in its subtree. Sets of nested units can be
subtracted: the whole organisation minus unit D1 is everything written outside D1, and if only
one person outside D1 wrote a comment, the difference *is* that person's text. The rule is the
block rule of the suppression of figures, applied to sets of texts:

- a unit's set is shown only if it holds at least ``k_text`` texts (primary rule), and
- its *remainder* — its texts minus those of its topmost descendants whose sets are shown —
  holds 0 or at least ``k_text`` texts.

Worked out from the leaves up, every shown set is then a union of remainders each of 0 or at
least ``k_text`` texts, and so is every difference or union of shown sets (subtrees are nested
or disjoint). In particular, for every shown descendant D of a shown unit U, U's count minus
D's is 0 or at least ``k_text``: the remainder of U plus the shown sets between contribute only
blocks of that size. Counts are per comment question, as each question is its own set.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from analysis.suppression import suppress_free_text
from analysis.tree import children_map, ordered

__all__ = ["WHOLE", "readable_groups"]

N = TypeVar("N", bound=Hashable)

#: The key of the whole organisation (every root together) in :func:`readable_groups`.
WHOLE = None


def readable_groups(
    parent: Mapping[N, N | None], own: Mapping[N, int], k_text: int
) -> dict[N | None, bool]:
    """Whether each unit's comment set (and the whole organisation's, key ``None``) may be shown.

    ``own`` holds each unit's own texts of one comment question (not its subtree's); units
    missing from it have none. The whole organisation is treated as one more unit above every
    root, so reading it is held to the same rule as reading a unit.
    """
    order = ordered(parent, key=str)
    kids = children_map(parent)
    size: dict[N | None, int] = {u: int(own.get(u, 0)) for u in order}
    size[WHOLE] = 0
    # Shown sets nearest below each unit add up to ``covered``; the rest is its remainder.
    covered: dict[N | None, int] = dict.fromkeys(size, 0)
    shown: dict[N | None, bool] = {}
    for u in [*reversed(order), WHOLE]:
        for c in kids.get(u, []):
            size[u] += size[c]
            covered[u] += size[c] if shown[c] else covered[c]
        rest = size[u] - covered[u]
        shown[u] = not suppress_free_text(size[u], k_text) and not (0 < rest < k_text)
    return shown
