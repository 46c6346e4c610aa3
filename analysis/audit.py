"""The disclosure auditor: attack published figures the way an outsider with the files would.

Why: the suppression rules are reasoned about one identity at a time; an attacker uses every
published row at once. The auditor sets up that attack as linear algebra and says which small
groups it gives away, so a rule can be tested against it rather than argued about.

*Unknowns* are group sums: per round, quantity (a category, a composite index where it cannot
be written through its categories, ``below:<category>`` for the number below target) and
*atom* — the respondents of one role recorded at one unit (not its sub-units).

*Equations* are the published rows. A cell (unit with its descendants, role or ``all``, index)
shows ``n × mean`` = the sum of its atoms' unknowns. Where the counts say which respondents
are *partial* in which composites (a ``part`` column: ``exact``, or ``partial:`` and the
composites joined by ``+``; :meth:`analysis.scoring.ScoringPlan.partial_composites`), each
atom splits by that signature: a composite is written as the mean of its categories
(``Σ category sums / m``) over the respondents exact in it, and is an unknown of its own over
those partial in it. Without that column, a composite is written through its categories for
an atom whose n is the same in the composite and each of its categories, and is an unknown
of its own otherwise. Aggregates, the comparison columns (the old round's
unknowns, over the old units that map into the row's unit), the HR gaps (mean level is a linear
function of the category score; ``share_below × n`` is the count below target) are all rows.
Counts of people add unknowns of their own (an atom's people with a score in an index, and
its respondents), with a row per published count (a shown cell's n, fieldwork's completed
counts); so do item distributions, the number of an atom's answers of each value to each item,
with a row per shown count; they are not tied to the category sums (a category
score averages each person's answered items, which counts do not give).

*The test*: a group (an atom, a unit's own respondents of a role, or a unit's subtree × a
role or ``all``) with ``0 < n < k`` is *recovered* when its vector for some index lies in the
row space of the equations. Rows with one unknown left are peeled off first (that unknown is
determined); the rest splits into independent blocks (connected by shared unknowns), each
tested with a dense SVD.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from analysis.roles import ALL, OUTPUT_ROLES, ROLES
from analysis.rowspace import Key, Vector, in_row_space
from analysis.tree import children_map, parent_map, preorder

__all__ = ["AuditRound", "Attack", "Group"]


@dataclass(frozen=True)
class Group:
    """A group the attack gives away: whose (``scope`` own or subtree), which index, how many."""

    round: str
    unit: str
    role: str
    index: str
    scope: str
    n: int


@dataclass(frozen=True)
class AuditRound:
    """One round as the attacker models it, with the true counts to judge the attack.

    ``counts``: columns ``unit, role, index, n`` (and optionally ``part``, see the module) of
    the respondents recorded at each unit (leaf statistics, not rolled up); ``composites``:
    role → composite index → the categories it averages for that role
    (``ScoringPlan.index_categories``).
    """

    name: str
    tree: pd.DataFrame
    counts: pd.DataFrame
    composites: Mapping[str, Mapping[str, tuple[str, ...]]]
    #: Answer counts ``unit, role, item, value, count`` where recorded ("vet ej" a value of its
    #: own), when the attack includes the item distributions.
    items: pd.DataFrame | None = None

    @cached_property
    def own_items(self) -> dict[tuple[str, str, str], dict[str, int]]:
        """(item, unit, role) → value → answers of the respondents recorded at the unit."""
        out: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
        if self.items is not None:
            columns = [self.items[c].astype(str) for c in ("item", "unit", "role", "value")]
            for item, unit, role, value, n in zip(*columns, self.items["count"], strict=True):
                if int(n):
                    own = out[(item, unit, role)]
                    own[value] = own.get(value, 0) + int(n)
        return dict(out)

    def count_vector(self, units: Iterable[str], roles: Iterable[str], index: str) -> Vector:
        """The unknowns of a count of people: those with a score in ``index`` (``people``:
        every respondent), one per atom that has them."""
        roles = tuple(roles)
        return {
            (self.name, f"n:{index}", u, r): 1.0
            for u in units
            for r in roles
            if self._count(index, u, r)
        }

    def _count(self, index: str, unit: str, role: str) -> int:
        if index == "people":
            return self.people.get((unit, role), 0)
        return self.own_n.get((index, unit, role), 0)

    @cached_property
    def people(self) -> dict[tuple[str, str], int]:
        """(unit, role) → respondents recorded there (the most with a score in any index)."""
        out: dict[tuple[str, str], int] = {}
        for (_, unit, role), n in self.own_n.items():
            out[(unit, role)] = max(out.get((unit, role), 0), n)
        return out

    def count_groups(self, k: int) -> list[tuple[Group, Vector]]:
        """Every natural group of ``0 < n < k`` people: the attack must not tell how many of
        them have a score in any index, nor how many they are."""
        out: list[tuple[Group, Vector]] = []
        seen: set[frozenset[tuple[Key, float]]] = set()
        for unit, layer, roles, scope, units in self.scopes():
            people = sum(self.people.get((u, r), 0) for u in units for r in roles)
            if 0 < people < k:
                for index in ("people", *self.indices):
                    group = Group(self.name, unit, layer, f"n:{index}", scope, people)
                    _keep(out, seen, group, self.count_vector(units, roles, index))
        return out

    def item_vector(
        self, units: Iterable[str], roles: Iterable[str], item: str, value: str
    ) -> Vector:
        """The unknowns of a count of answers ``value`` to ``item``: one per atom asked it."""
        roles = tuple(roles)
        return {
            (self.name, f"item:{item}={value}", u, r): 1.0
            for u in units
            for r in roles
            if (item, u, r) in self.own_items
        }

    def item_groups(self, k: int) -> list[tuple[Group, Vector]]:
        """Every natural group that gave ``0 < n < k`` answers to an item, per answer value:
        the attack must not tell how many of them gave it."""
        values: dict[str, set[str]] = defaultdict(set)
        for (item, _, _), own in self.own_items.items():
            values[item].update(own)
        out: list[tuple[Group, Vector]] = []
        seen: set[frozenset[tuple[Key, float]]] = set()
        for unit, layer, roles, scope, units in self.scopes():
            for item, options in values.items():
                asked = (self.own_items.get((item, u, r), {}) for u in units for r in roles)
                n = sum(sum(answers.values()) for answers in asked)
                if 0 < n < k:
                    for value in sorted(options):
                        group = Group(self.name, unit, layer, f"{item}={value}", scope, n)
                        _keep(out, seen, group, self.item_vector(units, roles, item, value))
        return out

    @cached_property
    def own_parts(self) -> dict[tuple[str, str, str, str], int]:
        """(index, unit, role, part) → respondents recorded at the unit (part ``""`` when the
        counts do not split exact and partial respondents)."""
        out: dict[tuple[str, str, str, str], int] = defaultdict(int)
        parts = self.counts["part"] if "part" in self.counts else pd.Series("", self.counts.index)
        columns = (self.counts[c].astype(str) for c in ("index", "unit", "role"))
        for index, unit, role, part, n in zip(
            *columns, parts.astype(str), self.counts["n"].astype(int), strict=True
        ):
            out[(index, unit, role, part)] += int(n)
        return dict(out)

    @cached_property
    def parts(self) -> tuple[str, ...]:
        return tuple(sorted({part for *_, part in self.own_parts}))

    @cached_property
    def own_n(self) -> dict[tuple[str, str, str], int]:
        """(index, unit, role) → respondents recorded at the unit."""
        out: dict[tuple[str, str, str], int] = defaultdict(int)
        for (index, unit, role, _), n in self.own_parts.items():
            out[(index, unit, role)] += n
        return dict(out)

    @cached_property
    def subtree(self) -> dict[str, list[str]]:
        """Each unit and its descendants."""
        parent = parent_map(self.tree["unit"], self.tree["parent"])
        kids = children_map(parent)
        return {u: [v for v, _ in preorder(kids, [u])] for u in parent}

    @cached_property
    def indices(self) -> list[str]:
        return list(pd.unique(self.counts["index"].astype(str)))

    def vector(self, units: Iterable[str], roles: Iterable[str], index: str) -> Vector:
        """The unknowns (with weights) that a cell of these atoms sums (see the module)."""
        out: Vector = defaultdict(float)
        roles = tuple(roles)
        for unit in units:
            for role in roles:
                for part in self.parts:
                    n = self.own_parts.get((index, unit, role, part), 0)
                    if n == 0:
                        continue
                    cats = self.composites.get(role, {}).get(index, ())
                    if part:  # the counts say who is exact in which composite
                        whole = index not in part.removeprefix("partial:").split("+")
                    else:
                        whole = all(self.own_n.get((c, unit, role), 0) == n for c in cats)
                    if cats and whole:
                        for cat in cats:
                            out[(self.name, _part(cat, part), unit, role)] += 1.0 / len(cats)
                    else:
                        out[(self.name, _part(index, part), unit, role)] += 1.0
        return dict(out)

    def size(self, units: Iterable[str], roles: Iterable[str], index: str) -> int:
        roles = tuple(roles)
        return sum(self.own_n.get((index, u, r), 0) for u in units for r in roles)

    def groups(self, k: int) -> list[tuple[Group, Vector]]:
        """Every natural group with ``0 < n < k``, one vector per distinct set of unknowns."""
        out: list[tuple[Group, Vector]] = []
        seen: set[frozenset[tuple[Key, float]]] = set()
        for unit, layer, roles, scope, units in self.scopes():
            for index in self.indices:
                n = self.size(units, roles, index)
                if 0 < n < k:
                    group = Group(self.name, unit, layer, index, scope, n)
                    _keep(out, seen, group, self.vector(units, roles, index))
        return out

    def scopes(self) -> Iterator[tuple[str, str, tuple[str, ...], str, list[str]]]:
        """Every natural group's atoms: (unit, layer, roles, ``own`` or ``subtree``, units)."""
        for unit, below in self.subtree.items():
            for layer in OUTPUT_ROLES:
                for scope, units in (("own", [unit]), ("subtree", below)):
                    yield unit, layer, _roles(layer), scope, units


