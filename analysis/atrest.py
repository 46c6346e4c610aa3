"""Where a closed round's responses are stored: no (unit, role) group smaller than k at rest.

A response row keeps its unit and its role. After close, a (unit, role) group of one person —
the only manager of a unit — would sit in the database as that person's answers under a label
that names them. Before the statistics are frozen, each role's groups are therefore coarsened
up the tree by the rule of the analyst exports (:func:`analysis.exports.coarsen_units`, one
definition): a group of ``0 < n < k`` of a role joins its parent unit's group of that role,
accumulated upward, until it reaches k; at a top unit what is left takes in the smallest group
below it until no group below k remains.

If a whole tree holds fewer than k of a role, no unit can reach k: that role's responses are all
stored at the top unit, the one group below k that remains (every figure of that role is then
suppressed, as each of its cells has fewer than k). :func:`storage_units` reports such groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from analysis.exports import coarsen_units
from analysis.roles import ROLES

__all__ = ["Storage", "storage_units"]


@dataclass(frozen=True)
class Storage:
    """Target unit per (unit, role) with responses, and the groups still below k at a top."""

    target: dict[tuple[str, str], str]
    below_k: dict[tuple[str, str], int]


def storage_units(
    parent: Mapping[str, str | None], counts: Mapping[tuple[str, str], int], k: int
) -> Storage:
    """Where each (unit, role) group is stored after close (see the module's docstring).

    ``counts`` holds each unit's own responses per role (not its subtree's); ``parent`` is the
    round year's tree (roots map to None). Raises ValueError for an unknown unit or role.
    """
    unknown = {u for u, _ in counts} - set(parent)
    if unknown:
        raise ValueError(f"counts: unknown unit(s) {sorted(unknown)}")
    if {r for _, r in counts} - set(ROLES):
        raise ValueError(f"counts: roles must be among {ROLES}")
    target: dict[tuple[str, str], str] = {}
    below: dict[tuple[str, str], int] = {}
    for role in ROLES:
        own = {u: int(n) for (u, r), n in counts.items() if r == role and n > 0}
        if not own:
            continue
        label = coarsen_units(parent, own, k, strict=False)
        stored: dict[str, int] = {}
        for unit, n in own.items():
            target[(unit, role)] = label[unit]
            stored[label[unit]] = stored.get(label[unit], 0) + n
        below.update({(u, role): n for u, n in stored.items() if n < k})
    return Storage(target, below)