def _keep(
    out: list[tuple[Group, Vector]],
    seen: set[frozenset[tuple[Key, float]]],
    group: Group,
    vector: Vector,
) -> None:
    """Add a candidate unless it is empty or its vector was seen (one per set of unknowns)."""
    key = frozenset((a, round(w, 9)) for a, w in vector.items())
    if vector and key not in seen:
        seen.add(key)
        out.append((group, vector))


def _part(quantity: str, part: str) -> str:
    """The unknown's quantity: the sums of respondents with different signatures (exact or
    partial in which composites) are different unknowns."""
    return f"{quantity}|{part}" if part else quantity


def _roles(layer: str) -> tuple[str, ...]:
    return ROLES if layer == ALL else (layer,)


@dataclass
class Attack:
    """The published rows as equations; :meth:`recovered` runs the attack."""

    rows: list[Vector] = field(default_factory=list)

    def add(self, vector: Vector) -> None:
        if vector:
            self.rows.append(vector)

    def aggregates(self, rnd: AuditRound, frame: pd.DataFrame) -> None:
        """Rows of ``aggregates.csv`` (``unit_code, role, index, score``) with a score."""
        shown = frame[frame["score"].notna()]
        for unit, layer, index in zip(
            shown["unit_code"], shown["role"], shown["index"], strict=True
        ):
            self.add(rnd.vector(rnd.subtree[str(unit)], _roles(str(layer)), str(index)))

    def comparisons(
        self,
        old: AuditRound,
        frame: pd.DataFrame,
        mapping: Mapping[str, str],
        new_tree: pd.DataFrame,
    ) -> None:
        """The ``compare_score`` column: the old round's atoms mapped into the row's unit."""
        shown = frame[frame["compare_score"].notna()]
        new = AuditRound("", new_tree, old.counts.iloc[:0], {}).subtree
        for unit, layer, index in zip(
            shown["unit_code"], shown["role"], shown["index"], strict=True
        ):
            inside = set(new[str(unit)])
            units = [o for o, m in mapping.items() if m in inside]
            self.add(old.vector(units, _roles(str(layer)), str(index)))

    def items(self, rnd: AuditRound, frame: pd.DataFrame) -> None:
        """Shown item distributions (``unit, role, item, value, count``): one row per count."""
        for unit, layer, item, value in zip(
            frame["unit"], frame["role"], frame["item"], frame["value"], strict=True
        ):
            units, roles = rnd.subtree[str(unit)], _roles(str(layer))
            self.add(rnd.item_vector(units, roles, str(item), str(value)))

    def counts(self, rnd: AuditRound, frame: pd.DataFrame) -> None:
        """Published counts of people: the ``n`` of shown aggregate rows (``unit_code, role,
        index, n``) and counts of respondents (``unit_code, role, completed``: fieldwork, and
        a cell's response rate times its public invited count)."""
        if "index" in frame.columns:
            shown = frame[frame["n"].notna()]
            rows = zip(shown["unit_code"], shown["role"], shown["index"], strict=True)
        else:
            shown = frame[frame["completed"].notna()]
            rows = zip(shown["unit_code"], shown["role"], ["people"] * len(shown), strict=True)
        for unit, layer, index in rows:
            self.add(rnd.count_vector(rnd.subtree[str(unit)], _roles(str(layer)), str(index)))

    def gaps(self, rnd: AuditRound, frame: pd.DataFrame) -> None:
        """Rows of the gaps (``unit, role, category, mean_level, share_below``)."""
        unit_column = "unit" if "unit" in frame.columns else "unit_code"
        for row in frame.to_dict("records"):
            units, role, cat = rnd.subtree[str(row[unit_column])], str(row["role"]), row["category"]
            if pd.notna(row["mean_level"]):
                self.add(rnd.vector(units, (role,), str(cat)))
            if pd.notna(row["share_below"]):
                self.add(
                    {
                        (rnd.name, f"below:{cat}", u, role): 1.0
                        for u in units
                        if rnd.own_n.get((str(cat), u, role), 0)
                    }
                )

    def determined(self, vectors: list[Vector]) -> list[bool]:
        """Whether the rows determine each vector (e.g. a hidden cell's own sum)."""
        return in_row_space(self.rows, vectors)

    def recovered(self, rounds: Iterable[AuditRound], k: int) -> list[Group]:
        """The natural groups of ``0 < n < k`` that the rows determine."""
        candidates = [
            c for rnd in rounds for c in (*rnd.groups(k), *rnd.item_groups(k), *rnd.count_groups(k))
        ]
        found = in_row_space(self.rows, [v for _, v in candidates])
        return [group for (group, _), hit in zip(candidates, found, strict=True) if hit]
